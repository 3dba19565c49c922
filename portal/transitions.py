"""Which status a case may move to from which, and who may move it.

The board moves cases along this table; "resolved" needs a recorded decision and
"referred" needs the complainant's yes, so neither is reachable by a plain status change.
The complainant may withdraw at any time before the case is closed.
"""

from __future__ import annotations

from portal.choices import Status

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
}

# Reached only through their own actions, each with its own checks.
DECIDE_FROM = frozenset({S.TRIAGED, S.IN_REVIEW, S.WAITING, S.REFERRED})
REFER_FROM = frozenset({S.TRIAGED, S.IN_REVIEW, S.WAITING})
WITHDRAW_FROM = frozenset(set(Status) - {S.CLOSED, S.WITHDRAWN})


class TransitionNotAllowed(ValueError):
    """That move is not in the table."""


def board_may_move(current: str, target: str) -> bool:
    return Status(target) in BOARD_MOVES[Status(current)]


def check_board_move(current: str, target: str) -> None:
    if not board_may_move(current, target):
        raise TransitionNotAllowed(f"{current} -> {target}")
