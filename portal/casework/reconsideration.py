"""Asking again, and mediation: what a person may ask for after filing or after the decision,
and what the board records in answer.

- Asking again: after the outcome letter, within the site's `reconsider_days` of the board's
  decision, the person may ask once for the board to look again, saying why (sealed like their
  other words). The case moves to "reconsideration" until the board records a new decision
  (the same, or changed) and a new letter; the first letter stays in the person's timeline.
- Mediation, where the site offers it: the person may ask for it once, on any case they have
  not withdrawn; the board records whether it was held and how it ended.

Every rule is checked again inside the write transaction, with the row locked, so two tabs
asking at once ask once. Each step is audited: the person's as a participant event (the hour
only, no case), the board's like its other actions on the case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.casework import cases, transitions
from portal.casework.cases import CaseActionError
from portal.casework.complaints import CodeInText
from portal.casework.transitions import RECONSIDER_FROM, TransitionNotAllowed
from portal.choices import MEDIATION_HELD, Disposition, MediationOutcome, Status
from portal.clock import hour_floor
from portal.db import write_transaction
from portal.models import Account, Complaint, StatusChange
from portal.security import audit, claimcodes, sealing

REASON_MAX = 5_000

# Why a person's request cannot be taken (the page says it kindly, in its own words).
ASKED = "asked"  # they already asked, once is all
LATE = "late"  # the days to ask have passed
WITHDRAWN = "withdrawn"  # a withdrawn case cannot ask
NOT_DECIDED = "not_decided"  # there is no decision to look at again (yet)
NOT_OFFERED = "not_offered"  # the program does not offer mediation
EMPTY = "empty"  # nothing written


class CannotAsk(ValueError):
    """The person's request does not apply to this case now; `why` says which rule."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclasses.dataclass(frozen=True)
class Standing:
    """What the person's case page offers and says about asking again and mediation."""

    can_ask: bool
    asked: bool
    deadline: dt.date | None  # the last day to ask, once there is a decision
    decided_again: bool
    changed: bool | None
    mediation_offered: bool
    can_ask_mediation: bool
    mediation_asked: bool
    mediation_outcome: str | None


def deadline(complaint: Complaint, days: int) -> dt.date | None:
    """The last day the person may ask again: `days` after the decision."""
    if complaint.outcome_letter is None or complaint.resolved_on is None:
        return None
    return complaint.resolved_on + dt.timedelta(days=days)


def why_not(complaint: Complaint, days: int, today: dt.date) -> str | None:
    """Why the person may not ask again now; None when they may."""
    if complaint.reconsider_asked_on is not None:
        return ASKED
    if Status(complaint.status) == Status.WITHDRAWN:
        return WITHDRAWN
    last = deadline(complaint, days)
    if last is None or Status(complaint.status) not in RECONSIDER_FROM:
        return NOT_DECIDED
    if today > last:
        return LATE
    return None


def standing(complaint: Complaint, days: int, offered: bool, today: dt.date) -> Standing:
    withdrawn = Status(complaint.status) == Status.WITHDRAWN
    return Standing(
        can_ask=why_not(complaint, days, today) is None,
        asked=complaint.reconsider_asked_on is not None,
        deadline=deadline(complaint, days),
        decided_again=complaint.reconsider_decided_on is not None,
        changed=complaint.reconsider_changed,
        mediation_offered=offered,
        can_ask_mediation=offered and not withdrawn and complaint.mediation_asked_on is None,
        mediation_asked=complaint.mediation_asked_on is not None,
        mediation_outcome=complaint.mediation_outcome,
    )


# --- the person ----------------------------------------------------------------------------


