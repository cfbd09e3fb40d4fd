"""The fictitious bilingual demo community, loaded through the app's own services.

Every text goes through the identifier detector like any member's post: a flagged or held
demo text makes the load fail loudly instead of leaving held content behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cop.auth.services import MemberDetails, set_role, sign_up
from cop.cases.services import CaseDraft, Submission, follow, open_case, reply, resolve
from cop.extensions import db
from cop.models import Case, Follow, Member, Notification, Post, PostStatus, Role, utcnow
from cop.search import corpus

DEMO_FILE = Path(__file__).with_name("data") / "demo.json"
# Local time of each region, so posts fall in working hours (standard time is close enough).
_REGION_OFFSETS = {"qc": timedelta(hours=-5), "fr": timedelta(hours=1)}
_EARLIEST_HOUR, _LATEST_HOUR = 7, 23


class DemoDataError(RuntimeError):
    """The demo file is inconsistent, or one of its texts was not published."""


@dataclass
class _Timeline:
    """When each demo object should appear to have been created."""

    now: datetime
    posts: dict[int, datetime] = field(default_factory=dict)
    follows: dict[tuple[int, int], datetime] = field(default_factory=dict)
    cases: dict[int, datetime] = field(default_factory=dict)
    resolved: dict[int, datetime] = field(default_factory=dict)


def read_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    """The demo community as stored in JSON."""
    return json.loads(path.read_text(encoding="utf-8"))


def _daytime(moment: datetime, offset: timedelta) -> datetime:
    """Move a moment that falls in the author's night to the next morning."""
    local = moment + offset
    if local.hour < _EARLIEST_HOUR:
        local = local.replace(hour=_EARLIEST_HOUR)
    elif local.hour >= _LATEST_HOUR:
        local = (local + timedelta(days=1)).replace(hour=_EARLIEST_HOUR)
    return local - offset


def _jitter(text: str) -> timedelta:
    """A few minutes drawn from the text itself, so times do not all share one minute."""
    return timedelta(minutes=sum(map(ord, text)) % 53)


def _opened(case: dict[str, Any], offset: timedelta, now: datetime) -> datetime:
    hour, minute = (int(part) for part in case["opened_at"].split(":"))
    local_day = (now + offset).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local_day - timedelta(days=case["opened_days_ago"]) - offset


def _check_published(post: Post, what: str) -> None:
    if post.status != PostStatus.PUBLISHED:
        raise DemoDataError(f"demo {what} was not published (status {post.status})")


def _load_members(data: dict[str, Any], now: datetime) -> dict[str, Member]:
    members: dict[str, Member] = {}
    for index, item in enumerate(data["members"]):
        details = MemberDetails(
            display_name=item["display_name"], profession=item["profession"],
            institution=item["institution"], sector=item["sector"], bio=item["bio"],
            locale=item["locale"],
        )
        member = sign_up(item["email"], data["password"], details)
        if member.handle != item["handle"]:
            raise DemoDataError(
                f"handle {item['handle']!r} is taken: load the demo into an empty database"
            )
        if item.get("role", Role.MEMBER) != Role.MEMBER:
            set_role(member.email, Role(item["role"]))
        joined = now - timedelta(days=120 - 2 * index, hours=3 * index)
        member.created_at = joined
        if member.institution.created_at > joined:
            member.institution.created_at = joined
        members[item["handle"]] = member
    return members


def _load_case(item: dict[str, Any], members: dict[str, Member], regions: dict[str, str],
               timeline: _Timeline) -> Case:
    author = members[item["author"]]
    offset = _REGION_OFFSETS[regions[item["author"]]]
    opened = _opened(item, offset, timeline.now)
    draft = CaseDraft(
        title=item["title"], sections=item["sections"], language=item["language"],
        consent_basis=item["consent_basis"], tags=item["tags"],
        professions_involved=item["professions_involved"],
        sectors_involved=item["sectors_involved"],
    )
    case = open_case(author, draft, Submission())
    _check_published(case.opening, f"case {item['key']!r}")
    timeline.cases[case.id] = opened
    timeline.posts[case.opening.id] = opened
    timeline.follows[(author.id, case.id)] = opened

    for entry in item.get("followers", []):
        member = members[entry["member"]]
        follow(member, case)
        timeline.follows[(member.id, case.id)] = opened + timedelta(hours=entry["after_hours"])

    last = opened
    for number, entry in enumerate(item["replies"], start=1):
        member = members[entry["author"]]
        moment = _daytime(opened + timedelta(hours=entry["after_hours"]),
                          _REGION_OFFSETS[regions[entry["author"]]]) + _jitter(entry["body"])
        if moment <= last:
            raise DemoDataError(f"reply {number} of {item['key']!r} is not after the previous post")
        post = reply(member, case, entry["body"], Submission())
        _check_published(post, f"reply {number} of {item['key']!r}")
        timeline.posts[post.id] = last = moment
        timeline.follows.setdefault((member.id, case.id), moment)

    resolution = item.get("resolution")
    if resolution:
        actor = members[resolution["by"]]
        moment = _daytime(opened + timedelta(days=resolution["after_days"]),
                          _REGION_OFFSETS[regions[resolution["by"]]])
        moment += _jitter(resolution["sections"]["helped"])
        if moment <= last:
            raise DemoDataError(f"the synthesis of {item['key']!r} comes before a reply")
        post = resolve(actor, case, resolution["sections"], Submission())
        _check_published(post, f"synthesis of {item['key']!r}")
        timeline.posts[post.id] = timeline.resolved[case.id] = moment
    return case


def _apply_timeline(cases: list[Case], timeline: _Timeline) -> None:
    """Date every case, post, revision, follow and notification, then commit once."""
    ceiling = timeline.now - timedelta(minutes=1)
    for case in cases:
        case.created_at = min(timeline.cases[case.id], ceiling)
        for post in case.posts:
            post.created_at = min(timeline.posts[post.id], ceiling)
            for revision in post.revisions:
                revision.created_at = post.created_at
        case.last_activity_at = max(post.created_at for post in case.posts)
        if case.id in timeline.resolved:
            case.resolved_at = min(timeline.resolved[case.id], ceiling)
    case_ids = [case.id for case in cases]
    for row in db.session.scalars(select(Follow).where(Follow.case_id.in_(case_ids))):
        moment = timeline.follows.get((row.member_id, row.case_id), timeline.cases[row.case_id])
        row.created_at = min(moment, ceiling)
    posts = {post.id: post for case in cases for post in case.posts}
    query = select(Notification).where(Notification.post_id.in_(list(posts)))
    for note in db.session.scalars(query):
        note.created_at = posts[note.post_id].created_at
    db.session.commit()


def load(path: Path = DEMO_FILE) -> str:
    """Create the demo members, cases, replies, syntheses and follows; return a summary."""
    data = read_demo(path)
    timeline = _Timeline(now=utcnow().astimezone(UTC))
    members = _load_members(data, timeline.now)
    db.session.commit()
    regions = {item["handle"]: item["region"] for item in data["members"]}
    cases = [_load_case(item, members, regions, timeline) for item in data["cases"]]
    _apply_timeline(cases, timeline)
    corpus.rebuild()  # the index stores dates: rebuild it once with the spread ones
    replies = sum(len(item["replies"]) for item in data["cases"])
    return f"{len(members)} members, {len(cases)} cases, {replies} replies"
