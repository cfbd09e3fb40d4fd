"""The journey of two members, in a real browser, one step per test (append new steps below).

Steps share the `story` (pages and what earlier steps learnt) and run in file order; when one
fails, the later ones are skipped and screenshots of every open page go to test-results/.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Locator, Page, expect

PASSWORD = "a long enough password"
CASE_TITLE = "Refus de traitement après un congé"
IDENTIFYING_SITUATION = (
    "Mme Josée Tremblay, joignable au 514-555-0199, refuse son traitement depuis trois "
    "semaines et ne se présente plus à ses rendez-vous."
)
REPLY = "Avez-vous pu rédiger un plan de crise avec elle pendant une période plus stable ?"
# Other word forms of "refus", "traitement" and "congé", without accents.
SEARCH_QUERY = "refusait traitements conges"
ROOM_HELLO = "Bonjour, je suis dans la salle pour en parler."
ROOM_DETAIL = "Elle voit souvent son frère, pompier volontaire à la caserne du village."
ROOM_PHONE = "514-555-0123"
ROOM_IDENTIFYING = f"Vous pouvez la joindre au {ROOM_PHONE} le soir."
ROOM_PAVILION = "pavillon nord"
ROOM_CLEAN_AGAIN = f"Passez plutôt par son équipe traitante du {ROOM_PAVILION}."
ROOM_CLEAN_AGAIN_REDACTED = "Passez plutôt par son équipe traitante du [ÉTABLISSEMENT]."
REDACTED_PASSAGE = "caserne du village"
ROOM_DETAIL_REDACTED = "Elle voit souvent son frère, pompier volontaire à la [LIEU]."
MISSED = ("Premier message pendant la coupure : elle n'exprime pas d'idées suicidaires.",
          "Deuxième message pendant la coupure.")
ENGLISH_SYNONYM = "suicidal thoughts"  # cop/search/data/synonyms.txt: … | idées suicidaires | …
TRANSCRIPT_TIMEOUT = 15  # s: transcripts are re-indexed 2 s after the last message
RECONNECT_TIMEOUT = 20_000  # ms: socket.io-client backs off up to 5 s between attempts


@dataclass
class Story:
    """What the steps share: each member's page, and what earlier steps created."""

    author: Page
    colleague: Page | None = None
    moderator: Page | None = None
    case_url: str = ""
    notes: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def story(contexts) -> Story:
    return Story(author=contexts.new_page())


@pytest.fixture(scope="module")
def new_member_page(contexts):
    return contexts.new_page


def sign_up(page: Page, name: str, email: str, profession: str, institution: str,
            sector: str) -> None:
    page.goto("/signup")
    page.fill("#display_name", name)
    page.select_option("#profession", profession)
    page.fill("#institution", institution)
    page.select_option("#sector", sector)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".site-nav")).to_contain_text(name)


def test_a_member_signs_up(story: Story):
    sign_up(story.author, "Camille Social", "camille@example.org", "social_worker",
            "CLSC des Rivières", "primary_care")


def test_a_new_member_confirms_the_checklist_before_a_first_case(story: Story):
    page = story.author
    page.goto("/cases/new")
    expect(page).to_have_url(re.compile(r"/checklist"))
    for box in page.locator("main form input[type=checkbox]").all():
        box.check()
    page.locator("main form button[type=submit]").click()
    page.goto("/cases/new")
    expect(page.locator("#title")).to_be_visible()


def test_identifiers_in_a_new_case_are_highlighted(story: Story):
    page = story.author
    page.goto("/cases/new")
    page.fill("#title", CASE_TITLE)
    page.fill("#situation", IDENTIFYING_SITUATION)
    page.fill("#question", "Comment garder le lien sans la brusquer ?")
    page.locator("main form button[type=submit]").click()
    findings = page.locator("section.findings mark.finding")
    expect(findings.first).to_be_visible()
    highlighted = " ".join(findings.all_inner_texts())
    assert "Josée Tremblay" in highlighted
    assert "514-555-0199" in highlighted


def test_applying_the_suggestions_removes_them(story: Story):
    page = story.author
    page.locator("#apply_suggestions").click()
    situation = page.locator("#situation")
    expect(situation).not_to_have_value(re.compile("Tremblay|514-555-0199"))
    expect(situation).to_have_value(re.compile(r"refuse son traitement"))


