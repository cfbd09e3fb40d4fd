"""The `flask cop` commands an operator runs."""

from __future__ import annotations

from flask import Flask

from cop.models import Role
from cop.search import services as search
from tests.factories import MemberFactory, make_case, make_reply


def test_reindex_rebuilds_every_published_text_with_several_processes(
    app: Flask, members: MemberFactory
) -> None:
    author = members.create()
    case = make_case(author)
    make_reply(members.create(), case)
    before = search.search_index().doc_count()

    result = app.test_cli_runner().invoke(args=["cop", "reindex", "--procs", "2"])

    assert result.exit_code == 0, result.output
    assert f"Indexed {before} documents." in result.output
    assert search.search_index().doc_count() == before == 2
    assert search.search("printemps").total == 2  # the reply carries its case title
    assert search.search("plan de crise").total == 1


def test_reindex_refuses_a_nonsense_process_count(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["cop", "reindex", "--procs", "0"])
    assert result.exit_code == 2 and "--procs" in result.output


def test_make_moderator_grants_the_role_or_names_the_unknown_address(
    app: Flask, members: MemberFactory
) -> None:
    member = members.create(email="infirmiere@example.org")
    runner = app.test_cli_runner()

    granted = runner.invoke(args=["cop", "make-moderator", "infirmiere@example.org"])
    unknown = runner.invoke(args=["cop", "make-moderator", "nobody@example.org"])

    assert granted.exit_code == 0 and "moderator" in granted.output
    assert member.role == Role.MODERATOR
    assert unknown.exit_code == 1 and "nobody@example.org" in unknown.output
