"""Forms for admins: invitations, account flags, the audit log filter and the site settings.
Length caps everywhere; messages say how to fix things."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal import ids
from portal.board.accounts import Role
from portal.choices import LANGUAGE_NAMES
from portal.site import SiteConfigError, parse_quick_exit

# Least powerful first: the invitation form starts on the first.
ROLE_LABELS = {
    Role.ADVOCATE: _l("Peer advocate (helps people file; never sees cases)"),
    Role.REVIEWER: _l("Reviewer (board member)"),
    Role.ADMIN: _l("Admin (board chair or program administrator)"),
}


class InviteForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        description=_l(
            "What the new account can do. The link you get works once, within 72 hours."
        ),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        default=Role.ADVOCATE.value,
    )


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
    news_erase_days = IntegerField(
        _l("Days after a case is closed to erase the person's email address"),
        description=_l(
            "Only for people who asked to be told when there is news. The board never sees "
            "the address."
        ),
        validators=[DataRequired(), NumberRange(min=1, max=36500)],
    )
    typical_answer_days = IntegerField(
        _l("Days the board usually takes to answer, for the receipt"),
        description=_l(
            "Shown until the public figures have enough cases to give the usual time to a "
            "first answer."
        ),
        validators=[DataRequired(), NumberRange(min=1, max=365)],
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
        description=_l(
            "The sender's address on each notice, to board members and to people who asked "
            "to be told of news. Choose one that does not say what this site is about."
        ),
        validators=[DataRequired(), Length(max=254)],
    )
    smtp_starttls = BooleanField(
        _l("Use STARTTLS"),
        description=_l("Sends notices to the mail server encrypted. Tick it if the server allows."),
    )
    reconsider_days = IntegerField(
        _l("Days a person has to ask the board to look again"),
        description=_l("Counted from the day of the board's decision. They may ask once."),
        validators=[DataRequired(), NumberRange(min=1, max=36500)],
    )
    mediation_offered = BooleanField(
        _l("The program offers mediation"),
        description=_l("People can then ask for it on their case page."),
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
