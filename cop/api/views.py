"""JSON API v1 (the contract in shared/API.md), calling the same services as the pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from cop.anonymise import find_identifiers, redact
from cop.anonymise.services import OnFindings, screen
from cop.api.serialise import case_json, member_json, post_json
from cop.auth import services as auth
from cop.cases import queries
from cop.cases import services as cases
from cop.errors import Invalid, error_response
from cop.extensions import configured_limit, limiter
from cop.search.services import search

SIGNUP_LIMIT = configured_limit("SIGNUP_RATE_LIMIT")
LOGIN_LIMIT = configured_limit("LOGIN_RATE_LIMIT")
API_LIMIT = configured_limit("API_RATE_LIMIT")
bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("Send a JSON object with Content-Type: application/json."))
    return data


def _text(data: dict, name: str, required: bool = True, default: str = "") -> str:
    value = data.get(name, default)
    if value is None and not required:
        return default
    if not isinstance(value, str):
        raise Invalid(_("'%(name)s' must be a string.", name=name), {name: "string expected"})
    if required and not value.strip():
        raise Invalid(_("'%(name)s' is required.", name=name), {name: "required"})
    return value


def _string_list(data: dict, name: str) -> list[str]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(_("'%(name)s' must be a list of strings.", name=name),
                      {name: "list of strings expected"})
    return value


def token_required(view: Callable) -> Callable:
    """Authenticate with `Authorization: Bearer <token>` only (never the session cookie)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        member = auth.member_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if member is None:
            return error_response(401, _("A valid API token is required."))
        g.api_member = member
        return view(*args, **kwargs)

    return wrapper


def _created(body: dict) -> tuple[Response, int]:
    return jsonify(body), 201


@bp.post("/members")
@limiter.limit(SIGNUP_LIMIT)
def create_member():
    data = _payload()
    details = auth.MemberDetails(
        display_name=_text(data, "display_name"),
        profession=_text(data, "profession"),
        institution=_text(data, "institution"),
        sector=_text(data, "sector", required=False),
        locale=_text(data, "locale", required=False) or None,
    )
    member = auth.sign_up(_text(data, "email"), _text(data, "password"), details)
    return _created(member_json(member))


@bp.post("/tokens")
@limiter.limit(LOGIN_LIMIT)
def create_token():
    data = _payload()
    member = auth.authenticate(_text(data, "email"), _text(data, "password"))
    if member is None:
        return error_response(401, _("Email or password is incorrect."))
    return _created({"token": auth.issue_token(member)})


@bp.post("/anonymise")
@limiter.limit(API_LIMIT)
def anonymise():
    text = _text(_payload(), "text", required=False)
    if len(text) > current_app.config["MAX_TEXT_LENGTH"]:
        raise Invalid(_("The text is too long."), {"text": "too long"})
    findings = find_identifiers(text)
    return jsonify(
        {
            "findings": [
                {"start": f.start, "end": f.end, "kind": f.kind, "text": f.text} for f in findings
            ],
            "redacted": redact(text, findings),
        }
    )


def _submission(data: dict) -> cases.Submission:
    reason = data.get("acknowledge_findings")
    return cases.Submission(OnFindings.HOLD, reason if isinstance(reason, str) else "")


def _with_findings(body: dict, post) -> dict:
    if not post.is_published:
        texts = cases.post_texts(post)
        body["findings"] = screen(texts).as_json(texts)
    return body


@bp.post("/cases")
@token_required
@limiter.limit(API_LIMIT)
def create_case():
    data = _payload()
    sections = {name: _text(data, name, required=False) for name in ("situation", "tried",
                                                                      "stuck", "question")}
    body = _text(data, "body", required=not sections["situation"].strip())
    draft = cases.CaseDraft(
        title=_text(data, "title"),
        sections=sections if sections["situation"].strip() else {"situation": body},
        body=None if sections["situation"].strip() else body,
        language=_text(data, "language", required=False, default="fr"),
        consent_basis=_text(data, "consent_basis", required=False, default="deidentified"),
        tags=_string_list(data, "tags"),
        professions_involved=_string_list(data, "professions_involved"),
        sectors_involved=_string_list(data, "sectors_involved"),
    )
    case = cases.open_case(g.api_member, draft, _submission(data))
    return _created(_with_findings(case_json(case, [case.opening]), case.opening))


@bp.get("/cases/<int:case_id>")
@token_required
def get_case(case_id: int):
    case = queries.get_case(case_id, g.api_member)
    return jsonify(case_json(case, queries.visible_posts(case, g.api_member)))


@bp.post("/cases/<int:case_id>/posts")
@token_required
@limiter.limit(API_LIMIT)
def create_post(case_id: int):
    case = queries.get_case(case_id, g.api_member)
    data = _payload()
    post = cases.reply(g.api_member, case, _text(data, "body"), _submission(data))
    return _created(_with_findings(post_json(post), post))


@bp.get("/search")
@token_required
def search_posts():
    args = request.args
    page = args.get("page", "1")
    if not page.isdigit() or not 0 < int(page) < 10_000:
        raise Invalid(_("'page' must be a positive whole number."), {"page": "invalid"})
    filters = {name: args[name][:80] for name in ("tag", "status", "profession", "kind", "sector")
               if args.get(name)}
    results = search(args.get("q", "")[:1000], filters=filters, page=int(page))
    return jsonify(
        {
            "total": results.total,
            "page": int(page),
            "message": results.message,
            "suggestion": results.suggestion,
            "results": [
                {
                    "case_id": hit.case_id,
                    "post_id": hit.post_id,
                    "kind": hit.kind,
                    "title": hit.title,
                    "snippet_html": hit.snippet_html,
                    "score": hit.score,
                    "status": hit.status,
                    "profession": hit.profession,
                }
                for hit in results.hits
            ],
        }
    )
