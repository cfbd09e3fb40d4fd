"""The search page: the community's accumulated expertise, in French and English."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from cop.search import corpus, services

bp = Blueprint("search", __name__)

FILTERS = ("tag", "status", "profession", "sector", "kind", "after", "before")


@bp.get("/search")
@login_required
def page() -> str:
    """Query box, filters with counts, results with snippets; never fails on odd input."""
    args = request.args
    query = args.get("q", "")[:1000]
    filters = {name: args[name][:80] for name in FILTERS if args.get(name)}
    sort = "date" if args.get("sort") == "date" else "relevance"
    page_arg = args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() and 0 < int(page_arg) < 10_000 else 1
    if not current_app.extensions.get("cop_search_checked"):
        current_app.extensions["cop_search_checked"] = True
        if corpus.ensure_index():
            flash(_("The search index was missing or damaged: it has been rebuilt."), "warning")
    results = None
    if query.strip() or filters:
        results = services.search(query, filters=filters, sort=sort, page=page)
    return render_template("search/page.html", query=query, filters=filters, sort=sort,
                           results=results)
