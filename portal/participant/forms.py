"""Participant forms. Every field has a length cap; every choice comes from `choices`.

Error messages are kind and say how to fix the input; none of them blames the person.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# Flask-WTF's own: it keeps only real uploads, so a text value under the field's name is ignored.
from flask_wtf.file import MultipleFileField
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal import ids
from portal.casework import news
from portal.casework.complaints import KEEP_AWAY_MAX
from portal.choices import (
    ACTOR_LABELS,
    AGE_LABELS,
    ANSWER_LABELS,
    ASSISTED_LABELS,
    GENDER_LABELS,
    KIND_LABELS,
    RACE_LABELS,
    SAFE_LABELS,
)
from portal.languages import site_words
from portal.security.claimcodes import MAX_INPUT_LENGTH
from portal.security.sanitize import clean_text

NARRATIVE_MAX = 10_000
LONG_TEXT_MAX = 2_000
SHORT_TEXT_MAX = 200
PSEUDONYM_MAX = 60
# Asked on the filing form and again, any time later, on the case page.
KEEP_AWAY_LABEL = _l("Is there someone who should not see your complaint?")
KEEP_AWAY_HINT = _l(
    "For example: a board member who knows me, or my case manager. "
    "Until the board chair has kept them away, only the chair and the program's "
    "admins can open your complaint."
)
AGENCY_UNKNOWN = "unknown"
NOT_CHOSEN = ""


def _too_long(limit: int):
    return Length(
        max=limit,
        message=_l(
            "This box holds up to %(max)d characters. Please make it a little shorter.",
            max=limit,
        ),
    )


def _skip_choice() -> SelectChoice:
    return SelectChoice(NOT_CHOSEN, _l("Choose one"))


def _select_choices(labels: dict) -> list[SelectChoice]:
    return [_skip_choice()] + _radio_choices(labels)


def _radio_choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value.value, label) for value, label in labels.items()]


TEXT = [clean_text]


class FileForm(FlaskForm):
    narrative = TextAreaField(
        _l("What happened?"),
        description=_l(
            "Tell it in your own words. Write as much or as little as you want. "
            "You do not need to give your name."
        ),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Please tell us what happened. A few words are enough.")),
            _too_long(NARRATIVE_MAX),
        ],
    )
    # Asked right after the story: the minimum complaint is these two and Send.
    safe_now = RadioField(
        _l("Are you safe right now?"),
        description=_l(
            "If you say no, you will see places that can help right away, and the board will "
            "read your complaint first."
        ),
        choices=_radio_choices(SAFE_LABELS),
        validators=[Optional()],
    )
    kind = RadioField(
        _l("What is it about?"),
        description=_l("Choose the one that fits best."),
        choices=_radio_choices(KIND_LABELS),
        validators=[Optional()],
    )
    actor_kind = RadioField(
        _l("Who did it?"),
        description=_l("Choose the one that fits best. It is fine not to know."),
        choices=_radio_choices(ACTOR_LABELS),
        validators=[Optional()],
    )
    agency = SelectField(
        _l("Where do they work?"),
        description=_l("If you are not sure, choose “I don't know”."),
        validators=[Optional()],
    )
    officer = StringField(
        _l("Badge number or name, if you know it"),
        description=_l(
            "Only if it is safe for you. If few people could know this, it may show who you are."
        ),
        filters=TEXT,
        validators=[_too_long(SHORT_TEXT_MAX)],
    )
    when_text = StringField(
        _l("Roughly when?"),
        description=_l("For example: last Tuesday night, or early March."),
        filters=TEXT,
        validators=[_too_long(SHORT_TEXT_MAX)],
    )
    where_text = StringField(
        _l("Roughly where?"),
        description=_l("For example: near 3rd and Pine. A street corner or area is enough."),
        filters=TEXT,
        validators=[_too_long(SHORT_TEXT_MAX)],
    )
    wants = TextAreaField(
        _l("What would you like to happen?"),
        description=_l(
            "For example: an apology, a change in how they treat people, or to be left alone."
        ),
        filters=TEXT,
        validators=[_too_long(LONG_TEXT_MAX)],
    )
    assisted_by = RadioField(
        _l("Is someone helping you fill this in?"),
        description=_l("It does not change what happens to your complaint."),
        choices=_radio_choices(ASSISTED_LABELS),
        validators=[Optional()],
    )
    keep_away = TextAreaField(
        KEEP_AWAY_LABEL,
        description=KEEP_AWAY_HINT,
        filters=TEXT,
        validators=[_too_long(KEEP_AWAY_MAX)],
    )
    lost_code_note = TextAreaField(
        _l("Is this about an earlier complaint you lost the code for?"),
        description=_l(
            "If so, write what you remember about it: roughly when you sent it and what it "
            "was about. The board will ask you before they put the two together."
        ),
        filters=TEXT,
        validators=[_too_long(LONG_TEXT_MAX)],
    )
    pseudonym = StringField(
        _l("A made-up name, if you want one"),
        description=_l("The board will call you this. Do not use your real name."),
        filters=TEXT,
        validators=[_too_long(PSEUDONYM_MAX)],
    )
    race = SelectField(
        _l("Race or ethnicity"),
        description=_l("The one that fits you best."),
        choices=_select_choices(RACE_LABELS),
        validators=[Optional()],
    )
    gender = SelectField(
        _l("Gender"),
        description=_l("The one that fits you best."),
        choices=_select_choices(GENDER_LABELS),
        validators=[Optional()],
    )
    age_band = SelectField(
        _l("Age"),
        description=_l("How old you are now."),
        choices=_select_choices(AGE_LABELS),
        validators=[Optional()],
    )
    files = MultipleFileField(
        _l("Photos or papers, if you have any"),
        description=_l(
            "Up to 3 photos (JPEG, PNG, WebP or iPhone HEIC) or PDFs, 8 MB each. We remove "
            "the hidden details in them, like where a photo was taken, before we keep them."
        ),
    )
    # A field people never see. Programs that fill in every box fill this one too.
    website = StringField(_l("Leave this box empty"), validators=[_too_long(SHORT_TEXT_MAX)])
    form_token = HiddenField(validators=[Length(max=100)])

    def __init__(self, agencies: tuple[str, ...], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency.choices = (
            [_skip_choice()]
            + [SelectChoice(name, site_words(name)) for name in agencies]
            + [SelectChoice(AGENCY_UNKNOWN, _l("I don't know"))]
        )

    def validate_website(self, field: StringField) -> None:
        if field.data:
            raise ValidationError(_l("Please leave this box empty."))


class CheckForm(FlaskForm):
    code = StringField(
        _l("Your claim code"),
        description=_l("It looks like K7QM-2XPA-9HDR-T4WE-8NCB. Dashes and spaces do not matter."),
        validators=[
            DataRequired(message=_l("Please type your claim code.")),
            Length(
                max=MAX_INPUT_LENGTH,
                message=_l("That is longer than a claim code. Please check it and try again."),
            ),
        ],
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Write to the review board"),
        description=_l("Answer their question, or add anything you remember."),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Please write something first.")),
            _too_long(LONG_TEXT_MAX * 2 + 1000),
        ],
    )


class KeepAwayForm(FlaskForm):
    keep_away = TextAreaField(
        KEEP_AWAY_LABEL,
        description=KEEP_AWAY_HINT,
        filters=TEXT,
        validators=[DataRequired(message=_l("Please write who.")), _too_long(KEEP_AWAY_MAX)],
    )


class WithdrawForm(FlaskForm):
    how = RadioField(
        _l("How do you want to stop?"),
        choices=[
            SelectChoice("stop", _l("Stop the complaint. Keep what I wrote.")),
            SelectChoice("delete", _l("Stop the complaint and delete what I wrote, for good.")),
        ],
        validators=[DataRequired(message=_l("Please choose one."))],
    )


class SurveyForm(FlaskForm):
    respected = RadioField(
        _l("Did the board treat you with respect?"),
        choices=_radio_choices(ANSWER_LABELS),
        validators=[Optional()],
    )
    listened = RadioField(
        _l("Did you feel listened to?"),
        choices=_radio_choices(ANSWER_LABELS),
        validators=[Optional()],
    )
    would_use_again = RadioField(
        _l("Would you use this again, or tell a friend to?"),
        choices=_radio_choices(ANSWER_LABELS),
        validators=[Optional()],
    )


class ReferralAnswerForm(FlaskForm):
    # Which question is answered travels in the form, never in the URL.
    question = IntegerField(widget=HiddenInput(), validators=[DataRequired(), ids.id_range()])
    answer = RadioField(
        _l("Your answer"),
        choices=[
            SelectChoice("yes", _l("Yes, pass it on")),
            SelectChoice("no", _l("No, do not pass it on")),
        ],
        validators=[DataRequired(message=_l("Please choose yes or no."))],
    )


def _an_email_address(_form: FlaskForm, field: StringField) -> None:
    try:
        field.data = news.clean(field.data)
    except news.BadAddress as error:
        raise ValidationError(
            _l("Please check the email address. It looks like name@example.org.")
        ) from error


class NewsForm(FlaskForm):
    """An email address to be told, with no details, when there is news."""

    email = EmailField(
        _l("Your email address"),
        validators=[
            DataRequired(message=_l("Please write your email address.")),
            Length(
                max=news.ADDRESS_MAX,
                message=_l("An email address is at most %(max)d characters. Please check it."),
            ),
            _an_email_address,
        ],
    )
