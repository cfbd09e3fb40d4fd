"""Forms of the rooms: scheduling a conference, its summary, and moving its script."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from cop.cases.forms import TEXT_LIMIT, ScreenedForm
from cop.forms import Form
from cop.labels import choices
from cop.rooms.conferences import DEFAULT_TIMEZONE, TIMEZONES


class ConferenceForm(Form):
    date = DateField(_l("Date"), [InputRequired()])
    time = TimeField(_l("Time"), [InputRequired()])
    timezone = SelectField(_l("Time zone"), default=DEFAULT_TIMEZONE,
                           choices=choices({zone: zone.replace("_", " ") for zone in TIMEZONES}))
    facilitator = StringField(
        _l("Facilitator"), [Optional(), Length(max=41)],
        description=_l("A member's handle, such as @marie-dubois. Leave empty to facilitate "
                       "yourself."),
    )

    def local_time(self) -> datetime:
        return datetime.combine(self.date.data, self.time.data)


class SummaryForm(ScreenedForm):
    """The facilitator's summary, screened like any reply before it reaches the thread."""

    body = TextAreaField(
        _l("Conference synthesis"), [InputRequired(), Length(max=TEXT_LIMIT)],
        description=_l("What the group recommends, the questions that remain, who does what. "
                       "Markdown allowed."),
    )
    texts = ("body",)
