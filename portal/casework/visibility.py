"""Who may open a case: the rule, once.

A case held for the chair (the person named someone to keep away) is for admins only; a case
about sexual misconduct is for members trained for such cases only; and never a case the
member stepped away from or was kept away from. Only the roles that work cases open any.
Every condition applies; none overrides another.

`visible_to` is the rule as one SQL clause. The queue lists with it, and `may_see` asks the
database the same clause about one case, so the list and the case page cannot disagree.
`opens_kind` is the same rule before recusals, for a kind of case, which tells which members
could open it at all (`portal.casework.queue.unopenable`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from portal.board.accounts import CASE_ROLES, Role
from portal.choices import Kind
from portal.models import Account, Complaint, Recusal


def is_sensitive(complaint: Complaint) -> bool:
    return complaint.kind == Kind.SEXUAL


def opens_kind(account: Account, *, held: bool, sexual: bool) -> bool:
    """Whether the account may open a case held for the chair (or not) and about sexual
    misconduct (or not), leaving recusals aside."""
    role = Role(account.role)
    if role not in CASE_ROLES:
        return False
    if held and role != Role.ADMIN:
        return False  # the person named someone to keep away; the chair acts first
    return not sexual or account.trained_sensitive


def recused_from(account: Account) -> Select:
    """The ids of the cases this member stepped away from or was kept away from."""
    return select(Recusal.complaint_id).where(Recusal.account_id == account.id)


def held_is(held: bool) -> ColumnElement[bool]:
    return Complaint.held_for_chair.is_(held)


def sexual_is(sexual: bool) -> ColumnElement[bool]:
    is_sexual = Complaint.kind == Kind.SEXUAL.value
    return (
        is_sexual if sexual else or_(Complaint.kind.is_(None), Complaint.kind != Kind.SEXUAL.value)
    )


def kind_limits(account: Account) -> list[ColumnElement[bool]]:
    """The conditions on a case's kind (held, sexual) for an account of a case role. The
    rule is a conjunction, so a kind the account may not open is excluded on its own."""
    limits = []
    if not opens_kind(account, held=True, sexual=False):
        limits.append(held_is(False))
    if not opens_kind(account, held=False, sexual=True):
        limits.append(sexual_is(False))
    return limits


def visible_to(account: Account) -> ColumnElement[bool]:
    """The cases this account may open, as a clause on `Complaint`."""
    if not opens_kind(account, held=False, sexual=False):
        return false()
    return and_(Complaint.id.not_in(recused_from(account)), *kind_limits(account))


def may_see(db: Session, account: Account, complaint: Complaint) -> bool:
    """`visible_to`, asked of the database for one case."""
    return bool(
        db.scalar(select(exists().where(Complaint.id == complaint.id, visible_to(account))))
    )
