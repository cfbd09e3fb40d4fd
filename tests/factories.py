"""Factory functions for test data, going through the same services as the app."""

from __future__ import annotations

import itertools

from cop.auth.services import MemberDetails, sign_up
from cop.cases.services import CaseDraft, Submission, open_case, reply
from cop.extensions import db
from cop.models import Case, Member, Post, Role, utcnow

_counter = itertools.count(1)


class MemberFactory:
    """`members.create(profession="nurse")` gives a new member with sensible defaults."""

    PASSWORD = "correct horse battery"

    def create(self, *, email: str | None = None, display_name: str | None = None,
               profession: str = "social_worker", institution: str = "CLSC des Rivières",
               sector: str = "primary_care", role: Role = Role.MEMBER,
               locale: str | None = None, checklist_done: bool = True) -> Member:
        number = next(_counter)
        member = sign_up(
            email or f"member{number}@example.org",
            self.PASSWORD,
            MemberDetails(
                display_name=display_name or f"Membre {number}",
                profession=profession,
                institution=institution,
                sector=sector,
                locale=locale,
            ),
        )
        member.role = role.value
        member.checklist_confirmed_at = utcnow() if checklist_done else None
        db.session.commit()
        return member


CLEAN_SITUATION = (
    "Un homme dans la quarantaine, suivi depuis plusieurs années, arrête son lithium "
    "chaque printemps et se retrouve hospitalisé quelques semaines plus tard."
)


def make_case(author: Member, *, title: str = "Arrêts répétés du lithium au printemps",
              situation: str = CLEAN_SITUATION, tags: list[str] | None = None,
              language: str = "fr", **sections: str) -> Case:
    return open_case(
        author,
        CaseDraft(title=title, sections={"situation": situation, **sections},
                  language=language, tags=tags or ["lithium", "bipolaire"]),
    )


def make_reply(author: Member, case: Case, body: str = "Avez-vous essayé un plan de crise "
               "rédigé avec lui pendant une période stable ?") -> Post:
    return reply(author, case, body, Submission())
