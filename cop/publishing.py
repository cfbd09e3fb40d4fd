"""The publish step: the only place where text reaches HTML, the index and notifications.

No ORM hook does this, so text that is held or unreviewed can never leak by accident.
"""

from __future__ import annotations

from cop.models import Case, Post
from cop.notifications import services as notifications
from cop.rendering import render_markdown
from cop.search import services as search


def render(post: Post) -> None:
    """Store the sanitised HTML of a post's Markdown (done on every write)."""
    post.body_html = str(render_markdown(post.body))


def published(post: Post, notify: bool = True) -> None:
    """Index a newly visible post and tell followers and mentioned members."""
    search.index_post(post)
    if notify:
        notifications.notify_post(post)


def withdrawn(post: Post) -> None:
    """A post is no longer public (held, hidden, deleted): take it out of the index."""
    search.remove_post(post)


def case_changed(case: Case) -> None:
    """Status or title changed: refresh every indexed document of the case."""
    search.index_case(case)
