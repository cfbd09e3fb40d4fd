"""Links to a post: the case page that shows it (long threads have pages), at its anchor."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from cop.cases.queries import page_of
from cop.models import Post


def post_url(post: Post) -> str:
    """The URL of ``post`` as the current member sees the thread."""
    return url_for("cases.show", case_id=post.case_id, page=page_of(post, current_user),
                   _anchor=f"post-{post.id}")
