"""Where to send a member back to after an action, without open redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next_url(candidate: str | None, fallback_endpoint: str = "cases.index") -> str:
    """Return `candidate` when it is a local path, else the fallback page."""
    if candidate:
        parts = urlsplit(candidate)
        local = not parts.scheme and not parts.netloc and candidate.startswith("/")
        if local and not candidate.startswith("//") and "\\" not in candidate:
            return candidate
    return url_for(fallback_endpoint)


def current_path() -> str:
    """The path and query of this request, to come back to after a form."""
    return request.full_path.rstrip("?")
