"""Which status a case may move to from which, and who may move it.

The board moves cases along this table; "resolved" needs a recorded decision and
"referred" needs the complainant's yes, so neither is reachable by a plain status change.
The complainant may withdraw at any time before the case is closed.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.choices import Status
from portal.errors import PersonFacingError
from portal.models import Complaint

S = Status

BOARD_MOVES: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.TRIAGED, S.IN_REVIEW, S.WAITING, S.CLOSED}),
    S.TRIAGED: frozenset({S.IN_REVIEW, S.WAITING, S.CLOSED}),
    S.IN_REVIEW: frozenset({S.WAITING, S.CLOSED}),
    S.WAITING: frozenset({S.TRIAGED, S.IN_REVIEW, S.CLOSED}),
    S.REFERRED: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.RESOLVED: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.CLOSED: frozenset({S.IN_REVIEW}),
    S.WITHDRAWN: frozenset(),
    # Left only by the board's new decision (portal.casework.reconsideration) or a withdrawal.
    S.RECONSIDERATION: frozenset(),
}

# Reached only through their own actions, each with its own checks.
DECIDE_FROM = frozenset({S.TRIAGED, S.IN_REVIEW, S.WAITING, S.REFERRED})
REFER_FROM = frozenset({S.TRIAGED, S.IN_REVIEW, S.WAITING})
WITHDRAW_FROM = frozenset(set(Status) - {S.CLOSED, S.WITHDRAWN})
# Asking again: once, after a decision (portal.casework.reconsideration has the other rules).
RECONSIDER_FROM = frozenset({S.RESOLVED, S.CLOSED})


class TransitionNotAllowed(PersonFacingError):
    """That move is not in the table (often: someone else moved the case first). The person
    reads the general "cannot be done now"; `move` says which move, for the code."""

    def __init__(self, move: str) -> None:
        super().__init__()
        self.move = move


def board_may_move(current: str, target: str) -> bool:
    return Status(target) in BOARD_MOVES[Status(current)]


def check_board_move(current: str, target: str) -> None:
    if not board_may_move(current, target):
        raise TransitionNotAllowed(f"{current} -> {target}")


def reaching(target: Status) -> frozenset[Status]:
    """The statuses from which the board may move a case to `target`."""
    return frozenset(source for source, targets in BOARD_MOVES.items() if target in targets)


def move(
    db: Session, complaint: Complaint, allowed_from: Collection[Status], target: Status
) -> str:
    """Move a case's status inside the caller's write transaction; return the status it left.

    The case is read again inside the transaction, with the row locked (PostgreSQL: FOR
    UPDATE; SQLite: the transaction already holds the write lock), so writers racing on one
    case (two decisions, a decision and a withdrawal) take turns, and each judges the status
    the one before it left: a second decision is refused, a withdrawal after a decision goes
    through. The UPDATE names the status it read, so a lost race can never write.
    """
    # The whole row, not only the status: a writer that runs second must not keep the first
    # writer's view of the case (a withdrawal with deletion clears what a decision just wrote;
    # setting an attribute to the value the session last saw would write nothing).
    db.refresh(complaint, with_for_update=True)
    before = complaint.status
    if Status(before) not in allowed_from:
        raise TransitionNotAllowed(f"{before} -> {target.value}")
    moved = db.execute(
        update(Complaint)
        .where(Complaint.id == complaint.id, Complaint.status == before)
        .values(status=target.value)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise TransitionNotAllowed(f"{before} -> {target.value}")
    db.refresh(complaint, attribute_names=["status"])
    return before
