"""Case list, case page, opening a case, replying, editing, history, resolving, following."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from cop.anonymise.services import IdentifiersFound, apply_suggestions
from cop.cases import queries, services
from cop.cases.forms import (
    ActionForm,
    CaseForm,
    CaseTextsForm,
    ReplyForm,
    ScreenedForm,
    SynthesisForm,
)
from cop.cases.history import word_diff
from cop.cases.links import post_url
from cop.errors import DomainError, NotPermitted
from cop.forms import show_errors
from cop.labels import PROFESSIONS, SECTORS, SORTS
from cop.models import PostKind
from cop.search.services import similar_cases

bp = Blueprint("cases", __name__)


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1


def _submit(form: ScreenedForm, action) -> tuple[object | None, IdentifiersFound | None]:
    """Run a screened submission: apply suggestions, or save; keep the text on any error."""
    if form.apply_suggestions.data:
        form.replace_texts(apply_suggestions(form.text_values()))
        flash(_("Suggestions applied. Read the text again, then submit."), "info")
        return None, None
    try:
        return action(form.submission()), None
    except IdentifiersFound as found:
        return None, found
    except DomainError as error:
        show_errors(form, error)
        return None, None


@bp.get("/")
def index() -> str:
    """All published cases, with filters, sorting and pages; a welcome page for visitors."""
    if not current_user.is_authenticated:
        return render_template("landing.html")
    args = request.args
    filters = queries.CaseFilters(
        tag=args.get("tag", "")[:40],
        state=args.get("state", "") if args.get("state") in ("open", "resolved") else "",
        profession=args.get("profession", "") if args.get("profession") in PROFESSIONS else "",
        sector=args.get("sector", "") if args.get("sector") in SECTORS else "",
        sort=args.get("sort", "activity") if args.get("sort") in SORTS else "activity",
    )
    pagination = queries.list_cases(filters, _page_number(), current_app.config["CASES_PER_PAGE"])
    return render_template(
        "cases/index.html", pagination=pagination, filters=filters, tags=queries.popular_tags()
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str:
    if current_user.checklist_confirmed_at is None:
        return redirect(url_for("moderation.checklist", next=url_for("cases.new")))
    form = CaseForm()
    if request.method == "GET":
        form.language.data = current_user.locale or str(request.accept_languages.best_match(
            current_app.config["LANGUAGES"]) or "fr")
    found = None
    if form.validate_on_submit():
        case, found = _submit(form, lambda sub: services.open_case(current_user, form.draft(), sub))
        if case is not None:
            if case.opening.is_published:
                flash(_("Your case is published."), "success")
            else:
                flash(_("Your case is held until a moderator reviews it."), "warning")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/new.html", form=form, found=found)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> str:
    case = queries.get_case(case_id, current_user)
    posts = queries.visible_posts(case, current_user)
    replies = queries.listed_replies(case, posts)
    return render_template(
        "cases/show.html",
        case=case,
        posts=posts,
        replies=queries.reply_page(replies, request.args.get("page", 1, type=int)),
        reply_form=ReplyForm(),
        action_form=ActionForm(),
        following=services.is_following(current_user, case),
        can_resolve=services.can_resolve(current_user, case),
        similar=similar_cases(case) if case.opening.is_published else [],
    )


@bp.post("/cases/<int:case_id>/replies")
@login_required
def reply(case_id: int) -> Response | str:
    case = queries.get_case(case_id, current_user)
    form = ReplyForm()
    found = None
    if form.validate_on_submit():
        post, found = _submit(
            form, lambda sub: services.reply(current_user, case, form.body.data, sub)
        )
        if post is not None:
            if not post.is_published:
                flash(_("Your reply is held until a moderator reviews it."), "warning")
            return redirect(post_url(post))
    return render_template("cases/reply.html", case=case, form=form, found=found)


def _editable_post(post_id: int):
    post = queries.get_post(post_id, current_user)
    if not services.can_edit(current_user, post):
        raise NotPermitted(_("Only the author can edit this post."))
    return post


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Response | str:
    post = _editable_post(post_id)
    if post.kind == PostKind.OPENING:
        form = CaseTextsForm(data={"title": post.case.title, **(post.sections or {})})

        def save(sub):
            return services.edit_post(current_user, post, sections=form.sections(),
                                      title=form.title.data, submission=sub)
    elif post.kind == PostKind.SYNTHESIS:
        form = SynthesisForm(data=post.sections or {})

        def save(sub):
            return services.edit_post(current_user, post, sections=form.text_values(),
                                      submission=sub)
    else:
        form = ReplyForm(data={"body": post.body})

        def save(sub):
            return services.edit_post(current_user, post, body=form.body.data, submission=sub)
    found = None
    if form.validate_on_submit():
        saved, found = _submit(form, save)
        if saved is not None:
            flash(_("Your changes are saved; the previous version is in the history."), "success")
            return redirect(post_url(post))
    return render_template("cases/edit.html", post=post, form=form, found=found)


@bp.get("/posts/<int:post_id>/history")
@login_required
def history(post_id: int) -> str:
    post = queries.get_post(post_id, current_user)
    versions = []
    previous = None
    for revision in post.revisions:
        before = previous.body if previous else ""
        title_changed = previous is not None and previous.title != revision.title
        versions.append((revision, word_diff(before, revision.body), title_changed, previous))
        previous = revision
    return render_template("cases/history.html", post=post, versions=list(reversed(versions)))


@bp.route("/cases/<int:case_id>/resolve", methods=["GET", "POST"])
@login_required
def resolve(case_id: int) -> Response | str:
    case = queries.get_case(case_id, current_user)
    if not services.can_resolve(current_user, case):
        raise NotPermitted(_("Only the case's author or a moderator can resolve it."))
    existing = case.synthesis
    form = SynthesisForm(data=existing.sections if existing and request.method == "GET" else None)
    found = None
    if form.validate_on_submit():
        post, found = _submit(
            form, lambda sub: services.resolve(current_user, case, form.text_values(), sub)
        )
        if post is not None:
            flash(_("The case is resolved; the synthesis is shown at the top."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/resolve.html", case=case, form=form, found=found)


@bp.post("/cases/<int:case_id>/reopen")
@login_required
def reopen(case_id: int) -> Response:
    case = queries.get_case(case_id, current_user)
    if ActionForm().validate_on_submit():
        services.reopen(current_user, case)
        flash(_("The case is open again."), "info")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/cases/<int:case_id>/follow")
@login_required
def follow(case_id: int) -> Response:
    case = queries.get_case(case_id, current_user)
    if ActionForm().validate_on_submit():
        if request.form.get("stop"):
            services.unfollow(current_user, case)
            flash(_("You no longer follow this case."), "info")
        else:
            services.follow(current_user, case)
            flash(_("You follow this case: replies will appear in your notifications."), "info")
    return redirect(url_for("cases.show", case_id=case.id))
