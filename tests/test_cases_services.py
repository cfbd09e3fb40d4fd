"""Case threads: opening, replying, holding, editing with history, following, resolving."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cop.anonymise.services import IdentifiersFound, OnFindings
from cop.cases import queries, services
from cop.cases.services import CaseDraft, Submission
from cop.errors import Invalid, NotFound, NotPermitted
from cop.extensions import db
from cop.models import Follow, Notification, PostStatus, Role
from tests.factories import make_case, make_reply

IDENTIFYING = "Mme Julie Tremblay, joignable au 514-555-0199, refuse tout suivi."


@pytest.fixture
def author(members):
    return members.create(display_name="Claire Dubé", profession="nurse")


@pytest.fixture
def colleague(members):
    return members.create(display_name="Marc Ouellet", profession="psychiatrist",
                          institution="Centre hospitalier du Littoral", sector="hospital")


def test_a_clean_case_is_published_at_once_with_stored_html(author):
    case = make_case(author, tried="Des rappels **téléphoniques** hebdomadaires.")

    opening = case.opening
    assert opening.status == PostStatus.PUBLISHED
    assert "<strong>téléphoniques</strong>" in opening.body_html
    assert "### Ce qui a été essayé" in opening.body
    assert [tag.name for tag in case.tags] == ["bipolaire", "lithium"]
    assert services.is_following(author, case)


def test_identifiers_are_shown_to_the_author_and_nothing_is_stored(author):
    with pytest.raises(IdentifiersFound) as found:
        make_case(author, situation=IDENTIFYING)

    kinds = {finding["kind"] for finding in found.value.detail}
    assert {"PERSON", "PHONE"} <= kinds
    assert db.session.scalars(select(services.Case)).all() == []


def test_an_author_who_insists_gets_the_case_held_with_their_reason(author, colleague):
    case = services.open_case(
        author,
        CaseDraft(title="Refus de suivi", sections={"situation": IDENTIFYING}),
        Submission(OnFindings.HOLD, "Nom fictif"),
    )

    assert case.opening.status == PostStatus.HELD
    assert case.opening.held_reason == "Nom fictif"
    assert queries.get_case(case.id, author) == case
    with pytest.raises(NotFound):
        queries.get_case(case.id, colleague)
    assert queries.list_cases(queries.CaseFilters(), 1, 20).total == 0


def test_moderators_see_held_cases(author, members):
    moderator = members.create(role=Role.MODERATOR)
    case = services.open_case(
        author, CaseDraft(title="Refus", sections={"situation": IDENTIFYING}),
        Submission(OnFindings.HOLD),
    )
    assert queries.get_case(case.id, moderator) == case


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (CaseDraft(title="", sections={"situation": "Texte"}), "title"),
        (CaseDraft(title="x" * 161, sections={"situation": "Texte"}), "title"),
        (CaseDraft(title="Titre", sections={"situation": "  "}), "situation"),
        (CaseDraft(title="Titre", sections={"situation": "a" * 20_001}), "situation"),
        (CaseDraft(title="Titre", sections={"situation": "a\x00b"}), "situation"),
        (CaseDraft(title="Titre", sections={"situation": "T"}, language="de"), "language"),
        (CaseDraft(title="Titre", sections={"situation": "T"}, consent_basis="?"),
         "consent_basis"),
        (CaseDraft(title="Titre", sections={"situation": "T"}, tags=[f"t{i}" for i in range(9)]),
         "tags"),
        (CaseDraft(title="Titre", sections={"situation": "T"}, professions_involved=["chef"]),
         "professions_involved"),
    ],
)
def test_case_drafts_are_validated_field_by_field(author, draft, field):
    with pytest.raises(Invalid) as error:
        services.open_case(author, draft)
    assert field in error.value.detail


def test_a_reply_notifies_followers_and_the_replier_follows(author, colleague):
    case = make_case(author)
    post = make_reply(colleague, case)

    notes = db.session.scalars(select(Notification)).all()
    assert [(n.member_id, n.kind, n.post_id) for n in notes] == [(author.id, "reply", post.id)]
    assert services.is_following(colleague, case)
    assert case.last_activity_at >= post.created_at


def test_mentions_notify_the_member_named(author, colleague, members):
    third = members.create(display_name="Nadia Roy", profession="peer_helper")
    case = make_case(author)
    make_reply(colleague, case, "Je pense que @nadiaroy a vécu une situation semblable.")

    kinds = {n.member_id: n.kind for n in db.session.scalars(select(Notification))}
    assert kinds == {author.id: "reply", third.id: "mention"}


def test_held_replies_notify_nobody(author, colleague):
    case = make_case(author)
    post = services.reply(colleague, case, IDENTIFYING, Submission(OnFindings.HOLD))
    assert post.status == PostStatus.HELD
    assert db.session.scalars(select(Notification)).all() == []
    assert post not in queries.visible_posts(case, author)
    assert post in queries.visible_posts(case, colleague)


def test_editing_keeps_every_revision(author, colleague):
    case = make_case(author)
    post = make_reply(colleague, case, "Premier jet.")
    services.edit_post(colleague, post, body="Premier jet, corrigé.")
    services.edit_post(colleague, post, body="Version finale.")

    assert [r.body for r in post.revisions] == [
        "Premier jet.", "Premier jet, corrigé.", "Version finale."
    ]
    assert post.body == "Version finale."
    assert post.edited_at is not None


def test_editing_the_case_changes_title_and_sections(author):
    case = make_case(author)
    services.edit_post(author, case.opening, sections={"situation": "Nouvelle situation."},
                       title="Nouveau titre")
    assert case.title == "Nouveau titre"
    assert case.opening.revisions[-1].title == "Nouveau titre"
    assert "Nouvelle situation." in case.opening.body_html


def test_only_the_author_edits_a_post(author, colleague):
    case = make_case(author)
    with pytest.raises(NotPermitted):
        services.edit_post(colleague, case.opening, sections={"situation": "Pris !"})


def test_an_edit_that_adds_identifiers_asks_first(author):
    case = make_case(author)
    with pytest.raises(IdentifiersFound):
        services.edit_post(author, case.opening, sections={"situation": IDENTIFYING})
    assert case.opening.is_published
    assert len(case.opening.revisions) == 1


def test_resolving_adds_a_synthesis_and_tells_followers(author, colleague):
    case = make_case(author)
    make_reply(colleague, case)
    synthesis = services.resolve(author, case, {"helped": "Un plan de crise co-écrit.",
                                                "did_not_help": "Les rappels seuls."})

    assert case.is_resolved and case.synthesis == synthesis
    assert "Ce qui a aidé" in synthesis.body
    kinds = {n.member_id: n.kind for n in db.session.scalars(
        select(Notification).where(Notification.post_id == synthesis.id))}
    assert kinds == {colleague.id: "resolved"}


def test_only_author_or_moderator_resolves(author, colleague, members):
    case = make_case(author)
    with pytest.raises(NotPermitted):
        services.resolve(colleague, case, {"helped": "x"})
    moderator = members.create(role=Role.MODERATOR)
    services.resolve(moderator, case, {"helped": "Le travail avec la famille."})
    assert case.resolved_by == moderator


def test_resolving_again_edits_the_synthesis_and_reopen_keeps_it(author):
    case = make_case(author)
    services.resolve(author, case, {"helped": "A."})
    services.resolve(author, case, {"helped": "B."})
    assert len(case.synthesis.revisions) == 2
    services.reopen(author, case)
    assert not case.is_resolved and case.synthesis is not None


def test_follow_and_unfollow(author, colleague):
    case = make_case(author)
    services.follow(colleague, case)
    services.follow(colleague, case)
    assert db.session.scalars(select(Follow).where(Follow.member_id == colleague.id)).all()
    services.unfollow(colleague, case)
    assert not services.is_following(colleague, case)


def test_case_list_filters_sorts_and_counts_replies(author, colleague, members):
    first = make_case(author, title="Premier", tags=["psychose"])
    second = make_case(colleague, title="Second", tags=["lithium"])
    make_reply(colleague, first)
    services.resolve(colleague, second, {"helped": "La famille."})

    def titles(**filters):
        page = queries.list_cases(queries.CaseFilters(**filters), 1, 20)
        return [case.title for case in page.items]

    assert titles(sort="newest") == ["Second", "Premier"]
    assert titles(sort="unanswered") == ["Second", "Premier"]
    assert titles(tag="psychose") == ["Premier"]
    assert titles(state="resolved") == ["Second"]
    assert titles(profession="psychiatrist") == ["Second"]
    assert titles(sector="primary_care") == ["Premier"]
    page = queries.list_cases(queries.CaseFilters(), 1, 1)
    assert page.total == 2 and page.pages == 2


def test_a_members_activity_shows_only_what_the_viewer_may_see(author, colleague):
    visible = make_case(author, title="Visible")
    services.open_case(author, CaseDraft(title="Retenu", sections={"situation": IDENTIFYING}),
                       Submission(OnFindings.HOLD))
    make_reply(author, visible)
    cases, replies = queries.member_activity(author, colleague)
    assert [case.title for case in cases] == ["Visible"]
    assert len(replies) == 1
