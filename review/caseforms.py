"""Forms for the queue and the case page. Length caps everywhere; messages say how to fix
things."""

from __future__ import annotations

from flask import request
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
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
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


class LinkForm(FlaskForm):
    earlier = StringField(
        _l("Reference of the earlier complaint"),
        description=_l(
            "The 4 characters after “Case” at the top of its page. A second board member "
            "approves the link; then the person is asked to confirm."
        ),
        validators=[DataRequired(_l("Please type the 4-character reference.")), Length(max=10)],
    )
