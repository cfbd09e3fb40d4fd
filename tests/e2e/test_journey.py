"""The journey of two members, in a real browser, one step per test (append new steps below).

Steps share the `story` (pages and what earlier steps learnt) and run in file order; when one
fails, the later ones are skipped and screenshots of every open page go to test-results/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "a long enough password"
CASE_TITLE = "Refus de traitement après un congé"
IDENTIFYING_SITUATION = (
    "Mme Josée Tremblay, joignable au 514-555-0199, refuse son traitement depuis trois "
    "semaines et ne se présente plus à ses rendez-vous."
)
REPLY = "Avez-vous pu rédiger un plan de crise avec elle pendant une période plus stable ?"


@dataclass
class Story:
    """What the steps share: each member's page, and what earlier steps created."""

    author: Page
    colleague: Page | None = None
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
