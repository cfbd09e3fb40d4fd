"""What the app indexes and how it asks: published posts only, always from the database."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cop.extensions import db
from cop.models import Case, Post, PostKind, PostStatus
from cop.rendering import html_text
from cop.search.index import SearchDocument, SearchIndex, SearchResults

POST_KINDS = ("case", "reply", "synthesis")
_KINDS = {
    PostKind.OPENING: "case",
    PostKind.REPLY: "reply",
    PostKind.SYNTHESIS: "synthesis",
    PostKind.CONFERENCE: "reply",
}


def search_index() -> SearchIndex:
    """The app's index, opened once per process."""
    index = current_app.extensions.get("cop_search")
    if index is None:
        index = SearchIndex(current_app.config["SEARCH_DIR"])
        current_app.extensions["cop_search"] = index
    return index


def doc_id(post: Post) -> str:
    return f"case:{post.case_id}" if post.kind == PostKind.OPENING else f"post:{post.id}"


def document(post: Post) -> SearchDocument:
    """The index's view of one published post (plain text; the HTML is never indexed)."""
    case = post.case
    return SearchDocument(
        doc_id=doc_id(post),
        kind=_KINDS[PostKind(post.kind)],
        case_id=case.id,
        post_id=None if post.kind == PostKind.OPENING else post.id,
        title=case.title,
        body=html_text(post.body_html),
        tags=[tag.name for tag in case.tags],
        status=case.state,
        profession=post.author.profession,
        sector=post.author.sector,
        language=case.language,
        author=post.author.display_name,
        created_at=post.created_at,
    )


def _indexable(post: Post) -> bool:
    return post.status == PostStatus.PUBLISHED and post.case.opening.status == PostStatus.PUBLISHED


def index_post(post: Post) -> None:
    if post.kind == PostKind.OPENING:
        index_case(post.case)
    elif _indexable(post):
        search_index().add(document(post))
    else:
        remove_post(post)


def remove_post(post: Post) -> None:
    if post.kind == PostKind.OPENING:
        search_index().remove_case(post.case_id)
    else:
        search_index().remove(doc_id(post))


def index_case(case: Case) -> None:
    """Replace the documents of a case's posts by what is published now.

    Room transcripts are documents of the case too; the rooms keep them up to date.
    """
    docs = [document(post) for post in case.posts if _indexable(post)]
    search_index().replace_case(case.id, docs, kinds=POST_KINDS)


def post_documents(batch: int = 200) -> Iterator[SearchDocument]:
    """Every published post, from the database (the source of truth).

    Cases are read ``batch`` at a time with their posts and tags (three queries a batch,
    not two per case), and released as the iteration moves on.
    """
    cases = (
        select(Case)
        .options(selectinload(Case.posts), selectinload(Case.tags))
        .order_by(Case.id)
        .execution_options(yield_per=batch)
    )
    for case in db.session.scalars(cases):
        for post in case.posts:
            if _indexable(post):
                yield document(post)


def search(query: str, filters: dict | None = None, sort: str = "relevance", page: int = 1,
           per_page: int = 20) -> SearchResults:
    return search_index().query(query, filters=filters, sort=sort, page=page, per_page=per_page)


def similar_cases(case: Case, limit: int = 5) -> list[Case]:
    ids = search_index().similar(case.id, limit=limit)
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))}
    return [found[i] for i in ids if i in found and found[i].opening.is_published]


def purge_deleted() -> None:
    """Rewrite index segments that still hold deleted documents (after a redaction)."""
    search_index().purge()
