"""Forms for the hand-off page (review.handoff). Length caps on every field; the files are
checked against the complaint's own in `portal.casework.handoff`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.casework.handoff import RECIPIENT_MAX, TEXT_MAX


class HandoffForm(FlaskForm):
    text = TextAreaField(
        _l("What will be sent"),
        description=_l(
            "It starts from the person's own words. Take out anything that could identify "
            "them or other people: names, nicknames, phone numbers, addresses, birthdays, "
            "tattoos, the names of family or friends."
        ),
        validators=[
            DataRequired(_l("Please write what will be sent.")),
            Length(max=TEXT_MAX, message=_l("Please keep this under %(max)d characters.")),
        ],
        id="handoff-text",
    )
    recipient = StringField(
        _l("Name of the office that gets it"),
        description=_l("Optional. The person sees it, so they know exactly who gets it."),
        validators=[
            Optional(),
            Length(max=RECIPIENT_MAX, message=_l("Please keep this under %(max)d characters.")),
        ],
        id="handoff-recipient",
    )
    # Checked against the complaint's files by the domain, so no choices list here.
    files = SelectMultipleField(_l("Files to send"), validate_choice=False, coerce=str)
