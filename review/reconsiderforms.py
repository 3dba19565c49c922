"""The board's forms for asking again and mediation (`review.reconsider`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from portal.choices import DISPOSITION_LABELS, MEDIATION_LABELS, Disposition
from portal.models import Complaint
from review.caseforms import PERSON_READS_HINT, _text


class RedecideForm(FlaskForm):
    disposition = SelectField(
        _l("The board's new decision"),
        description=_l(
            "The same as before, or a changed one. The person sees it above the letter."
        ),
        choices=[
            SelectChoice(d.value, label)
            for d, label in DISPOSITION_LABELS.items()
            if d != Disposition.WITHDRAWN
        ],
        id="redecide-disposition",
    )
    letter = _text(
        _l("New letter to the person, in plain words"),
        PERSON_READS_HINT,
        field_id="redecide-letter",
    )
    confirm = BooleanField(
        _l("This is the board's new decision"),
        description=_l("Recording it marks the case decided again. The person cannot ask twice."),
        validators=[DataRequired(_l("Please tick this box to confirm."))],
        id="redecide-confirm",
    )


class MediationRecordForm(FlaskForm):
    held = SelectField(
        _l("Was the mediation held?"),
        description=_l("Held means the person and the other side met with the mediator."),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        id="mediation-held",
    )
    outcome = SelectField(
        _l("How it ended"),
        description=_l("The person reads this on their case page, in their own words."),
        choices=[SelectChoice(o.value, label) for o, label in MEDIATION_LABELS.items()],
        id="mediation-outcome",
    )


def forms(complaint: Complaint) -> dict[str, object]:
    """This part's forms on the board's case page (`review.casepage.case_forms`)."""
    redecide = RedecideForm()
    if not redecide.is_submitted() and complaint.disposition in DISPOSITION_LABELS:
        redecide.disposition.data = complaint.disposition  # the same, unless the board changes it
    return {"redecide_form": redecide, "mediation_record_form": MediationRecordForm()}
