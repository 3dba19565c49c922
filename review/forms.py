"""Forms for the review area. Length caps everywhere; messages say how to fix things."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from portal.accounts import USERNAME_MAX, Role
from portal.passwords import MAX_LENGTH

ROLE_LABELS = {
    Role.ADMIN: _l("Admin (board chair or program administrator)"),
    Role.REVIEWER: _l("Reviewer (board member)"),
    Role.ADVOCATE: _l("Peer advocate (helps people file; never sees cases)"),
}


class SignInForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(_l("Please type your username.")), Length(max=100)]
    )
    password = PasswordField(
        _l("Password"),
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
        validators=[DataRequired(_l("Please type your current password.")), Length(max=1000)],
    )


class InviteForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
    )


class EmptyForm(FlaskForm):
    """A button that only needs its CSRF token."""


class SettingsForm(FlaskForm):
    program_name = StringField(_l("Program name"), validators=[DataRequired(), Length(max=100)])
    neutral_title = StringField(
        _l("Neutral page title"),
        description=_l("Shown in the browser tab and history. It should not say complaint."),
        validators=[DataRequired(), Length(max=60)],
    )
    quick_exit_url = StringField(
        _l("Quick exit address"),
        description=_l("An everyday https:// site the quick exit goes to."),
        validators=[
            DataRequired(),
            Length(max=200),
            Regexp(r"^https://[^\s;'\"]+$", message=_l("Use an address that starts with https://")),
        ],
    )
    public_address = StringField(_l("This portal's public address"), validators=[Length(max=200)])
    agencies = TextAreaField(
        _l("Agencies"),
        description=_l("One per line. People choose from these when they file."),
        validators=[Length(max=5000)],
    )
    help_resources = TextAreaField(
        _l("Local help"),
        description=_l(
            "One place per line: name | what it does | phone | hours | address. "
            "Only the name is required."
        ),
        validators=[Length(max=10000)],
    )
    suppression_threshold = IntegerField(
        _l("Smallest count shown on the public figures"),
        validators=[DataRequired(), NumberRange(min=1, max=1000)],
    )
    pattern_threshold = IntegerField(
        _l("Complaints naming the same person before the board is alerted"),
        validators=[DataRequired(), NumberRange(min=2, max=100)],
    )
    retention_closed_days = IntegerField(
        _l("Days to keep closed and withdrawn cases"),
        validators=[DataRequired(), NumberRange(min=1, max=36500)],
    )
    retention_unopened_days = IntegerField(
        _l("Days to keep cases nobody has opened"),
        validators=[DataRequired(), NumberRange(min=1, max=36500)],
    )
    kiosk_mode = BooleanField(_l("Kiosk mode (for shared computers at a drop-in centre)"))
    kiosk_idle_seconds = IntegerField(
        _l("Kiosk: seconds without use before the screen clears"),
        validators=[DataRequired(), NumberRange(min=30, max=3600)],
    )
    smtp_host = StringField(
        _l("Mail server for board notices"),
        description=_l("Leave empty to send no email at all."),
        validators=[Optional(), Length(max=200), Regexp(r"^[A-Za-z0-9.\-]+$")],
    )
    smtp_port = IntegerField(_l("Mail server port"), validators=[NumberRange(min=1, max=65535)])
    smtp_from = StringField(_l("Notices come from"), validators=[DataRequired(), Length(max=254)])
    smtp_starttls = BooleanField(_l("Use STARTTLS"))
    board_language = SelectField(
        _l("Language of the notices"),
        description=_l("The board's language. Notices are short and hold no case details."),
        # Each language named in itself, as on the language switch.
        choices=[SelectChoice("en", "English"), SelectChoice("es", "Español")],
        default="en",
    )


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
    notify_new = BooleanField(_l("When a new case arrives"))
    notify_urgent = BooleanField(_l("When a person says they are not safe"))
    notify_reply = BooleanField(_l("When a person replies"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter that changes nothing

    action = StringField(_l("Action"), validators=[Optional(), Length(max=40)])
    account = IntegerField(_l("Account number"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


class FlagsForm(FlaskForm):
    totp_required = BooleanField(_l("Require a second factor"))
    trained_sensitive = BooleanField(_l("Trained for sexual misconduct cases"))
    organisation = StringField(
        _l("Organisation (advocates)"),
        description=_l("Recorded on complaints they help file. Never their name."),
        validators=[Optional(), Length(max=200)],
    )


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter that changes nothing

    status = SelectField(_l("Status"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    urgent = BooleanField(_l("Only people who said they are not safe"))
    assigned = SelectField(
        _l("Assigned"),
        choices=[
            SelectChoice("", _l("Anyone")),
            SelectChoice("me", _l("Me")),
            SelectChoice("nobody", _l("Nobody")),
        ],
        validators=[Optional()],
    )
    unread = BooleanField(_l("Has new replies"))
    older_than = IntegerField(
        _l("Older than (days)"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )


def _text(
    label: object, limit: int = 10_000, required: bool = True, field_id: str | None = None
) -> TextAreaField:
    """`field_id` keeps ids unique where several forms on the case page share a field name."""
    checks = [Length(max=limit, message=_l("Please keep this under %(max)d characters."))]
    if required:
        checks.insert(0, DataRequired(_l("Please write something here.")))
    else:
        checks.insert(0, Optional())
    return TextAreaField(label, validators=checks, id=field_id)


class AssignForm(FlaskForm):
    to = SelectField(_l("Assign to"), validators=[Optional()])


class StatusForm(FlaskForm):
    target = SelectField(_l("New status"))
    reason = _text(_l("Why, in plain words the person will read"), 2000)


class NoteForm(FlaskForm):
    body = _text(_l("Internal note (the person never sees this)"), field_id="note-body")


class MessageForm(FlaskForm):
    body = _text(_l("Message to the person"), 5000, field_id="message-body")


class DecisionForm(FlaskForm):
    disposition = SelectField(_l("Decision"))
    recommendation = _text(_l("The board's recommendation"), required=False)
    dissent = _text(_l("Any member's dissent"), required=False)
    letter = _text(_l("Letter to the person, in plain words"))
    public_summary = _text(
        _l("For the public figures: what the board recommends, in the board's own words"),
        2000,
        required=False,
        field_id="decision-summary",
    )
    confirm = BooleanField(
        _l("This is the board's decision"),
        validators=[DataRequired(_l("Please tick this box to confirm."))],
        id="decision-confirm",
    )


class PublicationForm(FlaskForm):
    public_summary = _text(
        _l("Public summary: what the board recommends, in the board's own words"),
        2000,
        required=False,
        field_id="publication-summary",
    )
    in_packet = BooleanField(_l("Put this summary in the board's review packet"))


class ProgramResponseForm(FlaskForm):
    program_response = _text(
        _l("What the program or agency did (published beside the summary)"),
        2000,
        required=False,
    )


def publication_forms(complaint: object) -> dict[str, FlaskForm]:
    """The case page's publication forms, filled in with what is saved, except the one this
    request is sending (which keeps what was typed)."""

    def make(form_class: type[FlaskForm], endpoint: str, data: dict) -> FlaskForm:
        if request.endpoint == endpoint:
            return form_class()
        return form_class(formdata=None, data=data)

    return {
        "publication_form": make(
            PublicationForm,
            "review.set_publication",
            {"public_summary": complaint.public_summary or "", "in_packet": complaint.in_packet},
        ),
        "program_response_form": make(
            ProgramResponseForm,
            "review.set_program_response",
            {"program_response": complaint.program_response or ""},
        ),
    }


class ReferralForm(FlaskForm):
    body = SelectField(_l("Pass it to"), id="referral-body")
    explanation = _text(_l("What to tell the person about it"), 2000)


class RecuseForm(FlaskForm):
    confirm = BooleanField(
        _l("I know someone in this case, so I should not work on it"),
        validators=[DataRequired(_l("Please tick this box to confirm."))],
        id="recuse-confirm",
    )


class KeepAwayForm(FlaskForm):
    member = SelectField(_l("Board member to keep away from this case"))


class ConsentForm(FlaskForm):
    confirm = BooleanField(
        _l("I read this to the person, and they want to go on"),
        validators=[DataRequired(_l("Please read the steps to the person and tick this box."))],
    )


class LinkForm(FlaskForm):
    earlier = StringField(
        _l("Reference of the earlier complaint"),
        validators=[DataRequired(_l("Please type the 4-character reference.")), Length(max=10)],
    )
