"""The notification list and the unread count shown in the header."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from cop.cases.links import post_url
from cop.cases.queries import can_see_post
from cop.extensions import db
from cop.models import Post
from cop.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications() -> dict:
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": services.unread_count(current_user)}
    return {"unread_notifications": 0}


@bp.get("/")
@login_required
def index() -> str:
    return render_template(
        "notifications/index.html", notifications=services.recent(current_user)
    )


@bp.post("/<int:notification_id>/open")
@login_required
def open_one(notification_id: int) -> Response:
    notification = services.open_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    post = db.session.get(Post, notification.post_id) if notification.post_id else None
    if post is not None and can_see_post(current_user, post):
        return redirect(post_url(post))
    return redirect(url_for("cases.show", case_id=notification.case_id))


@bp.post("/read")
@login_required
def read_all() -> Response:
    services.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
