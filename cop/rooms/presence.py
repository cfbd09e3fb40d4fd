"""Who is in which room, shared by every worker when Redis is configured.

Each connection (Socket.IO sid) in a room is recorded with its member id, so a member with two
tabs counts once, and leaving twice is harmless. With ``REDIS_URL`` the record is a Redis hash
per room (``sid -> member id``), visible to every worker; otherwise it lives in process memory.
The rooms a sid joined are kept locally: a sid only ever lives in the process that accepted it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Protocol

from flask import Flask, current_app

KEY_PREFIX = "cop:presence:"
# A crashed worker cannot clean up after itself: its entries expire with the room's key.
KEY_TTL_SECONDS = 6 * 3600


class PresenceStore(Protocol):
    def add(self, room: str, sid: str, member_id: int) -> bool:
        """Record a connection; True when it is the member's first one in the room."""

    def remove(self, room: str, sid: str) -> tuple[int | None, bool]:
        """Forget a connection; (its member id, True when that member has no other one)."""

    def member_ids(self, room: str) -> list[int]:
        """The members present in a room, each once."""

    def clear(self, room: str) -> None:
        """Forget a whole room (tests and benchmarks)."""


class MemoryPresence:
    """Presence for a single process."""

    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, int]] = defaultdict(dict)
        self._lock = threading.Lock()

    def add(self, room: str, sid: str, member_id: int) -> bool:
        with self._lock:
            sids = self._rooms[room]
            first = member_id not in sids.values()
            sids[sid] = member_id
            return first

    def remove(self, room: str, sid: str) -> tuple[int | None, bool]:
        with self._lock:
            sids = self._rooms.get(room, {})
            member_id = sids.pop(sid, None)
            if not sids:
                self._rooms.pop(room, None)
            return member_id, member_id is not None and member_id not in sids.values()

    def member_ids(self, room: str) -> list[int]:
        with self._lock:
            return sorted(set(self._rooms.get(room, {}).values()))

    def clear(self, room: str) -> None:
        with self._lock:
            self._rooms.pop(room, None)


class RedisPresence:
    """Presence shared by every worker through one Redis hash per room."""

    # Record the sid and tell whether the member had no other connection, atomically.
    _ADD = """
    local first = 1
    for _, member in ipairs(redis.call('HVALS', KEYS[1])) do
      if member == ARGV[2] then first = 0 break end
    end
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    return first
    """
    _REMOVE = """
    local member = redis.call('HGET', KEYS[1], ARGV[1])
    if not member then return {false, 0} end
    redis.call('HDEL', KEYS[1], ARGV[1])
    for _, other in ipairs(redis.call('HVALS', KEYS[1])) do
      if other == member then return {member, 0} end
    end
    return {member, 1}
    """

    def __init__(self, url: str) -> None:
        import redis  # only needed when Redis is configured

        # A blocking pool: hundreds of threads disconnecting at once wait for a connection
        # instead of failing with "Too many connections".
        pool = redis.BlockingConnectionPool.from_url(url, max_connections=64, timeout=20,
                                                     decode_responses=True)
        self._redis = redis.Redis(connection_pool=pool)
        self._add = self._redis.register_script(self._ADD)
        self._remove = self._redis.register_script(self._REMOVE)

    def add(self, room: str, sid: str, member_id: int) -> bool:
        return bool(self._add(keys=[KEY_PREFIX + room], args=[sid, member_id, KEY_TTL_SECONDS]))

    def remove(self, room: str, sid: str) -> tuple[int | None, bool]:
        member, last = self._remove(keys=[KEY_PREFIX + room], args=[sid])
        return (int(member), bool(last)) if member else (None, False)

    def member_ids(self, room: str) -> list[int]:
        return sorted({int(v) for v in self._redis.hvals(KEY_PREFIX + room)})

    def clear(self, room: str) -> None:
        self._redis.delete(KEY_PREFIX + room)


class LocalRooms:
    """The rooms each sid of this process joined, for cleaning up on disconnect."""

    def __init__(self) -> None:
        self._rooms: dict[str, set[str]] = defaultdict(set)
        self._lock = threading.Lock()

    def add(self, sid: str, room: str) -> None:
        with self._lock:
            self._rooms[sid].add(room)

    def discard(self, sid: str, room: str) -> None:
        with self._lock:
            self._rooms.get(sid, set()).discard(room)

    def pop(self, sid: str) -> set[str]:
        with self._lock:
            return self._rooms.pop(sid, set())


def make_presence(app: Flask) -> PresenceStore:
    url = app.config.get("REDIS_URL")
    return RedisPresence(url) if url else MemoryPresence()


def presence() -> PresenceStore:
    """The presence store of the current app (created on first use)."""
    store = current_app.extensions.get("cop_presence")
    if store is None:
        store = current_app.extensions.setdefault("cop_presence", make_presence(current_app))
    return store


def local_rooms() -> LocalRooms:
    rooms = current_app.extensions.get("cop_local_rooms")
    if rooms is None:
        rooms = current_app.extensions.setdefault("cop_local_rooms", LocalRooms())
    return rooms
