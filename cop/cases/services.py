"""Case threads: open a case, reply, edit with history, follow, resolve with a synthesis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from cop import publishing
from cop.anonymise.services import IdentifiersFound, OnFindings, screen
from cop.cases.composition import compose_case, compose_synthesis
from cop.errors import Invalid, NotPermitted
from cop.extensions import db
from cop.models import (
    CASE_SECTIONS,
    SYNTHESIS_SECTIONS,
    Case,
    CaseState,
    ConsentBasis,
    Follow,
    Member,
    Post,
    PostKind,
    PostRevision,
    PostStatus,
    Profession,
    Sector,
    Tag,
    utcnow,
)

MAX_TAGS = 8
_TAG_SHAPE = re.compile(r"[^\w\- ]+", re.UNICODE)


@dataclass
class CaseDraft:
    """What an author submits to open (or edit) a case."""

    title: str
    sections: dict[str, str]
    language: str = "fr"
    consent_basis: str = ConsentBasis.DEIDENTIFIED.value
    tags: list[str] = field(default_factory=list)
    professions_involved: list[str] = field(default_factory=list)
    sectors_involved: list[str] = field(default_factory=list)
    body: str | None = None  # a free-form presentation (API) instead of sections


@dataclass(frozen=True)
class Submission:
    """How the author wants findings handled: ask first, or hold with their reason."""

    on_findings: OnFindings = OnFindings.ASK
    reason: str = ""


def normalise_tags(raw: list[str] | str) -> list[str]:
    """Lower-case, trimmed, de-duplicated tags; commas separate tags in a string."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    tags: list[str] = []
    for item in items:
        tag = _TAG_SHAPE.sub("", str(item)).strip().lower().replace(" ", "-")[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        message = _("Use at most %(count)d tags.", count=MAX_TAGS)
        raise Invalid(message, {"tags": message})
    return tags


def _check_text(name: str, text: str, required: bool) -> None:
    limit = current_app.config["MAX_TEXT_LENGTH"]
    if required and not (text or "").strip():
        raise Invalid(_("This field is required."), {name: _("This field is required.")})
    if len(text or "") > limit:
        message = _("Keep this under %(count)d characters.", count=limit)
        raise Invalid(message, {name: message})
    if "\x00" in (text or ""):
        message = _("This text contains characters that cannot be stored.")
        raise Invalid(message, {name: message})


def _check_draft(draft: CaseDraft) -> None:
    title = (draft.title or "").strip()
    if not title or len(title) > 160:
        message = _("Give a title of 1 to 160 characters.")
        raise Invalid(message, {"title": message})
    for name in CASE_SECTIONS:
        _check_text(name, draft.sections.get(name, ""), required=name == "situation")
    problems = {}
    if draft.language not in current_app.config["LANGUAGES"]:
        problems["language"] = _("Choose French or English.")
    if draft.consent_basis not in {c.value for c in ConsentBasis}:
        problems["consent_basis"] = _("Choose how the case was de-identified.")
    if not set(draft.professions_involved) <= {p.value for p in Profession}:
        problems["professions_involved"] = _("Choose professions from the list.")
    if not set(draft.sectors_involved) <= {s.value for s in Sector}:
        problems["sectors_involved"] = _("Choose sectors from the list.")
    if problems:
        raise Invalid(_("Some details need correcting."), problems)


def _decide_status(texts: dict[str, str], submission: Submission) -> PostStatus:
    """Publish clean text; ask about findings, or hold them when the author insists."""
    screening = screen(texts)
    if screening.clean:
        return PostStatus.PUBLISHED
    if submission.on_findings == OnFindings.ASK and not screening.failed:
        raise IdentifiersFound(screening, texts)
    return PostStatus.HELD


def _tags(names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag = db.session.scalar(select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def _new_post(case: Case, author: Member, kind: PostKind, body: str, status: PostStatus,
              sections: dict[str, str] | None = None, reason: str = "") -> Post:
    with db.session.no_autoflush:
        post = Post(
            case=case, author=author, kind=kind.value, body=body, sections=sections,
            status=status.value, body_html="", held_reason=reason or None, created_at=utcnow(),
        )
        db.session.add(post)
        publishing.render(post)
        post.revisions.append(PostRevision(editor=author, body=body, title=case.title))
    return post


def open_case(author: Member, draft: CaseDraft, submission: Submission = Submission()) -> Case:
    """Open a case thread; clean text is published at once, doubtful text asks or is held."""
    _check_draft(draft)
    tags = normalise_tags(draft.tags)
    sections = {name: (draft.sections.get(name) or "").strip() for name in CASE_SECTIONS}
    status = _decide_status({"title": draft.title, **sections}, submission)
    case = Case(
        author=author,
        title=draft.title.strip(),
        language=draft.language,
        consent_basis=draft.consent_basis,
        professions_involved=list(dict.fromkeys(draft.professions_involved)),
        sectors_involved=list(dict.fromkeys(draft.sectors_involved)),
        tags=_tags(tags),
    )
    db.session.add(case)
    if draft.body is not None:
        body, stored_sections = draft.body.strip(), None
    else:
        body, stored_sections = compose_case(sections, case.language), sections
    post = _new_post(case, author, PostKind.OPENING, body, status, stored_sections,
                     submission.reason)
    db.session.flush()
    db.session.add(Follow(member_id=author.id, case_id=case.id))
    db.session.commit()
    if status == PostStatus.PUBLISHED:
        publishing.published(post)
    return case


def reply(author: Member, case: Case, body: str, submission: Submission = Submission(),
          kind: PostKind = PostKind.REPLY) -> Post:
    """Add a reply (or a case conference's synthesis) to a case the author can see."""
    _check_text("body", body, required=True)
    status = _decide_status({"body": body}, submission)
    post = _new_post(case, author, kind, body.strip(), status, reason=submission.reason)
    if status == PostStatus.PUBLISHED:
        case.last_activity_at = post.created_at
    db.session.commit()
    if status == PostStatus.PUBLISHED:
        publishing.published(post)
    return post


def post_texts(post: Post) -> dict[str, str]:
    """The texts of a post as their author wrote them, field by field."""
    texts = dict(post.sections) if post.sections else {"body": post.body}
    if post.kind == PostKind.OPENING:
        texts = {"title": post.case.title, **texts}
    return texts


def can_edit(member: Member, post: Post) -> bool:
    """Members edit their own posts; a synthesis may also be edited by the case's author."""
    if post.status == PostStatus.DELETED or not member.is_authenticated:
        return False
    if post.author_id == member.id:
        return True
    return post.kind == PostKind.SYNTHESIS and (
        post.case.author_id == member.id or member.is_moderator
    )


def edit_post(editor: Member, post: Post, body: str | None = None,
              sections: dict[str, str] | None = None, title: str | None = None,
              submission: Submission = Submission()) -> Post:
    """Save a new version of a post, keeping the old one in its history."""
    if not can_edit(editor, post):
        raise NotPermitted(_("Only the author can edit this post."))
    case = post.case
    if post.kind == PostKind.OPENING:
        draft = CaseDraft(title=title if title is not None else case.title,
                          sections=sections or {}, language=case.language,
                          consent_basis=case.consent_basis,
                          professions_involved=case.professions_involved,
                          sectors_involved=case.sectors_involved)
        _check_draft(draft)
        clean = {name: (draft.sections.get(name) or "").strip() for name in CASE_SECTIONS}
        texts, new_body = {"title": draft.title, **clean}, compose_case(clean, case.language)
    elif post.kind == PostKind.SYNTHESIS:
        clean = _check_synthesis(sections or {})
        texts, new_body = clean, compose_synthesis(clean, case.language)
    else:
        _check_text("body", body or "", required=True)
        clean, texts, new_body = None, {"body": body or ""}, (body or "").strip()
    status = _decide_status(texts, submission)
    if post.kind == PostKind.OPENING:
        case.title = draft.title.strip()
    post.body, post.sections, post.edited_at = new_body, clean, utcnow()
    was_published = post.is_published
    post.status = status.value if post.status != PostStatus.HIDDEN else post.status
    post.held_reason = submission.reason or None if status == PostStatus.HELD else None
    publishing.render(post)
    post.revisions.append(PostRevision(editor=editor, body=new_body, title=case.title))
    db.session.commit()
    if post.is_published:
        publishing.published(post, notify=False)
    elif was_published:
        publishing.withdrawn(post)
    return post


def _check_synthesis(sections: dict[str, str]) -> dict[str, str]:
    clean = {name: (sections.get(name) or "").strip() for name in SYNTHESIS_SECTIONS}
    for name in SYNTHESIS_SECTIONS:
        _check_text(name, clean[name], required=name == "helped")
    return clean


def can_resolve(member: Member, case: Case) -> bool:
    return member.is_authenticated and (case.author_id == member.id or member.is_moderator)


def resolve(actor: Member, case: Case, sections: dict[str, str],
            submission: Submission = Submission()) -> Post:
    """Mark the case resolved with a synthesis of what helped, shown at the top."""
    if not can_resolve(actor, case):
        raise NotPermitted(_("Only the case's author or a moderator can resolve it."))
    if case.synthesis is not None:
        return edit_post(actor, case.synthesis, sections=sections, submission=submission)
    clean = _check_synthesis(sections)
    status = _decide_status(clean, submission)
    post = _new_post(case, actor, PostKind.SYNTHESIS, compose_synthesis(clean, case.language),
                     status, clean, submission.reason)
    case.state, case.resolved_by = CaseState.RESOLVED.value, actor
    case.resolved_at = case.last_activity_at = post.created_at
    db.session.commit()
    publishing.case_changed(case)
    if status == PostStatus.PUBLISHED:
        publishing.published(post)
    return post


def reopen(actor: Member, case: Case) -> None:
    """Open a resolved case again; the synthesis stays as a post of the thread."""
    if not can_resolve(actor, case):
        raise NotPermitted(_("Only the case's author or a moderator can reopen it."))
    case.state, case.resolved_at, case.resolved_by = CaseState.OPEN.value, None, None
    db.session.commit()
    publishing.case_changed(case)


def is_following(member: Member, case: Case) -> bool:
    if not member.is_authenticated:
        return False
    query = select(Follow.id).where(Follow.member_id == member.id, Follow.case_id == case.id)
    return db.session.scalar(query) is not None


def follow(member: Member, case: Case) -> None:
    if not is_following(member, case):
        db.session.add(Follow(member_id=member.id, case_id=case.id))
        db.session.commit()


def unfollow(member: Member, case: Case) -> None:
    db.session.execute(
        delete(Follow).where(Follow.member_id == member.id, Follow.case_id == case.id)
    )
    db.session.commit()
