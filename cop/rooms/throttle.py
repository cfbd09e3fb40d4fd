"""Per-member rate limits for room events, in the app's rate-limit storage (Redis if set)."""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

DEFAULT_LIMITS = {
    "message": "10 per 10 seconds",
    "typing": "30 per 10 seconds",
}


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get("cop_rooms_limiter")
    if limiter is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        limiter = current_app.extensions.setdefault(
            "cop_rooms_limiter", MovingWindowRateLimiter(storage)
        )
    return limiter


def _limit(event: str) -> RateLimitItem:
    configured = current_app.config.get("ROOM_RATE_LIMITS") or {}
    return parse(configured.get(event) or DEFAULT_LIMITS[event])


def allow(event: str, member_id: int) -> bool:
    """Count one `event` by a member; False when the member is over the limit."""
    return _limiter().hit(_limit(event), "cop-room", event, str(member_id))
