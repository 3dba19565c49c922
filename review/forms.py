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
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal import ids
from portal.board.accounts import USERNAME_MAX, Role
from portal.board.passwords import MAX_LENGTH
from portal.choices import LANGUAGE_NAMES
from portal.site import SiteConfigError, parse_quick_exit

# Least powerful first: the invitation form starts on the first.
ROLE_LABELS = {
    Role.ADVOCATE: _l("Peer advocate (helps people file; never sees cases)"),
    Role.REVIEWER: _l("Reviewer (board member)"),
    Role.ADMIN: _l("Admin (board chair or program administrator)"),
}


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


class InviteForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        description=_l(
            "What the new account can do. The link you get works once, within 72 hours."
        ),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        default=Role.ADVOCATE.value,
    )


class EmptyForm(FlaskForm):
    """A button that only needs its CSRF token."""


SPANISH_LINES = _l(
    "Optional. The same lines as the English box, in the same order, in Spanish. Write - for "
    "a line to keep in English."
)
SPANISH_PLACES = _l(
    "Optional. The same places as the English box, in the same order and layout, in Spanish. "
    "The phone number is taken from the English box. Write - for a place to keep in English."
)


class SettingsForm(FlaskForm):
    program_name = StringField(
        _l("Program name"),
        description=_l("The name people know the program by, shown on the start page and here."),
        validators=[DataRequired(), Length(max=100)],
    )
    neutral_title = StringField(
        _l("Neutral page title"),
        description=_l("Shown in the browser tab and history. It should not say complaint."),
        validators=[DataRequired(), Length(max=60)],
    )
    quick_exit_url = StringField(
        _l("Quick exit address"),
        description=_l("An everyday https:// site the quick exit goes to."),
        validators=[DataRequired(), Length(max=200)],
    )
    public_address = StringField(
        _l("This portal's public address"),
        description=_l(
            "Shown on the hand-over page, so people know where to come back. "
            "If empty, the address in use is shown."
        ),
        validators=[Length(max=200)],
    )
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
    danger_lines = TextAreaField(
        _l("Help lines for someone in danger"),
        description=_l(
            "Shown on the start page and to anyone who says they are not safe. One line each: "
            "name | what it does | phone | hours. Many people here cannot safely call the "
            "police: list your local crisis line and sex-worker-led hotline, and 911 only if "
            "you want it shown."
        ),
        validators=[Length(max=10000)],
    )
    # The same words in Spanish (see review/sitewords.py). Empty: the Spanish pages show the
    # English words, or our own Spanish for the words that came with the portal.
    program_name_es = StringField(
        _l("Program name, in Spanish"),
        description=_l("Optional. Leave empty to use the same name."),
        validators=[Length(max=100)],
    )
    neutral_title_es = StringField(
        _l("Neutral page title, in Spanish"),
        description=_l("Optional."),
        validators=[Length(max=60)],
    )
    agencies_es = TextAreaField(
        _l("Agencies, in Spanish"), description=SPANISH_LINES, validators=[Length(max=5000)]
    )
    help_resources_es = TextAreaField(
        _l("Local help, in Spanish"), description=SPANISH_PLACES, validators=[Length(max=10000)]
    )
    danger_lines_es = TextAreaField(
        _l("Help lines for someone in danger, in Spanish"),
        description=SPANISH_PLACES,
        validators=[Length(max=10000)],
    )
    suppression_threshold = IntegerField(
        _l("Smallest count shown on the public figures"),
        description=_l(
            "A smaller count is shown as “fewer than” this number, so nobody can be picked out."
        ),
        validators=[DataRequired(), NumberRange(min=1, max=1000)],
    )
    pattern_threshold = IntegerField(
        _l("Complaints naming the same person before the board is alerted"),
        description=_l("Only separate people's complaints count, and withdrawn ones do not."),
        validators=[DataRequired(), NumberRange(min=2, max=100)],
    )
    retention_closed_days = IntegerField(
        _l("Days to keep closed and withdrawn cases"),
        description=_l("Counted from the last change. Then the case is deleted for good."),
        validators=[DataRequired(), NumberRange(min=1, max=36500)],
    )
    retention_unopened_days = IntegerField(
        _l("Days to keep cases nobody has opened"),
        description=_l(
            "A case that neither the person nor the board opens for this long is deleted for good."
        ),
        validators=[DataRequired(), NumberRange(min=1, max=36500)],
    )
    kiosk_mode = BooleanField(
        _l("Kiosk mode (for shared computers at a drop-in centre)"),
        description=_l("Participant pages clear themselves when left alone, for the next person."),
    )
    kiosk_idle_seconds = IntegerField(
        _l("Kiosk: seconds without use before the screen clears"),
        description=_l("Only in kiosk mode. Any key, tap or scroll starts the count again."),
        validators=[DataRequired(), NumberRange(min=30, max=3600)],
    )
    smtp_host = StringField(
        _l("Mail server for board notices"),
        description=_l("Leave empty to send no email at all."),
        validators=[Optional(), Length(max=200), Regexp(r"^[A-Za-z0-9.\-]+$")],
    )
    smtp_port = IntegerField(
        _l("Mail server port"),
        description=_l("Ask whoever runs the mail server. It is often 587, or 25."),
        validators=[NumberRange(min=1, max=65535)],
    )
    smtp_from = StringField(
        _l("Notices come from"),
        description=_l("The sender's email address that board members see on each notice."),
        validators=[DataRequired(), Length(max=254)],
    )
    smtp_starttls = BooleanField(
        _l("Use STARTTLS"),
        description=_l("Sends notices to the mail server encrypted. Tick it if the server allows."),
    )
    board_language = SelectField(
        _l("Language of the notices"),
        description=_l(
            "For members who have not chosen their own. Notices are short and hold no case details."
        ),
        # Each language named in itself, as on the language switch.
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default="en",
    )

    def validate_quick_exit_url(self, field: StringField) -> None:
        try:
            parse_quick_exit(field.data or "")
        except SiteConfigError as error:
            raise ValidationError(
                _l(
                    "Please use a plain address that starts with https://, like "
                    "https://www.weather.gov/. It cannot have spaces, a line break, a user "
                    "name, * or commas, and a port must be a number from 1 to 65535."
                )
            ) from error


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


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter that changes nothing

    action = StringField(
        _l("Action"),
        description=_l("Exactly as in the Action column, for example case.view."),
        validators=[Optional(), Length(max=40)],
    )
    account = IntegerField(
        _l("Account number"),
        description=_l("The number after the username on the Accounts page."),
        validators=[Optional(), ids.id_range()],
    )
    since = DateField(
        _l("From"),
        description=_l("Events on this day (UTC) or later."),
        validators=[Optional()],
    )
    until = DateField(
        _l("To"),
        description=_l("Events on this day (UTC) or earlier."),
        validators=[Optional()],
    )


