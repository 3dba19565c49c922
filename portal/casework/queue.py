"""The review queue: what is new, urgent, waiting and old, for one board member.

Two queries per page whatever the page size: the counts by status, and the page of cases
with their assignees joined in (unread replies are counted on the complaint row). Both hold
only the cases the member may open (`portal.casework.visibility`).
"""

from __future__ import annotations

import base64
import binascii
import collections
import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import Select, and_, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from portal.board.accounts import CASE_ROLES
from portal.casework import visibility
from portal.choices import Status
from portal.models import Account, Complaint, Recusal, StatusCount, ordering

PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    kind: str | None = None
    urgent: bool = False
    assigned: str | None = None  # "me", "nobody", or None for anyone
    unread: bool = False
    older_than_days: int | None = None


@dataclasses.dataclass(frozen=True)
class Row:
    locator: str
    kind: str | None
    status: str
    created_on: dt.date
    urgent: bool
    unread: int
    assignee: str | None
    held: bool  # for the chair: someone is to be kept away before the board sees it
    case_id: int

    def age_days(self, today: dt.date) -> int:
        return (today - self.created_on).days

    @property
    def place(self) -> Place:
        return Place(self.urgent, self.created_on, self.case_id)


@dataclasses.dataclass(frozen=True)
class Place:
    """A place in the queue's order (urgent first, then oldest, then by id): a page starts
    after one, or ends before one. Pages are found from their place by the index that keeps
    the order, never by counting the rows before them, so a deep page costs what the first
    does, and a case filed or closed meanwhile never makes a page repeat or skip another.

    In a link it is a short token; it says no more than the case page's own address does
    (the day a case came in and its random id), and a token that does not read as a place
    is ignored: it only ever chooses where a page starts, never what the member may see."""

    urgent: bool
    created_on: dt.date
    case_id: int

    def token(self) -> str:
        raw = f"{int(self.urgent)}.{self.created_on.toordinal()}.{self.case_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def read(cls, token: str | None) -> Place | None:
        """The place a token stands for; None for anything else."""
        if not token or len(token) > TOKEN_LIMIT:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, binascii.Error):
            return None
        found = TOKEN_SHAPE.fullmatch(raw)
        if not found:
            return None
        urgent, day, case_id = (int(part) for part in found.groups())
        if not 0 < day <= dt.date.max.toordinal() or not 0 < case_id <= ordering.ID_LIMIT:
            return None
        return cls(urgent == 1, dt.date.fromordinal(day), case_id)


TOKEN_LIMIT = 40
TOKEN_SHAPE = re.compile(rb"([01])\.([0-9]{1,7})\.([0-9]{1,10})")


@dataclasses.dataclass(frozen=True)
class QueuePage:
    rows: list[Row]
    counts: dict[str, int]
    next: Place | None  # where the next page starts after, if there is one
    earlier: Place | None  # where the page before this one ends, if there is one


def _visible(statement: Select, account: Account) -> Select:
    return statement.where(visibility.visible_to(account))


def counts(db: Session, account: Account) -> dict[str, int]:
    """Cases per status this member may see (`visibility.visible_to`): the trigger-kept
    totals of the kinds they may open, less the few cases they are recused from or that are
    held for the chair. A handful of rows whatever the number of cases."""
    if not visibility.opens_kind(account, held=False, sexual=False):
        return {status.value: 0 for status in Status}
    statement = select(StatusCount.status, func.sum(StatusCount.n)).group_by(StatusCount.status)
    if not visibility.opens_kind(account, held=False, sexual=True):
        statement = statement.where(StatusCount.sensitive.is_(False))
    found = dict(db.execute(statement).all())
    recused = visibility.recused_from(account)
    # Two small queries, each on its own index, rather than one OR that scans every case.
    unseen = [select(Complaint.status, func.count()).where(Complaint.id.in_(recused))]
    if not visibility.opens_kind(account, held=True, sexual=False):
        unseen.append(
            select(Complaint.status, func.count()).where(
                visibility.held_is(True), Complaint.id.not_in(recused)
            )
        )
    for statement in unseen:
        if not visibility.opens_kind(account, held=False, sexual=True):
            statement = statement.where(visibility.sexual_is(False))
        for status, number in db.execute(statement.group_by(Complaint.status)).all():
            found[status] = found.get(status, 0) - number
    return {status.value: int(found.get(status.value) or 0) for status in Status}


