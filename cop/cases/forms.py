"""The structured case form, replies, edits and the resolution synthesis."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from cop.anonymise.services import OnFindings
from cop.cases.services import CaseDraft, Submission
from cop.forms import Form
from cop.labels import CONSENT_BASES, LANGUAGES, PROFESSIONS, SECTORS, choices

TEXT_LIMIT = 20_000


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScreenedForm(Form):
    """A form whose texts go through the identifier check; the author may insist."""

    held_reason = TextAreaField(
        _l("Why is this not identifying? (a moderator will read it)"),
        [Optional(), Length(max=2000)],
    )
    apply_suggestions = SubmitField(_l("Apply all suggestions"))
    insist = SubmitField(_l("Submit for review as it is"))
    texts: tuple[str, ...] = ()

    def submission(self) -> Submission:
        if self.insist.data:
            return Submission(OnFindings.HOLD, self.held_reason.data or "")
        return Submission()

    def text_values(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in self.texts}

    def replace_texts(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            getattr(self, name).data = value


class CaseTextsForm(ScreenedForm):
    """The texts of a case: what an edit changes."""

    title = StringField(_l("Title"), [InputRequired(), Length(max=160)],
                        description=_l("What makes this case hard, without identifiers."))
    situation = TextAreaField(
        _l("Situation"), [InputRequired(), Length(max=TEXT_LIMIT)],
        description=_l("The context, without names, dates, places or numbers that identify."),
    )
    tried = TextAreaField(_l("What has been tried"), [Optional(), Length(max=TEXT_LIMIT)])
    stuck = TextAreaField(_l("Where it is stuck"), [Optional(), Length(max=TEXT_LIMIT)])
    question = TextAreaField(
        _l("Your question to the community"), [Optional(), Length(max=TEXT_LIMIT)]
    )
    texts = ("title", "situation", "tried", "stuck", "question")

    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in self.texts[1:]}


class CaseForm(CaseTextsForm):
    """Opening a case: its texts and the context that files it."""

    tags = StringField(_l("Tags"), [Optional(), Length(max=400)],
                       description=_l("Separated by commas, e.g. psychosis, lithium, youth"))
    professions_involved = CheckboxesField(_l("Professions involved"),
                                           choices=choices(PROFESSIONS))
    sectors_involved = CheckboxesField(_l("Sectors involved"), choices=choices(SECTORS))
    language = SelectField(_l("Language of the case"), choices=choices(LANGUAGES))
    consent_basis = RadioField(_l("Consent basis"), [InputRequired()],
                               choices=choices(CONSENT_BASES), default="deidentified")

    def draft(self) -> CaseDraft:
        return CaseDraft(
            title=self.title.data or "",
            sections=self.sections(),
            language=self.language.data or "fr",
            consent_basis=self.consent_basis.data or "",
            tags=self.tags.data or "",
            professions_involved=self.professions_involved.data or [],
            sectors_involved=self.sectors_involved.data or [],
        )


class ReplyForm(ScreenedForm):
    body = TextAreaField(_l("Your reply"), [InputRequired(), Length(max=TEXT_LIMIT)],
                         description=_l("Markdown allowed. Mention a member with @name."))
    texts = ("body",)


class SynthesisForm(ScreenedForm):
    helped = TextAreaField(_l("What helped"), [InputRequired(), Length(max=TEXT_LIMIT)])
    did_not_help = TextAreaField(_l("What did not help"), [Optional(), Length(max=TEXT_LIMIT)])
    open_questions = TextAreaField(_l("Open questions"), [Optional(), Length(max=TEXT_LIMIT)])
    texts = ("helped", "did_not_help", "open_questions")


class ActionForm(Form):
    """An empty form that only carries the CSRF token (follow, reopen...)."""

    next = HiddenField()
