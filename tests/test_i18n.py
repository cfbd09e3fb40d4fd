"""The interface speaks French and English: member's choice, else browser's, with a switcher."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from cop.extensions import db

CATALOGS = Path(__file__).resolve().parent.parent / "cop" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_the_browser_language_is_used_for_visitors(client):
    french = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="fr">' in french.get_data(as_text=True)
    assert "Se connecter" in french.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Sign in" in english.get_data(as_text=True)


def test_french_is_the_default_without_a_preference(client):
    assert '<html lang="fr">' in client.get("/login").get_data(as_text=True)


def test_the_switcher_remembers_the_choice(browser):
    browser.submit("/login", {"next": "/login"}, action="/language/en")
    assert '<html lang="en">' in browser.get("/login").get_data(as_text=True)


def test_a_members_preference_wins_over_the_browser(browser, members):
    member = members.create(locale="en")
    browser.login(member.email)
    page = browser.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page

    browser.submit("/", {"next": "/"}, action="/language/fr")
    db.session.refresh(member)
    assert member.locale == "fr"


def test_dates_are_localised(browser, members):
    member = members.create(locale="fr")
    browser.login(member.email)
    page = browser.get(f"/members/{member.id}").get_data(as_text=True)
    months_fr = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre")
    assert any(month in page for month in months_fr)


def test_every_interface_string_has_a_french_translation():
    with open(CATALOGS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing, mismatched = [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(ids[0])
            continue
        if set(PLACEHOLDER.findall(ids[0])) != set(PLACEHOLDER.findall(strings[0])):
            mismatched.append(ids[0])
    assert not missing, f"untranslated: {missing[:10]}"
    assert not mismatched, f"placeholders differ: {mismatched[:10]}"


def _ids(path: Path) -> set[str]:
    with open(path, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_the_catalog_covers_every_string_in_the_code(tmp_path):
    """Extract the strings afresh: a new string without translation fails here."""
    root = CATALOGS.parent.parent
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
         str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-o", str(extracted),
         "."],
        check=True, cwd=root, capture_output=True,
    )
    missing = _ids(extracted) - _ids(CATALOGS / "fr" / "LC_MESSAGES" / "messages.po")
    assert not missing, f"run `make translations-update`, then translate: {sorted(missing)[:10]}"