def _listed(account: Account, query: QueueFilter, today: dt.date) -> Select:
    """The queue's rows for this member and filter, in no order yet."""
    assignee = aliased(Account)
    statement = select(
        Complaint.locator,
        Complaint.kind,
        Complaint.status,
        Complaint.created_on,
        Complaint.urgent,
        Complaint.unread_replies,
        assignee.username,
        Complaint.held_for_chair,
        Complaint.id,
    ).outerjoin(assignee, assignee.id == Complaint.assigned_to)
    statement = _visible(statement, account)
    if query.status:
        statement = statement.where(Complaint.status == query.status)
    else:
        # By default the queue is work still to do.
        done = (Status.CLOSED.value, Status.WITHDRAWN.value, Status.RESOLVED.value)
        statement = statement.where(Complaint.status.not_in(done))
    if query.kind:
        statement = statement.where(Complaint.kind == query.kind)
    if query.urgent:
        statement = statement.where(Complaint.urgent.is_(True))
    if query.assigned == "me":
        statement = statement.where(Complaint.assigned_to == account.id)
    elif query.assigned == "nobody":
        statement = statement.where(Complaint.assigned_to.is_(None))
    if query.unread:
        statement = statement.where(Complaint.unread_replies > 0)
    if query.older_than_days is not None:
        cutoff = today - dt.timedelta(days=query.older_than_days)
        statement = statement.where(Complaint.created_on < cutoff)
    return statement


def _run(db: Session, listed: Select, start: Place | None, forward: bool, wanted: int) -> list[Row]:
    """Up to `wanted` rows from `start` (not included), forward or back in the queue's order.

    Urgent cases and the rest are read one after the other, each with `urgent` fixed, so
    each read walks the index that keeps the order (held for the chair, urgent, created,
    id) from its place, and stops once it has enough."""
    groups = (True, False) if forward else (False, True)
    if start is not None:
        groups = groups[groups.index(start.urgent) :]
    rows: list[Row] = []
    for urgent in groups:
        statement = listed.where(Complaint.urgent == urgent)
        after = tuple_(Complaint.created_on, Complaint.id)
        if start is not None and urgent == start.urgent:
            place = (start.created_on, start.case_id)
            statement = statement.where(after > place if forward else after < place)
        order = (
            (Complaint.created_on, Complaint.id)
            if forward
            else (Complaint.created_on.desc(), Complaint.id.desc())
        )
        statement = statement.order_by(*order).limit(wanted - len(rows))
        rows += [Row(*values) for values in db.execute(statement).all()]
        if len(rows) >= wanted:
            break
    return rows if forward else rows[::-1]


def page(
    db: Session,
    account: Account,
    query: QueueFilter,
    today: dt.date,
    after: Place | None = None,
    before: Place | None = None,
) -> QueuePage:
    """A page of this member's queue: the first, the one after `after`, or the one before
    `before`. A page before which fewer than a page's worth of cases remain is the first."""
    listed = _listed(account, query, today)
    if before is not None and after is None:
        rows = _run(db, listed, before, forward=False, wanted=PAGE_SIZE + 1)
        if len(rows) > PAGE_SIZE:
            rows = rows[1:]
            return QueuePage(
                rows=rows,
                counts=counts(db, account),
                next=rows[-1].place,
                earlier=rows[0].place,
            )
        after = None  # back at the start
    rows = _run(db, listed, after, forward=True, wanted=PAGE_SIZE + 1)
    shown = rows[:PAGE_SIZE]
    return QueuePage(
        rows=shown,
        counts=counts(db, account),
        next=shown[-1].place if len(rows) > PAGE_SIZE else None,
        earlier=shown[0].place if after is not None and shown else None,
    )


