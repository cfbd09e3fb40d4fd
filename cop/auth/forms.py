"""Sign-up, login, profile and password forms."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from cop.auth.services import MIN_PASSWORD_LENGTH, MemberDetails
from cop.forms import Form
from cop.labels import LANGUAGES, PROFESSIONS, SECTORS, choices


class MemberDetailsForm(Form):
    """The fields a member shows to others: name, profession, institution, sector."""

    display_name = StringField(_l("Name shown to others"), [InputRequired(), Length(max=80)])
    profession = SelectField(
        _l("Profession"), [InputRequired()], choices=choices(PROFESSIONS, blank=_l("Choose…"))
    )
    institution = StringField(
        _l("Institution or organisation"),
        [InputRequired(), Length(max=160)],
        description=_l("Pick one from the list or type a new one: no approval needed."),
    )
    sector = SelectField(
        _l("Sector"), [InputRequired()], choices=choices(SECTORS, blank=_l("Choose…"))
    )

    def details(self) -> MemberDetails:
        return MemberDetails(
            display_name=self.display_name.data or "",
            profession=self.profession.data or "",
            institution=self.institution.data or "",
            sector=self.sector.data or "",
        )


class SignUpForm(MemberDetailsForm):
    email = StringField(_l("Email"), [InputRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        [InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Password again"),
        [InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class LoginForm(Form):
    email = StringField(_l("Email"), [InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), [InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me on this device"))


class ProfileForm(MemberDetailsForm):
    bio = TextAreaField(_l("About your practice"), [Optional(), Length(max=2000)])
    locale = SelectField(
        _l("Interface language"), choices=choices(LANGUAGES, blank=_l("As my browser"))
    )

    def details(self) -> MemberDetails:
        return replace(super().details(), bio=self.bio.data or "", locale=self.locale.data or None)


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), [InputRequired()])
    new_password = PasswordField(
        _l("New password"), [InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        [InputRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )
