"""JSON shapes of the API (see shared/API.md): what a member may see, nothing more."""

from __future__ import annotations

from cop.models import Case, Member, Post


def author_json(member: Member) -> dict:
    """How a member appears beside their posts and room messages."""
    return {
        "id": member.id,
        "display_name": member.display_name,
        "profession": member.profession,
        "sector": member.sector,
        "institution": member.institution.name,
    }


def member_json(member: Member) -> dict:
    """A member's public profile (never the email or password)."""
    return {
        **author_json(member),
        "handle": member.handle,
        "role": member.role,
        "created_at": member.created_at.isoformat(),
    }


def post_json(post: Post) -> dict:
    return {
        "id": post.id,
        "case_id": post.case_id,
        "kind": post.kind,
        "status": post.status,
        "author": author_json(post.author),
        "body": post.body,
        "html": post.body_html,
        "sections": post.sections,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
    }


def case_json(case: Case, posts: list[Post]) -> dict:
    return {
        "id": case.id,
        "title": case.title,
        "status": case.opening.status,
        "state": case.state,
        "language": case.language,
        "consent_basis": case.consent_basis,
        "tags": [tag.name for tag in case.tags],
        "professions_involved": case.professions_involved,
        "sectors_involved": case.sectors_involved,
        "author": author_json(case.author),
        "created_at": case.created_at.isoformat(),
        "last_activity_at": case.last_activity_at.isoformat(),
        "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
        "posts": [post_json(post) for post in posts],
    }