# --- cases nobody can open ---------------------------------------------------------------


class Why(StrEnum):
    """Why no active member can open a case: the first rule that left nobody."""

    NO_MEMBER = "no_member"  # no active admin or reviewer approved for the board key
    NO_ADMIN = "no_admin"  # held for the chair, and no such admin
    NO_TRAINED_ADMIN = "no_trained_admin"  # held, sexual misconduct, no trained admin
    NO_TRAINED = "no_trained"  # sexual misconduct, no trained member
    STEPPED_AWAY = "stepped_away"  # everyone who could have opened it stepped or was kept away


def openers(db: Session) -> list[Account]:
    """Members who can open cases at all: active admins and reviewers approved for the key."""
    return list(
        db.scalars(
            select(Account).where(
                Account.role.in_([role.value for role in CASE_ROLES]),
                Account.disabled.is_(False),
                Account.key_approved.is_(True),
            )
        )
    )


def _eligible(members: Sequence[Account], held: bool, sexual: bool) -> list[Account]:
    """Who of `members` may open a case held (or not) and about sexual misconduct (or not),
    before recusals: `visibility.opens_kind`, the rule the queue's clause is made of."""
    return [m for m in members if visibility.opens_kind(m, held=held, sexual=sexual)]


def why_unopenable(
    members: Sequence[Account], held: bool, sexual: bool, recused: set[int]
) -> Why | None:
    """Why nobody in `members` can open a case like this; None if someone can."""
    if not members:
        return Why.NO_MEMBER
    if held and not _eligible(members, True, False):
        return Why.NO_ADMIN
    eligible = _eligible(members, held, sexual)
    if not eligible:
        return Why.NO_TRAINED_ADMIN if held else Why.NO_TRAINED
    if all(m.id in recused for m in eligible):
        return Why.STEPPED_AWAY
    return None


def unopenable(db: Session) -> list[tuple[int, Why]]:
    """Every case that no active member can open, and why.

    For each kind of case (held or not, sexual misconduct or not) the members who may open it
    are known from their roles and training alone. If there are none, every case of that kind
    is listed; otherwise only a case every one of them stepped away from, found in the
    recusals. So the cost follows the number of recusals, not of cases, until something is
    wrong."""
    members = openers(db)
    found: list[tuple[int, Why]] = []
    for held in (False, True):
        for sexual in (False, True):
            eligible = _eligible(members, held, sexual)
            where = and_(visibility.held_is(held), visibility.sexual_is(sexual))
            if eligible:
                all_away = (
                    select(Recusal.complaint_id)
                    .where(Recusal.account_id.in_([m.id for m in eligible]))
                    .group_by(Recusal.complaint_id)
                    .having(func.count(Recusal.account_id) == len(eligible))
                )
                # Read first, then looked up by id: as a subquery, SQLite walked every case
                # of the kind instead.
                away = list(db.scalars(all_away))
                statements = [
                    select(Complaint.id).where(Complaint.id.in_(away[i : i + 500]), where)
                    for i in range(0, len(away), 500)
                ]
            else:
                statements = [select(Complaint.id).where(where)]
            why = why_unopenable(members, held, sexual, {m.id for m in eligible})
            for statement in statements:
                found += [(case_id, why or Why.STEPPED_AWAY) for case_id in db.scalars(statement)]
    return found


def nobody_can_open(db: Session) -> dict[Why, int]:
    """How many cases nobody can open, by why: what the admins' home page warns about."""
    return dict(collections.Counter(why for _case, why in unopenable(db)))