def ask(
    db: Session,
    complaint: Complaint,
    reason: str | None,
    now: dt.datetime,
    data_key: bytes,
    days: int,
) -> None:
    """Ask once for the board to look again at its decision, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise CannotAsk(EMPTY)
    if claimcodes.find_in_text(reason):
        raise CodeInText("reason")
    refused = why_not(complaint, days, now.date())
    if refused:
        raise CannotAsk(refused)
    with write_transaction(db):
        try:
            before = transitions.move(db, complaint, RECONSIDER_FROM, Status.RECONSIDERATION)
        except TransitionNotAllowed as error:
            raise CannotAsk(why_not(complaint, days, now.date()) or NOT_DECIDED) from error
        # The row as it stands now, under the lock: a second tab's request sees the first's.
        refused = why_not(complaint, days, now.date())
        if refused not in (None, NOT_DECIDED):  # NOT_DECIDED: the status just moved
            raise CannotAsk(refused)
        db.add(
            StatusChange(
                complaint_id=complaint.id,
                from_status=before,
                to_status=Status.RECONSIDERATION.value,
                reason=None,
                at=hour_floor(now),
            )
        )
        sealing.write_fields(complaint, data_key, reconsider_reason=reason[:REASON_MAX])
        complaint.reconsider_asked_on = now.date()
        complaint.updated_on = now.date()
        audit.record_participant(db, "complainant.reconsider", now=now)


def ask_mediation(db: Session, complaint: Complaint, now: dt.datetime, offered: bool) -> None:
    """Say they would like mediation. Once per case; not on a withdrawn one."""
    if not offered:
        raise CannotAsk(NOT_OFFERED)
    with write_transaction(db):
        db.refresh(complaint, with_for_update=True)
        if complaint.mediation_asked_on is not None:
            raise CannotAsk(ASKED)
        if Status(complaint.status) == Status.WITHDRAWN:
            raise CannotAsk(WITHDRAWN)
        complaint.mediation_asked_on = now.date()
        complaint.updated_on = now.date()
        audit.record_participant(db, "complainant.mediation", now=now)


# --- the board -----------------------------------------------------------------------------


def redecide(
    db: Session,
    account: Account,
    complaint: Complaint,
    *,
    disposition: str,
    letter: str,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """The board's new decision after the person asked again: the same outcome or a changed
    one, with a new letter. The first letter stays in the person's timeline."""
    if Disposition(disposition) == Disposition.WITHDRAWN:
        raise CaseActionError(_l("Please choose the board's decision."))
    letter = cases._clean(letter, "letter to the person")  # the rule every board text keeps
    if Status(complaint.status) != Status.RECONSIDERATION:
        raise TransitionNotAllowed(f"{complaint.status} -> resolved")
    with write_transaction(db):
        # The status first, so a lost race writes nothing; the letter is its reason, as it is
        # for the first decision.
        cases._move(
            db,
            account,
            complaint,
            Status.RESOLVED,
            letter,
            now,
            data_key,
            frozenset({Status.RECONSIDERATION}),
        )
        changed = disposition != complaint.disposition
        complaint.disposition = disposition
        sealing.write_fields(complaint, data_key, outcome_letter=letter)
        complaint.reconsider_decided_on = now.date()
        complaint.reconsider_changed = changed
        cases.record(
            db,
            "case.reconsider_decide",
            account,
            complaint,
            now,
            disposition=disposition,
            changed=changed,
        )


def record_mediation(
    db: Session,
    account: Account,
    complaint: Complaint,
    *,
    held: bool,
    outcome: str,
    now: dt.datetime,
) -> None:
    """Whether the mediation the person asked for was held, and how it ended. Once."""
    chosen = MediationOutcome(outcome)
    if chosen in MEDIATION_HELD and not held:
        raise CaseActionError(_l("If it settled things or not, it was held. Please check both."))
    if chosen == MediationOutcome.DECLINED and held:
        raise CaseActionError(_l("If the other side said no, it was not held. Please check both."))
    with write_transaction(db):
        db.refresh(complaint, with_for_update=True)
        if complaint.mediation_asked_on is None:
            raise CaseActionError(_l("The person has not asked for mediation."))
        if complaint.mediation_recorded_on is not None:
            raise CaseActionError(_l("How the mediation ended is already recorded."))
        complaint.mediation_held = held
        complaint.mediation_outcome = chosen.value
        complaint.mediation_recorded_on = now.date()
        complaint.updated_on = now.date()
        cases.record(db, "case.mediation", account, complaint, now, held=held, outcome=chosen.value)
