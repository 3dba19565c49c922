"""Forms for signing in, enrolling, a member's own account, and an advocate's first step.
Length caps everywhere; messages say how to fix things. The board's other forms are in
`review.caseforms` and `review.adminforms`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
)

from portal.board.accounts import USERNAME_MAX
from portal.board.passwords import MAX_LENGTH
from portal.choices import LANGUAGE_NAMES


class SignInForm(FlaskForm):
    username = StringField(
        _l("Username"),
        description=_l("The username you chose when you made your account."),
        validators=[DataRequired(_l("Please type your username.")), Length(max=100)],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("After several wrong tries, signing in pauses for a few minutes."),
        validators=[DataRequired(_l("Please type your password.")), Length(max=1000)],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l(
            "The 6-digit code from your authenticator app, or one of your recovery codes."
        ),
        validators=[DataRequired(_l("Please type the code.")), Length(max=40)],
    )


class SetupCodeForm(CodeForm):
    """The first code, while the app is being set up: there are no recovery codes yet."""

    code = StringField(
        _l("Code"),
        description=_l("The 6 digits the app shows now. They change every 30 seconds."),
        validators=[DataRequired(_l("Please type the code.")), Length(max=40)],
    )


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        description=_l(
            "At least 12 characters. A few unrelated words together are strong "
            "and easy to remember."
        ),
        validators=[DataRequired(_l("Please choose a password.")), Length(max=MAX_LENGTH + 1)],
    )
    confirm = PasswordField(
        _l("The same password again"),
        description=_l("Type it once more, so a slip of the finger cannot lock you out."),
        validators=[EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class EnrollForm(NewPasswordMixin, FlaskForm):
    username = StringField(
        _l("Choose a username"),
        description=_l("3 to 40 lower-case letters, numbers, dots, dashes or underscores."),
        filters=[lambda value: value.strip().lower() if value else value],
        validators=[
            DataRequired(_l("Please choose a username.")),
            Regexp(
                rf"^[a-z0-9._-]{{3,{USERNAME_MAX}}}$",
                message=_l("Use 3 to 40 lower-case letters, numbers, dots, dashes or underscores."),
            ),
        ],
    )


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(
        _l("Current password"),
        description=_l(
            "The one you sign in with today. Changing it signs you out everywhere else."
        ),
        validators=[DataRequired(_l("Please type your current password.")), Length(max=1000)],
    )


class EmptyForm(FlaskForm):
    """A button that only needs its CSRF token."""


class NoticeForm(FlaskForm):
    notify_email = StringField(
        _l("Email address for notices"),
        description=_l("Notices only say that something is waiting. They never hold case details."),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Please check the email address.")),
        ],
    )
    notify_new = BooleanField(
        _l("When a new case arrives"),
        description=_l("Only for cases you are allowed to see."),
    )
    notify_urgent = BooleanField(
        _l("When a person says they are not safe"),
        description=_l("As soon as they send a complaint that says so."),
    )
    notify_reply = BooleanField(
        _l("When a person replies"),
        description=_l("When someone writes back on a case you are allowed to see."),
    )
    notice_language = SelectField(
        _l("Language of your notices"),
        description=_l("The board's language, unless you choose your own."),
        # The languages named in themselves, as on the language switch.
        choices=[
            SelectChoice("", _l("The board's language")),
            *(SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()),
        ],
        default="",
    )


class ConsentForm(FlaskForm):
    confirm = BooleanField(
        _l("I read this to the person, and they want to go on"),
        description=_l("If they would rather not, stop here: nothing has been saved."),
        validators=[DataRequired(_l("Please read the steps to the person and tick this box."))],
    )
