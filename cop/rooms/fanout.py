"""Room broadcasts written straight to each WebSocket instead of through a writer thread.

In Flask-SocketIO's threading mode each connection owns a packet queue and a writer thread
(python-engineio). A broadcast to 500 members put 500 packets and woke 500 threads that then
took turns on the GIL: ~0.11 ms of server CPU per recipient and a fan-out p95 above 50 ms.

Here a broadcast frame is encoded once, and the sending thread writes it to every WebSocket
whose writer has nothing pending: one non-blocking ``send`` per member, no thread woken.
Anything else keeps Engine.IO's path, in order:

* a connection still on HTTP long-polling, or upgrading, is queued as before;
* while the writer holds packets (:attr:`SendQueue.in_flight`), new ones queue behind them;
* a frame the kernel takes only in part leaves its remainder queued for the writer, which
  blocks on it as it always did, so a slow member never stalls the room nor loses a byte.

The decision and the write happen under the queue's own mutex, so no packet overtakes
another. With Redis, every process (the sender's too) delivers room broadcasts from its
Redis listener, so all clients see one order.

``permessage-deflate`` is declined (as Socket.IO's Node server does by default): room
messages are small, and a zlib context per connection would cost memory and a
compression per recipient. Tested against python-engineio 4.15 / python-socketio 5.18.
"""

from __future__ import annotations

import queue
import socket
import ssl
import struct
from typing import Any

import socketio
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

_TEXT, _BINARY = 0x81, 0x82  # FIN + opcode (RFC 6455 §5.2)


def websocket_frame(data: str | bytes) -> bytes:
    """Return one final, unmasked WebSocket frame carrying ``data`` (server to client)."""
    if isinstance(data, str):
        payload, first = data.encode(), _TEXT
    else:
        payload, first = bytes(data), _BINARY
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


class _Remainder(eio_packet.Packet):
    """The unsent tail of a frame, queued for the writer thread to finish first."""

    def __init__(self, tail: bytes) -> None:
        super().__init__(eio_packet.NOOP)
        self.tail = tail

    def encode(self, b64: bool = False) -> _RawBytes:  # type: ignore[override]
        return _RawBytes(self.tail)


class _RawBytes(bytes):
    """Bytes already framed: :class:`RoomWebSocket` writes them as they are."""


class SendQueue(queue.Queue):
    """An Engine.IO connection's packet queue that can hand a frame straight to its socket.

    ``in_flight`` counts the packets the WebSocket writer thread has taken and not yet
    written; a direct write is allowed only when it is zero and the queue is empty.
    """

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self.engineio_socket: Any = None
        self.websocket: RoomWebSocket | None = None
        self.in_flight = 0

    def _on_websocket(self) -> bool:
        """The connection is on WebSocket: only its writer thread takes packets now."""
        sock = self.engineio_socket
        return sock is not None and sock.upgraded and not sock.upgrading and not sock.closed

    def _streaming(self) -> bool:
        return self.websocket is not None and self._on_websocket()

    def _get(self) -> Any:  # called by queue.Queue with self.mutex held
        item = super()._get()
        if self._on_websocket():
            self.in_flight += 1
        return item

    def written(self) -> None:
        """The writer thread finished writing one packet it had taken."""
        with self.mutex:
            if self.in_flight:
                self.in_flight -= 1

    def deliver(self, pkt: eio_packet.Packet, frame: bytes) -> None:
        """Write ``frame`` now if nothing is pending, else queue ``pkt`` behind the rest."""
        with self.mutex:
            if self._streaming() and not self.in_flight and not self._qsize():
                assert self.websocket is not None
                sent = self.websocket.try_write(frame)
                if sent == len(frame):
                    return
                if sent:
                    pkt = _Remainder(frame[sent:])
            self._put(pkt)
            self.unfinished_tasks += 1
            self.not_empty.notify()


class RoomWebSocket(SimpleWebSocketWSGI):
    """Engine.IO's simple-websocket adapter, registered on its connection's :class:`SendQueue`."""

    def __call__(self, environ: dict, start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)  # no permessage-deflate
        engineio_socket = getattr(self.app, "__self__", None)
        send_queue = getattr(engineio_socket, "queue", None)
        if isinstance(send_queue, SendQueue):
            self._queue = send_queue
            send_queue.engineio_socket = engineio_socket
            # Registered once connected: simple_websocket.Server handshakes in __init__.
            self._register = send_queue
        return super().__call__(environ, start_response)

    def send(self, message: Any) -> None:
        """Write a packet taken by Engine.IO's writer thread (or the upgrade's probe)."""
        self._attach()
        try:
            if isinstance(message, _RawBytes):
                if not self.ws.connected:
                    raise OSError("the WebSocket is closed")
                self.ws.sock.sendall(message)
            else:
                super().send(message)
        finally:
            queue_ = getattr(self, "_queue", None)
            if queue_ is not None:
                queue_.written()

    def wait(self) -> Any:
        self._attach()
        return super().wait()

    def _attach(self) -> None:
        register = self.__dict__.pop("_register", None)
        sock = self.ws.sock
        # A socket with a timeout would wait for room even with MSG_DONTWAIT; TLS sockets
        # take no flags: such connections keep Engine.IO's writer thread for everything.
        if register is not None and sock.gettimeout() is None \
                and not isinstance(sock, ssl.SSLSocket):
            with register.mutex:
                register.websocket = self

    def try_write(self, frame: bytes) -> int:
        """Write what the kernel takes without blocking; return the number of bytes sent."""
        if not self.ws.connected:
            return 0
        try:
            return self.ws.sock.send(frame, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return 0
        except (OSError, ValueError):
            return 0  # the writer thread meets the same error and closes the connection


class FanoutManager(socketio.Manager):
    """python-socketio's client manager, a broadcast encoded once and delivered directly.

    Recipients without a :class:`SendQueue` (another async mode, a test client) get
    python-socketio's usual per-recipient send.
    """

    def emit(self, event: str, data: Any, namespace: str, room: Any = None,
             skip_sid: Any = None, callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        room = to or room
        if callback or namespace not in self.rooms:
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        if isinstance(data, tuple):
            data = list(data)
        else:
            data = [] if data is None else [data]
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            socketio.packet.EVENT, namespace=namespace, data=[event, *data]).encode()
        packets = [eio_packet.Packet(eio_packet.MESSAGE, part)
                   for part in (encoded if isinstance(encoded, list) else [encoded])]
        frames = [websocket_frame(pkt.encode()) for pkt in packets]
        engineio_server = self.server.eio
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            connection = engineio_server.sockets.get(eio_sid)
            send_queue = getattr(connection, "queue", None)
            if not isinstance(send_queue, SendQueue):
                for pkt in packets:
                    self.server._send_eio_packet(eio_sid, pkt)
            elif not connection.closed and connection.check_ping_timeout():
                for pkt, frame in zip(packets, frames, strict=True):
                    send_queue.deliver(pkt, frame)


EVERY_HOST = "cop:every-host"


class FanoutRedisManager(socketio.RedisManager, FanoutManager):
    """The Redis client manager (several processes): each process fans out its share.

    In the method order FanoutManager.emit sits between PubSubManager and Manager, so the
    messages PubSubManager receives from Redis are delivered directly too.

    PubSubManager delivers an emit to this process's clients at once and to the others'
    through Redis, so two processes could show two messages in different orders. Here an
    emit without callback reaches everyone, this process included, through Redis: one
    stream in one order, the room's id order (see :mod:`cop.rooms.ordering`).
    """

    def _handle_emit(self, message: dict) -> None:
        if message.get("host_id") == self.host_id and message.get("callback") is None:
            # PubSubManager.emit hands its message here, then publishes that same dict:
            # marked for every host, it comes back through this process's listener too.
            message["host_id"] = EVERY_HOST
            return
        super()._handle_emit(message)


def client_manager(redis_url: str | None, channel: str = "flask-socketio") -> socketio.Manager:
    """Return the client manager for ``redis_url`` (None: this process only)."""
    if redis_url:
        return FanoutRedisManager(redis_url, channel=channel)
    return FanoutManager()


def install(engineio_server: Any) -> None:
    """Make ``engineio_server`` create :class:`SendQueue` and :class:`RoomWebSocket` objects."""
    if engineio_server.async_mode != "threading":
        return
    engineio_server._async = {
        **engineio_server._async,
        "queue": SendQueue,
        "websocket": RoomWebSocket,
    }
