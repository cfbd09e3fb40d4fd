"""Reading case threads: what a viewer may see, lists with filters, sorting and pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased, selectinload, with_expression

from cop.errors import NotFound
from cop.extensions import db
from cop.models import Case, Member, Post, PostKind, PostStatus, Tag, case_tag


@dataclass(frozen=True)
class CaseFilters:
    """The filters and order of the case list, as given by the member."""

    tag: str = ""
    state: str = ""
    profession: str = ""
    sector: str = ""
    sort: str = "activity"


def can_see_post(viewer: Member | None, post: Post) -> bool:
    """Published posts are public to members; held or hidden ones to author and moderators."""
    if post.status == PostStatus.PUBLISHED:
        return True
    if post.status == PostStatus.DELETED or viewer is None or not viewer.is_authenticated:
        return False
    return viewer.is_moderator or (post.status == PostStatus.HELD and viewer.id == post.author_id)


def get_case(case_id: int, viewer: Member | None) -> Case:
    """The case when the viewer may see its opening post, else NotFound (no existence leak)."""
    case = db.session.get(Case, case_id)
    if case is None or not can_see_post(viewer, case.opening):
        raise NotFound(_("This case does not exist, or is not visible to you."))
    return case


def get_post(post_id: int, viewer: Member | None) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not (can_see_post(viewer, post) and can_see_post(viewer, post.case.opening)):
        raise NotFound(_("This post does not exist, or is not visible to you."))
    return post


def visible_posts(case: Case, viewer: Member | None) -> list[Post]:
    return [post for post in case.posts if can_see_post(viewer, post)]


REPLIES_PER_PAGE = 50
_LISTED_KINDS = (PostKind.REPLY, PostKind.CONFERENCE)


@dataclass(frozen=True)
class ReplyPage:
    """One page of a thread's replies (the shape of Flask-SQLAlchemy's Pagination)."""

    items: list[Post]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def listed_replies(case: Case, posts: list[Post]) -> list[Post]:
    """The posts shown under "Replies", oldest first (a resolved case's synthesis sits on
    top of the thread instead)."""
    return [
        post for post in posts
        if post.kind in _LISTED_KINDS or (post.kind == PostKind.SYNTHESIS and not case.is_resolved)
    ]


def reply_page(replies: list[Post], page: int) -> ReplyPage:
    """Page ``page`` of ``replies`` (clamped to the pages there are)."""
    pages = max(1, -(-len(replies) // REPLIES_PER_PAGE))
    page = min(max(1, page), pages)
    start = (page - 1) * REPLIES_PER_PAGE
    return ReplyPage(replies[start:start + REPLIES_PER_PAGE], page, pages, len(replies))


def page_of(post: Post, viewer: Member | None) -> int | None:
    """The reply page showing ``post``; None for the first page or a post not listed."""
    replies = listed_replies(post.case, visible_posts(post.case, viewer))
    index = next((i for i, reply in enumerate(replies) if reply.id == post.id), 0)
    return index // REPLIES_PER_PAGE + 1 if index >= REPLIES_PER_PAGE else None


def _published_opening() -> Select:
    opening = aliased(Post)
    return exists().where(
        opening.case_id == Case.id,
        opening.kind == PostKind.OPENING.value,
        opening.status == PostStatus.PUBLISHED.value,
    )


def _published_replies_count():
    return (
        select(func.count(Post.id))
        .where(
            Post.case_id == Case.id,
            Post.kind == PostKind.REPLY.value,
            Post.status == PostStatus.PUBLISHED.value,
        )
        .correlate(Case)
        .scalar_subquery()
    )


def list_cases(filters: CaseFilters, page: int, per_page: int) -> Pagination:
    """Published cases with the filters applied; each case carries its `reply_count`."""
    replies = _published_replies_count()
    query = select(Case).where(_published_opening())
    if filters.tag:
        query = query.where(
            exists().where(case_tag.c.case_id == Case.id, case_tag.c.tag_id == Tag.id,
                           Tag.name == filters.tag)
        )
    if filters.state:
        query = query.where(Case.state == filters.state)
    if filters.profession or filters.sector:
        author = aliased(Member)
        conditions = [author.id == Case.author_id]
        if filters.profession:
            conditions.append(author.profession == filters.profession)
        if filters.sector:
            conditions.append(author.sector == filters.sector)
        query = query.where(exists().where(and_(*conditions)))
    order = {
        "newest": [Case.created_at.desc()],
        "unanswered": [replies.asc(), Case.created_at.desc()],
    }.get(filters.sort, [Case.last_activity_at.desc()])
    query = query.order_by(*order, Case.id.desc()).options(
        selectinload(Case.tags), with_expression(Case.reply_count, replies)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def popular_tags(limit: int = 30) -> list[str]:
    query = (
        select(Tag.name)
        .join(case_tag, case_tag.c.tag_id == Tag.id)
        .where(exists().where(Case.id == case_tag.c.case_id, _published_opening()))
        .group_by(Tag.name)
        .order_by(func.count().desc(), Tag.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def member_activity(member: Member, viewer: Member | None) -> tuple[list[Case], list[Post]]:
    """A member's cases and replies, as the viewer may see them."""
    cases = db.session.scalars(
        select(Case).where(Case.author_id == member.id).order_by(Case.created_at.desc())
    )
    visible_cases = [case for case in cases if can_see_post(viewer, case.opening)]
    replies = db.session.scalars(
        select(Post)
        .where(Post.author_id == member.id, Post.kind == PostKind.REPLY.value)
        .order_by(Post.created_at.desc())
        .limit(50)
    )
    visible_replies = [
        post for post in replies
        if can_see_post(viewer, post) and can_see_post(viewer, post.case.opening)
    ]
    return visible_cases, visible_replies
