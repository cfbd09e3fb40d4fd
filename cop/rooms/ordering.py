"""Each room broadcasts its messages in id order, across threads and worker processes.

A message's id comes from the database when it is stored; its broadcast runs afterwards in
the sender's thread. Two members sending at once could reach the room as 46 then 45, and a
client that reconnected after 46 (re-joining with ``since=46``) would never get 45. Holding
one lock per room from the insert to the end of the broadcast makes ids arrive in order:
a striped thread lock inside a process, plus a Redis lock across processes when Redis is
configured (the processes then share rooms through it anyway).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import LockError, RedisError

from cop.errors import DomainError

log = logging.getLogger(__name__)

_STRIPES = [threading.Lock() for _ in range(64)]
KEY_PREFIX = "cop:room-order:"
HOLD_SECONDS = 10  # a crashed holder's lock expires after this
WAIT_SECONDS = 5


class RoomBusy(DomainError):
    """The room's order lock could not be had in time: nothing was stored."""

    status = 503
    reason = "busy"

    def __init__(self) -> None:
        super().__init__(_("The room is very busy. Send your message again."))


@contextmanager
def in_order(case_id: int) -> Iterator[None]:
    """Hold room ``case_id``'s broadcast order from storing a message to broadcasting it.

    Raises :class:`RoomBusy` (nothing stored yet) when the order cannot be had in time.
    """
    stripe = _STRIPES[case_id % len(_STRIPES)]
    if not stripe.acquire(timeout=WAIT_SECONDS):
        raise RoomBusy()
    try:
        shared = _shared_lock(case_id)
        if shared is None:
            yield
            return
        try:
            acquired = shared.acquire(blocking=True, blocking_timeout=WAIT_SECONDS)
        except RedisError as error:
            log.warning("room order lock unavailable: %s", error)
            raise RoomBusy() from error
        if not acquired:
            raise RoomBusy()
        try:
            yield
        finally:
            _release(shared, case_id)
    finally:
        stripe.release()


def _release(lock: Any, case_id: int) -> None:
    """Release; the message is stored and sent by now, so a failure is only logged."""
    try:
        lock.release()
    except LockError:
        log.warning("room %s: order lock held past %s s; it had expired", case_id,
                    HOLD_SECONDS)
    except RedisError as error:
        log.warning("room %s: order lock release failed (%s); it expires by itself",
                    case_id, error)


def _shared_lock(case_id: int) -> Any:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("cop_room_order_redis")
    if client is None:
        client = current_app.extensions.setdefault(
            "cop_room_order_redis", redis.Redis.from_url(url, socket_timeout=WAIT_SECONDS)
        )
    return client.lock(f"{KEY_PREFIX}{case_id}", timeout=HOLD_SECONDS, sleep=0.002)