def test_the_clean_case_is_published(story: Story):
    page = story.author
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("#case-title")).to_have_text(CASE_TITLE)
    expect(page.locator("main")).not_to_contain_text("Tremblay")
    story.case_url = re.sub(r"^https?://[^/]+", "", page.url)


def test_a_member_of_another_institution_finds_the_case(story: Story, new_member_page):
    page = new_member_page()
    story.colleague = page
    sign_up(page, "Noé Infirmier", "noe@example.org", "nurse", "Hôpital du Nord", "hospital")
    page.goto("/")
    page.get_by_role("link", name=CASE_TITLE).click()
    expect(page).to_have_url(re.compile(re.escape(story.case_url) + "$"))
    expect(page.locator("main")).to_contain_text("CLSC des Rivières")


def test_the_colleague_replies(story: Story):
    page = story.colleague
    page.fill("#body", REPLY)
    page.locator("section.reply-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+#post-\d+$"))
    expect(page.locator("section.replies")).to_contain_text(REPLY)
    expect(page.locator("section.replies")).to_contain_text("Hôpital du Nord")


def test_the_author_sees_the_notification_badge(story: Story):
    page = story.author
    page.goto("/")
    expect(page.locator(".site-nav .badge")).to_have_text("1")


def test_the_author_switches_the_interface_to_english(story: Story):
    page = story.author
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("form.language-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".site-nav")).to_contain_text("Sign out")
    page.goto(story.case_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")


# --- Search, then the case's live room (issue 6) -------------------------------------------


def test_the_colleague_finds_the_case_by_searching_other_word_forms(story: Story):
    page = story.colleague
    page.goto("/search")
    page.fill("#q", SEARCH_QUERY)
    page.locator("#q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?.*q=refusait"))
    results = page.locator("section.results .case-list > li")
    expect(results.first).to_be_visible()
    titles = page.locator("section.results .case-list h2 a")
    assert set(titles.all_inner_texts()) == {CASE_TITLE}
    hrefs = {re.sub(r"#.*$", "", href) for href in
             (link.get_attribute("href") for link in titles.all())}
    assert hrefs == {story.case_url}
    # The words found are highlighted in the snippet, in the text's own (accented) form.
    marked = " ".join(page.locator("section.results .snippet mark").all_inner_texts()).lower()
    assert "traitement" in marked
    titles.first.click()
    expect(page).to_have_url(re.compile(re.escape(story.case_url) + r"(#post-\d+)?$"))


def room_messages(page: Page) -> Locator:
    return page.locator("#room-log > li[data-id]")


def rendered_ids(page: Page) -> list[int]:
    ids = page.eval_on_selector_all("#room-log > li[data-id]", "li => li.map(i => i.dataset.id)")
    return [int(value) for value in ids]


def send_in_room(page: Page, body: str, held: bool = False) -> None:
    """Type a message and press Enter; the composer empties (unless the server holds it)."""
    page.fill("#room-body", body)
    page.locator("#room-body").press("Enter")
    if not held:
        expect(page.locator("#room-body")).to_have_value("")


def test_both_members_meet_in_the_live_room(story: Story):
    author, colleague = story.author, story.colleague
    room_url = story.case_url + "/room"
    author.goto(room_url)
    expect(author.locator("#room-members > li")).to_have_count(1)
    expect(author.locator("#room-members")).to_contain_text("Camille Social")
    colleague.goto(room_url)
    # Who is here: each one sees both, the author thanks to the live `presence` event.
    for page in (author, colleague):
        expect(page.locator("#room-members > li")).to_have_count(2)
        expect(page.locator("#room-members")).to_contain_text("Camille Social")
        expect(page.locator("#room-members")).to_contain_text("Noé Infirmier")
        expect(room_messages(page)).to_have_count(0)
    expect(author.locator("#room-status")).to_have_text("Connected.")  # English since step 9


def test_typing_shows_and_messages_reach_both_pages(story: Story):
    author, colleague = story.author, story.colleague
    expect(author.locator("#room-typing")).to_have_text("")
    colleague.locator("#room-body").press_sequentially("Bonjour", delay=20)
    expect(author.locator("#room-typing")).to_have_text("Noé Infirmier is typing…")
    expect(colleague.locator("#room-typing")).to_have_text("")  # not shown to the typist
    colleague.fill("#room-body", ROOM_HELLO)
    colleague.locator("#room-body").press("Enter")
    for page in (author, colleague):
        expect(room_messages(page)).to_have_count(1)
        expect(room_messages(page).nth(0).locator(".room-html")).to_have_text(ROOM_HELLO)
    expect(author.locator("#room-typing")).to_have_text("")  # the message ends the typing
    expect(room_messages(colleague).nth(0)).to_have_class("is-mine")

    author.locator("#room-body").press_sequentially("Elle", delay=20)
    expect(colleague.locator("#room-typing")).to_contain_text("Camille Social")
    send_in_room(author, ROOM_DETAIL)
    for page in (author, colleague):
        expect(room_messages(page)).to_have_count(2)
        expect(room_messages(page).nth(1).locator(".room-html")).to_have_text(ROOM_DETAIL)
        expect(room_messages(page).nth(1)).to_contain_text("CLSC des Rivières")
    assert rendered_ids(author) == rendered_ids(colleague)
    story.notes["detail_id"] = str(rendered_ids(author)[1])


def test_a_message_with_a_phone_number_is_held_for_its_sender_only(story: Story):
    author, colleague = story.author, story.colleague
    send_in_room(colleague, ROOM_IDENTIFYING, held=True)
    held = colleague.locator("#room-held")
    expect(held).to_be_visible()
    expect(held.locator("mark")).to_have_text([ROOM_PHONE])
    expect(colleague.locator("#room-body")).to_have_value(ROOM_IDENTIFYING)  # given back to fix
    # A clean message sent after it arrives: had the held one been broadcast, it came first.
    send_in_room(colleague, ROOM_CLEAN_AGAIN)
    expect(held).to_be_hidden()
    for page in (author, colleague):
        expect(room_messages(page)).to_have_count(3)
        expect(room_messages(page).nth(2).locator(".room-html")).to_have_text(ROOM_CLEAN_AGAIN)
        expect(page.locator("#room-log")).not_to_contain_text(ROOM_PHONE)
    expect(author.locator("main")).not_to_contain_text(ROOM_PHONE)
    assert rendered_ids(author) == rendered_ids(colleague)
    story.notes["clean_again_id"] = str(rendered_ids(author)[2])


def test_a_member_made_moderator_with_the_cli_sees_the_moderation_links(
        story: Story, new_member_page, server):
    page = new_member_page()
    story.moderator = page
    sign_up(page, "Maude Modératrice", "maude@example.org", "psychologist", "CIUSSS du Centre",
            "hospital")
    page.goto(story.case_url + "/room")
    expect(room_messages(page)).to_have_count(3)
    expect(page.locator("#room-log a[href*='/redact']")).to_have_count(0)
    done = server.flask("cop", "make-moderator", "maude@example.org")
    assert "is now moderator" in done.stdout
    page.reload()
    expect(room_messages(page)).to_have_count(3)
    for message_id in rendered_ids(page):
        item = page.locator(f"#room-message-{message_id}")
        expect(item.locator(f"a[href$='/moderation/messages/{message_id}/redact']")).to_be_visible()
        expect(item.locator("button")).to_have_count(2)  # hide, delete
    for member in (story.author, story.colleague):
        expect(member.locator("#room-members")).to_contain_text("Maude Modératrice")
        expect(member.locator("#room-log a[href*='/redact']")).to_have_count(0)


def redact_passage(page: Page, passage: str, kind: str) -> None:
    """On a moderator's redaction page: type one passage, choose its kind, submit."""
    page.fill("#passages-0-text", passage)
    page.select_option("#passages-0-kind", kind)
    page.locator("main form button[type=submit]").click()


def expect_live_text(story: Story, message_id: str, text: str, gone: str) -> None:
    """Both members' open room pages show the new text of a message, without a reload."""
    for member in (story.author, story.colleague):
        expect(member.locator(f"#room-message-{message_id} .room-html")).to_have_text(text)
        expect(member.locator("#room-log")).not_to_contain_text(gone)
        expect(room_messages(member)).to_have_count(3)
        expect(room_messages(member).nth(0).locator(".room-html")).to_have_text(ROOM_HELLO)


def test_a_moderator_redacts_a_room_message_from_the_room(story: Story):
    page = story.moderator
    page.goto(story.case_url + "/room")
    message_id = story.notes["clean_again_id"]
    with page.expect_response(re.compile(rf"/moderation/messages/{message_id}/redact$")) as got:
        page.locator(f"#room-message-{message_id} a[href$='/redact']").click()
    assert got.value.status == 200, f"the redaction page answered {got.value.status}"
    expect(page.locator("main")).to_contain_text(ROOM_CLEAN_AGAIN)
    redact_passage(page, ROOM_PAVILION, "INSTITUTION")
    expect(page).to_have_url(re.compile(r"/moderation$"))
    expect_live_text(story, message_id, ROOM_CLEAN_AGAIN_REDACTED, ROOM_PAVILION)


def test_a_moderator_redacts_a_passage_everywhere_in_the_case_live_in_both_rooms(story: Story):
    """Redaction from the case's opening post reaches the room messages too (same live path)."""
    page = story.moderator
    page.goto(story.case_url)
    page.locator("article.post").first.locator("a[href*='/moderation/posts/']").click()
    expect(page).to_have_url(re.compile(r"/moderation/posts/\d+/redact$"))
    redact_passage(page, REDACTED_PASSAGE, "LOCATION")
    expect(page).to_have_url(re.compile(re.escape(story.case_url) + r"#post-\d+$"))
    expect_live_text(story, story.notes["detail_id"], ROOM_DETAIL_REDACTED, REDACTED_PASSAGE)


def test_a_member_offline_for_a_while_gets_every_missed_message_once(story: Story):
    author, colleague = story.author, story.colleague
    before = rendered_ids(author)
    assert len(before) == 3
    texts = room_messages(author).locator(".room-html").all_inner_texts()
    author.context.set_offline(True)
    try:
        expect(author.locator("#room-status")).to_have_class(
            re.compile(r"\bis-offline\b"), timeout=RECONNECT_TIMEOUT)
        expect(author.locator("#room-status")).to_have_text("Connection lost. Reconnecting…")
        for body in MISSED:
            send_in_room(colleague, body)
        expect(room_messages(colleague)).to_have_count(5)
        expect(room_messages(author)).to_have_count(3)
    finally:
        author.context.set_offline(False)
    expect(author.locator("#room-status")).to_have_text("Connected.", timeout=RECONNECT_TIMEOUT)
    expect(room_messages(author)).to_have_count(5, timeout=RECONNECT_TIMEOUT)
    ids = rendered_ids(author)
    assert ids == rendered_ids(colleague)
    assert len(set(ids)) == len(ids) == 5 and ids[:3] == before and ids == sorted(ids)
    expect(room_messages(author).locator(".room-html")).to_have_text(
        [*texts, *MISSED])
    # Both pages stay live after the reconnection.
    send_in_room(author, "Merci, je suis de retour.")
    for page in (author, colleague):
        expect(room_messages(page)).to_have_count(6)


def search_results(page: Page, query: str) -> Locator:
    page.goto("/search")
    page.fill("#q", query)
    page.locator("#q").press("Enter")
    expect(page.locator("section.results")).to_be_visible()
    return page.locator("section.results .case-list > li")


def test_the_room_transcript_is_found_with_an_english_synonym_but_not_redacted_text(
        story: Story):
    page = story.author  # in English since step 9
    deadline = time.monotonic() + TRANSCRIPT_TIMEOUT
    while True:
        results = search_results(page, ENGLISH_SYNONYM)
        transcripts = results.filter(has_text="Room transcript")
        if transcripts.count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(transcripts).to_have_count(1)
    expect(transcripts.locator("h2 a")).to_have_text(CASE_TITLE)
    expect(transcripts.locator("h2 a")).to_have_attribute("href", story.case_url)
    expect(transcripts.locator(".snippet mark").first).to_be_visible()
    marked = " ".join(transcripts.locator(".snippet mark").all_inner_texts()).lower()
    assert "suicidaires" in marked
    # The redacted passage left the index with the room messages; the label replaced it.
    expect(search_results(page, REDACTED_PASSAGE)).to_have_count(0)
    expect(page.locator("section.results")).to_contain_text("0 results")
    expect(search_results(page, "pompier volontaire").filter(has_text="Room transcript")
           ).to_have_count(1)