class FlagsForm(FlaskForm):
    totp_required = BooleanField(
        _l("Require a second step"),
        description=_l("Admins and reviewers always need one. Tick it to ask an advocate too."),
    )
    trained_sensitive = BooleanField(
        _l("Trained for sexual misconduct cases"),
        description=_l("Only trained members see complaints about sexual misconduct."),
    )
    organisation = StringField(
        _l("Organisation (advocates)"),
        description=_l("Recorded on complaints they help file. Never their name."),
        validators=[Optional(), Length(max=200)],
    )


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter that changes nothing

    status = SelectField(
        _l("Status"),
        description=_l("“Still open” leaves out decided, closed and withdrawn cases."),
        validators=[Optional()],
    )
    kind = SelectField(
        _l("Kind"),
        description=_l("What the person said it is about."),
        validators=[Optional()],
    )
    urgent = BooleanField(
        _l("Only people who said they are not safe"),
        description=_l("These are always listed first."),
    )
    assigned = SelectField(
        _l("Assigned"),
        description=_l("Who is working on the case."),
        choices=[
            SelectChoice("", _l("Anyone")),
            SelectChoice("me", _l("Me")),
            SelectChoice("nobody", _l("Nobody")),
        ],
        validators=[Optional()],
    )
    unread = BooleanField(
        _l("Has new replies"),
        description=_l("Replies no board member has opened yet."),
    )
    older_than = IntegerField(
        _l("Older than (days)"),
        description=_l("Days since the complaint arrived."),
        validators=[Optional(), NumberRange(min=0, max=3650)],
    )


def _text(
    label: object,
    hint: object,
    limit: int = 10_000,
    required: bool = True,
    field_id: str | None = None,
) -> TextAreaField:
    """`field_id` keeps ids unique where several forms on the case page share a field name."""
    checks = [Length(max=limit, message=_l("Please keep this under %(max)d characters."))]
    if required:
        checks.insert(0, DataRequired(_l("Please write something here.")))
    else:
        checks.insert(0, Optional())
    return TextAreaField(label, description=hint, validators=checks, id=field_id)


