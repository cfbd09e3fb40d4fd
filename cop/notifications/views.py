"""The notification list and the unread count shown in the header."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

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
    anchor = f"post-{notification.post_id}" if notification.post_id else None
    return redirect(url_for("cases.show", case_id=notification.case_id, _anchor=anchor))


@bp.post("/read")
@login_required
def read_all() -> Response:
    services.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
