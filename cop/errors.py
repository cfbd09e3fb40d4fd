"""Domain errors raised by services, and the HTML/JSON error pages they map to."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """Base of the errors a service raises for a reason the member can understand."""

    status = 400

    def __init__(self, message: str = "", detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(DomainError):
    status = 404


class NotPermitted(DomainError):
    status = 403


class Invalid(DomainError):
    """Input that breaks a rule; `detail` maps field names to messages."""

    status = 400


class Conflict(DomainError):
    status = 409


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist, or is not visible to you."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("What you sent is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Nothing you wrote is lost: go back and retry."),
    }


def error_response(status: int, message: str | None = None, detail: object = None) -> Response:
    """Render an error as JSON `{"error", "detail"}` or as the HTML error page."""
    message = message or _titles().get(status, _("Error"))
    if wants_json():
        response = jsonify({"error": message, "detail": detail})
    else:
        response = Response(
            render_template("errors/error.html", status=status, message=message),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Response:
        return error_response(error.status, error.message or None, error.detail)

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError) -> Response:
        return error_response(
            400, _("The form had expired or was not sent from cop. Go back and send it again.")
        )

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Response:
        status = error.code or 500
        message = None
        if status == 429:
            message = _titles()[429]
        return error_response(status, message)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.config.get("PROPAGATE_UNEXPECTED"):
            raise error
        return error_response(500)
