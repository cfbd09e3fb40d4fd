"""`flask cop ...`: demo data, the search index and roles."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from cop import demo
from cop.auth.services import set_role
from cop.errors import NotFound
from cop.extensions import db
from cop.models import Member, Role
from cop.search import corpus


@click.group("cop")
def cop_group() -> None:
    """cop administration commands."""


@cop_group.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no member yet.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the fictitious bilingual demo community."""
    if if_empty and not current_app.config["DEMO_DATA"]:
        click.echo("COP_DEMO=0: no demo data loaded.")
        return
    if if_empty and db.session.scalar(select(func.count(Member.id))):
        click.echo("The database already has members: demo data not loaded.")
        return
    summary = demo.load()
    click.echo(f"Demo data loaded: {summary}.")


@cop_group.command("reindex")
@click.option("--procs", type=click.IntRange(1), default=os.cpu_count() or 1, show_default=True,
              help="Processes sharing the indexing work.")
@with_appcontext
def reindex(procs: int) -> None:
    """Rebuild the search index from the database and swap it in atomically."""
    total = corpus.count()
    with click.progressbar(length=total, label="Indexing") as bar:
        count = corpus.rebuild(progress=lambda done: bar.update(done - bar.pos), procs=procs)
    click.echo(f"Indexed {count} documents.")


@cop_group.command("ensure-index")
@with_appcontext
def ensure_index() -> None:
    """Rebuild the search index only if it is missing, damaged or of an older schema."""
    click.echo("Search index rebuilt." if corpus.ensure_index() else "Search index is ready.")


def _grant(email: str, role: Role) -> None:
    try:
        member = set_role(email, role)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{member.display_name} <{member.email}> is now {role.value}.")


@cop_group.command("make-moderator")
@click.argument("email")
@with_appcontext
def make_moderator(email: str) -> None:
    """Give the member with EMAIL the moderator role."""
    _grant(email, Role.MODERATOR)


@cop_group.command("make-admin")
@click.argument("email")
@with_appcontext
def make_admin(email: str) -> None:
    """Give the member with EMAIL the administrator role."""
    _grant(email, Role.ADMIN)
