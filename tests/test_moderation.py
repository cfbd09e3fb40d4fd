"""Held content, the moderation queue, redaction everywhere, flags, audit, checklist."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from cop.anonymise import flags, moderation, redaction
from cop.anonymise.redaction import Span
from cop.anonymise.services import OnFindings
from cop.cases import services
from cop.cases.services import CaseDraft, Submission
from cop.errors import Conflict, Invalid, NotFound, NotPermitted
from cop.extensions import db
from cop.models import AuditEntry, Notification, PostStatus, Role
from cop.search import services as search
from tests.factories import make_case, make_reply

SECRET = "Julie Tremblay"
RISKY = f"Mme {SECRET} appelle souvent le soir, elle refuse tout suivi en clinique."


@pytest.fixture
def author(members):
    return members.create(display_name="Claire Dubé")


@pytest.fixture
def moderator(members):
    return members.create(display_name="Mod Érateur", role=Role.MODERATOR)


def held_case(author):
    return services.open_case(
        author, CaseDraft(title="Refus de suivi", sections={"situation": RISKY}),
        Submission(OnFindings.HOLD, "Nom inventé"),
    )


def test_the_queue_lists_held_posts_with_their_findings(author, moderator):
    case = held_case(author)
    [post] = moderation.held_posts()
    texts, screening = moderation.findings_of(post)
    assert post == case.opening
    assert any(f.text == SECRET for f in screening.findings["situation"])


def test_release_publishes_indexes_and_tells_the_author(author, moderator):
    case = held_case(author)
    moderation.release(moderator, case.opening)
    assert case.opening.status == PostStatus.PUBLISHED
    assert search.search("suivi clinique").total == 1
    kinds = [n.kind for n in db.session.scalars(select(Notification))]
    assert kinds == ["released"]
    assert db.session.scalars(select(AuditEntry.action)).all() == ["release"]


def test_return_keeps_it_held_with_a_message(author, moderator):
    case = held_case(author)
    moderation.return_to_author(moderator, case.opening, "Retirez le nom, s'il vous plaît.")
    assert case.opening.status == PostStatus.HELD
    assert case.opening.moderator_note.startswith("Retirez")
    with pytest.raises(Invalid):
        moderation.return_to_author(moderator, case.opening, "  ")


def test_members_cannot_moderate(author):
    case = held_case(author)
    with pytest.raises(NotPermitted):
        moderation.release(author, case.opening)
    with pytest.raises(NotPermitted):
        redaction.redact_everywhere(author, case, [Span(SECRET, "PERSON")], "post", 1)


def _every_text_in_the_database() -> str:
    """Every text column of every table, dumped (to prove a text is kept nowhere)."""
    dump = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            dump.extend(str(value) for value in row)
    return "\n".join(dump)


def _every_index_file(app) -> bytes:
    return b"".join(path.read_bytes() for path in Path(app.config["SEARCH_DIR"]).rglob("*")
                    if path.is_file())


def test_redaction_removes_the_text_everywhere(app, author, moderator, members):
    case = make_case(author, title="Refus de soins")
    colleague = members.create()
    reply = make_reply(colleague, case, "Une piste : le travail avec la famille élargie.")
    services.follow(author, case)
    # The author insists on an edit with a name: the post is held, revisions keep the name.
    services.edit_post(colleague, reply, body=f"Madame {SECRET} devrait voir la famille.",
                       submission=Submission(OnFindings.HOLD, "faux positif"))
    moderation.release(moderator, reply)
    services.follow(colleague, case)
    make_reply(author, case, "Merci, je vais essayer.")
    assert SECRET in _every_text_in_the_database()
    assert search.search("Tremblay").total == 1

    count = redaction.redact_everywhere(moderator, case, [Span(SECRET, "PERSON")],
                                        "post", reply.id)

    assert count == 1
    assert SECRET not in _every_text_in_the_database()
    assert "tremblay" not in _every_text_in_the_database().lower()
    assert "[NOM]" in reply.body and "[NOM]" in reply.body_html
    assert all(SECRET not in revision.body for revision in reply.revisions)
    assert search.search("Tremblay").total == 0
    assert b"tremblay" not in _every_index_file(app).lower()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "redact")).one()
    assert (entry.kinds, entry.span_count, entry.case_id) == ("PERSON", 1, case.id)


def test_redaction_validates_the_spans(author, moderator):
    case = make_case(author)
    with pytest.raises(Invalid):
        redaction.redact_everywhere(moderator, case, [], "post", 1)
    with pytest.raises(Invalid):
        redaction.redact_everywhere(moderator, case, [Span("Julie", "NOPE")], "post", 1)


def test_the_rewriter_is_case_insensitive_and_longest_first():
    rewrite = redaction.rewriter([Span("Julie", "PERSON"), Span("Julie Tremblay", "PERSON"),
                                  Span("514-555-0199", "PHONE")], "fr")
    assert rewrite("JULIE TREMBLAY et julie, 514-555-0199") == "[NOM] et [NOM], [TÉLÉPHONE]"


def test_three_distinct_flags_hide_a_post(author, members, app):
    case = make_case(author)
    post = make_reply(author, case, "Un avis tranché sur les collègues.")
    flaggers = [members.create() for _ in range(3)]
    flags.flag(flaggers[0], "post", post.id, "disrespectful")
    with pytest.raises(Conflict):
        flags.flag(flaggers[0], "post", post.id, "disrespectful")
    flags.flag(flaggers[1], "post", post.id, "identifiers")
    assert post.status == PostStatus.PUBLISHED
    flags.flag(flaggers[2], "post", post.id, "other", "Ton blessant.")
    assert post.status == PostStatus.HIDDEN
    [item] = flags.flagged_items()
    assert len(item.flags) == 3


def test_flags_need_a_reason_and_a_visible_target(author, members):
    case = make_case(author)
    member = members.create()
    with pytest.raises(Invalid):
        flags.flag(member, "post", case.opening.id, "because")
    with pytest.raises(Invalid):
        flags.flag(member, "post", case.opening.id, "other", "")
    with pytest.raises(NotFound):
        flags.flag(member, "post", 999999, "identifiers")


def test_moderators_dismiss_flags_or_keep_hidden(author, members, moderator, app):
    app.config["FLAGS_TO_HIDE"] = 1
    case = make_case(author)
    post = make_reply(author, case)
    flags.flag(members.create(), "post", post.id, "disrespectful")
    assert post.status == PostStatus.HIDDEN
    flags.resolve_flags(moderator, "post", post.id, keep_hidden=False)
    assert post.status == PostStatus.PUBLISHED
    assert flags.flagged_items() == []


def test_the_audit_log_never_stores_text(author, moderator):
    case = held_case(author)
    redaction.redact_everywhere(moderator, case, [Span(SECRET, "PERSON")], "post",
                                case.opening.id)
    moderation.release(moderator, case.opening)
    columns = {c.name for c in AuditEntry.__table__.columns}
    assert columns == {"id", "moderator_id", "action", "target_type", "target_id", "case_id",
                       "kinds", "span_count", "created_at"}
    assert db.session.execute(text("select count(*) from audit_entry")).scalar() == 2


def test_sqlite_zeroes_deleted_content(app, tmp_path):
    """Every SQLite connection of the app overwrites deleted content (redactions leave the file)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    engine.dispose()


def test_a_detector_failure_holds_the_text_instead_of_publishing_it(author, monkeypatch):
    def broken(text):
        raise RuntimeError("detector down")

    monkeypatch.setattr("cop.anonymise.services.find_identifiers", broken)
    case = make_case(author)
    assert case.opening.status == PostStatus.HELD
    assert search.search("lithium").total == 0
