"""Sign-up, login, logout, profiles and password changes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from cop.auth import services
from cop.auth.forms import LoginForm, PasswordForm, ProfileForm, SignUpForm
from cop.cases.queries import member_activity
from cop.errors import DomainError
from cop.extensions import configured_limit, limiter, login_manager
from cop.forms import show_errors
from cop.navigation import safe_next_url

SIGNUP_LIMIT = configured_limit("SIGNUP_RATE_LIMIT")
LOGIN_LIMIT = configured_limit("LOGIN_RATE_LIMIT")
bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"
login_manager.user_loader(services.load_session_member)


@login_manager.unauthorized_handler
def _ask_to_log_in() -> Response:
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGNUP_LIMIT, methods=["POST"])
@limiter.limit(SIGNUP_LIMIT, methods=["POST"], key_func=_submitted_email)
def signup() -> Response | str:
    """Open sign-up: anyone joins and takes part at once."""
    if current_user.is_authenticated:
        return redirect(url_for("cases.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            member = services.sign_up(form.email.data, form.password.data, form.details())
        except DomainError as error:
            show_errors(form, error)
        else:
            login_user(member)
            flash(_("Welcome to cop, %(name)s.", name=member.display_name), "success")
            return redirect(url_for("cases.index"))
    return render_template(
        "auth/signup.html", form=form, institutions=services.institution_suggestions()
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_submitted_email)
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("cases.index"))
    form = LoginForm()
    if form.validate_on_submit():
        member = services.authenticate(form.email.data, form.password.data)
        if member is None:
            form.form_errors.append(_("Email or password is incorrect."))
        else:
            login_user(member, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("cases.index"))


@bp.get("/members/<int:member_id>")
@login_required
def profile(member_id: int) -> str:
    member = services.get_member(member_id)
    cases, replies = member_activity(member, viewer=current_user)
    return render_template("auth/profile.html", member=member, cases=cases, replies=replies)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit_profile() -> Response | str:
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.institution.data = current_user.institution.name
        form.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.details())
        except DomainError as error:
            show_errors(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile", member_id=current_user.id))
    return render_template(
        "auth/edit_profile.html", form=form, institutions=services.institution_suggestions()
    )


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            login_user(current_user._get_current_object())
            flash(_("Your password is changed; other sessions are signed out."), "success")
            return redirect(url_for("auth.profile", member_id=current_user.id))
    return render_template("auth/password.html", form=form)
