"""Moderation, flag and checklist forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from cop.cases.forms import CheckboxesField
from cop.forms import Form
from cop.labels import FINDING_KINDS, FLAG_REASONS, choices


class ReturnForm(Form):
    message = TextAreaField(_l("Message to the author"), [InputRequired(), Length(max=2000)])


class PassageForm(Form):
    """One passage typed by the moderator, with its kind."""

    class Meta:
        csrf = False

    text = StringField(_l("Passage"), [Optional(), Length(max=300)])
    # Checked by the redaction service, and only for passages actually typed.
    kind = SelectField(_l("Kind"), choices=choices(FINDING_KINDS), validate_choice=False)


class RedactForm(Form):
    findings = CheckboxesField(_l("Detected passages"), choices=[])
    passages = FieldList(FormField(PassageForm), min_entries=3, max_entries=10)
    release = BooleanField(_l("Publish it once redacted"))


class FlagForm(Form):
    reason = RadioField(_l("What is wrong?"), [InputRequired()], choices=choices(FLAG_REASONS))
    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=1000)],
                            description=_l("Required for “other”. Do not repeat an identifier."))


class ChecklistForm(Form):
    """The de-identification checklist a member confirms once, before their first case."""

    no_names = BooleanField(
        _l("No names, initials or nicknames of the person or their close ones"), [InputRequired()]
    )
    no_dates = BooleanField(
        _l("No exact dates (birth, admission, events) and no age of 90 or more"), [InputRequired()]
    )
    no_places = BooleanField(
        _l("No addresses, towns, neighbourhoods or named institutions"), [InputRequired()]
    )
    no_numbers = BooleanField(
        _l("No phone numbers, emails, file or health-card numbers"), [InputRequired()]
    )
    rare_details = BooleanField(
        _l("Rare details (an unusual job, a media event) are changed or left out"),
        [InputRequired()],
    )