# What the board writes for the public: the same rules wherever it is written.
PUBLIC_SUMMARY_HINT = _l(
    "Optional. Published under “You said, we did” on /figures once the quarter is over: no names, "
    "no badge numbers, nothing the person wrote."
)
# Words the person reads on their case page, after typing their claim code.
PERSON_READS_HINT = _l(
    "The person reads this when they next check with their code. Leave out other people's names."
)


class AssignForm(FlaskForm):
    to = SelectField(
        _l("Assign to"),
        description=_l("Only members who may see this case are listed."),
        validators=[Optional()],
    )


class StatusForm(FlaskForm):
    target = SelectField(
        _l("New status"),
        description=_l("Only moves allowed from the current status are listed."),
    )
    reason = _text(
        _l("Why, in plain words the person will read"),
        _l("The person sees this beside the new status when they next check with their code."),
        2000,
    )


class NoteForm(FlaskForm):
    body = _text(
        _l("Internal note (the person never sees this)"),
        _l("Board members who may see this case read it in the timeline."),
        field_id="note-body",
    )


class MessageForm(FlaskForm):
    body = _text(_l("Message to the person"), PERSON_READS_HINT, 5000, field_id="message-body")


class DecisionForm(FlaskForm):
    disposition = SelectField(
        _l("Decision"),
        description=_l("What the board found. The person sees it above the letter."),
    )
    recommendation = _text(
        _l("The board's recommendation"),
        _l("What the board asks the program or agency to change. The person does not see it."),
        required=False,
    )
    dissent = _text(
        _l("Any member's dissent"),
        _l("A member who disagrees can say why here. The person does not see it."),
        required=False,
    )
    letter = _text(_l("Letter to the person, in plain words"), PERSON_READS_HINT)
    public_summary = _text(
        _l("For the public figures: what the board recommends, in the board's own words"),
        PUBLIC_SUMMARY_HINT,
        2000,
        required=False,
        field_id="decision-summary",
    )
    confirm = BooleanField(
        _l("This is the board's decision"),
        description=_l("Recording it marks the case decided and shows the letter to the person."),
        validators=[DataRequired(_l("Please tick this box to confirm."))],
        id="decision-confirm",
    )


class PublicationForm(FlaskForm):
    public_summary = _text(
        _l("Public summary: what the board recommends, in the board's own words"),
        PUBLIC_SUMMARY_HINT,
        2000,
        required=False,
        field_id="publication-summary",
    )
    in_packet = BooleanField(
        _l("Put this summary in the board's review packet"),
        description=_l("The packet shows it with the kind of complaint and the decision only."),
    )


class ProgramResponseForm(FlaskForm):
    program_response = _text(
        _l("What the program or agency did (published beside the summary)"),
        _l(
            "Optional. Published on /figures, so the same rules apply: no names, nothing the "
            "person wrote."
        ),
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
    body = SelectField(
        _l("Pass it to"),
        description=_l("The person is asked first. Nothing is passed on unless they say yes."),
        id="referral-body",
    )
    explanation = _text(
        _l("What to tell the person about it"),
        _l("The person reads this with the question: say who would get it and what could happen."),
        2000,
    )


class RecuseForm(FlaskForm):
    confirm = BooleanField(
        _l("I know someone in this case, so I should not work on it"),
        description=_l("The case leaves your queue and you can no longer open it."),
        validators=[DataRequired(_l("Please tick this box to confirm."))],
        id="recuse-confirm",
    )


class KeepAwayForm(FlaskForm):
    member = SelectField(
        _l("Board member to keep away from this case"),
        description=_l("They can no longer open the case, and it leaves their queue."),
    )


class ConsentForm(FlaskForm):
    confirm = BooleanField(
        _l("I read this to the person, and they want to go on"),
        description=_l("If they would rather not, stop here: nothing has been saved."),
        validators=[DataRequired(_l("Please read the steps to the person and tick this box."))],
    )


class LinkForm(FlaskForm):
    earlier = StringField(
        _l("Reference of the earlier complaint"),
        description=_l(
            "The 4 characters after “Case” at the top of its page. A second board member "
            "approves the link; then the person is asked to confirm."
        ),
        validators=[DataRequired(_l("Please type the 4-character reference.")), Length(max=10)],
    )
