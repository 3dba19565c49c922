"""Pattern alerts: several independent complaints naming the same officer or service provider.

One complaint must never mark a person, so nothing is shown below the site's
`pattern_threshold`. Complaints count as independent when they are separate people's: two
cases the complainant confirmed are theirs (a lost code, `CaseLink`) count once, and a
withdrawn complaint does not count, since the person took it back.

A board member sees an alert only for the cases they may see (recusal, sexual-misconduct
training) and only when those alone reach the threshold, so an alert never tells them that a
case they are kept away from exists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.casework.visibility import may_see
from portal.choices import ActorKind, LinkState, Status
from portal.models import Account, CaseLink, Complaint

OFFICER = "officer"
PROVIDER = "provider"
_SPACES_AND_HASHES = re.compile(r"[\s#]+")
_BADGE_PREFIX = re.compile(r"^badge(?:number|num\.?|no\.?)?[:.\-]*")


def badge(text: str | None) -> str:
    """A badge number or name as typed, made comparable: case, spaces, '#' and a leading
    'badge' (or 'badge no.') do not matter. '' when nothing is left."""
    if not text:
        return ""
    folded = _SPACES_AND_HASHES.sub("", text.casefold())
    return _BADGE_PREFIX.sub("", folded)


def agency(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def officer_key(officer: str | None, agency_text: str | None) -> str | None:
    """'This badge at this agency' in comparable form, or None when nobody is named. Once the
    officer field is encrypted, `Complaint.officer_tag` is a keyed hash of exactly this, and
    alerts group by the tag instead."""
    named = badge(officer)
    return f"{agency(agency_text)}|{named}" if named else None


@dataclasses.dataclass(frozen=True)
class PatternCase:
    locator: str
    created_on: dt.date
    status: str
    kind: str | None


@dataclasses.dataclass(frozen=True)
class Alert:
    kind: str  # OFFICER or PROVIDER
    agency: str  # as first written
    # The comparable badge or name; '' for a provider, or when only a keyed tag is stored.
    officer: str
    complaints: int  # independent complaints among the cases listed
    cases: tuple[PatternCase, ...]


def _people(db: Session, ids: set[int]) -> dict[int, int]:
    """Each complaint's person: complaints joined by a confirmed link share one."""
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = db.execute(
        select(CaseLink.new_id, CaseLink.earlier_id).where(CaseLink.state == LinkState.CONFIRMED)
    )
    for new, earlier in links:
        if new in parent and earlier in parent:
            parent[root(new)] = root(earlier)
    return {i: root(i) for i in ids}


def alerts(db: Session, account: Account, threshold: int) -> list[Alert]:
    """The alerts this board member may see, most complaints first."""
    columns = (
        Complaint.id,
        Complaint.actor_kind,
        Complaint.agency,
        Complaint.officer,
        Complaint.officer_tag,
    )
    rows = db.execute(
        select(*columns).where(
            Complaint.status != Status.WITHDRAWN.value,
            Complaint.text_deleted.is_(False),
            or_(
                Complaint.officer.is_not(None),
                Complaint.officer_tag.is_not(None),
                Complaint.actor_kind == ActorKind.PROVIDER.value,
            ),
        )
    )
    groups: dict[tuple[str, str, str], list[int]] = {}
    for complaint_id, actor_kind, agency_text, officer, tag in rows:
        place = agency(agency_text)
        # The officer field is encrypted; only its keyed tag (portal.casework.tags) can be grouped.
        named = f"tag:{tag}" if tag else ""
        del officer
        if named:
            groups.setdefault((OFFICER, "" if tag else place, named), []).append(complaint_id)
        if actor_kind == ActorKind.PROVIDER.value and place:
            groups.setdefault((PROVIDER, place, ""), []).append(complaint_id)
    candidates = {key: ids for key, ids in groups.items() if len(ids) >= threshold}
    wanted = {i for ids in candidates.values() for i in ids}
    people = _people(db, wanted)
    loaded = {c.id: c for c in db.scalars(select(Complaint).where(Complaint.id.in_(wanted)))}
    found_alerts = []
    for (kind, _place, named), ids in candidates.items():
        if len({people[i] for i in ids}) < threshold:
            continue
        visible = sorted(
            (loaded[i] for i in ids if may_see(db, account, loaded[i])),
            key=lambda c: (c.created_on, c.id),
        )
        independent = len({people[c.id] for c in visible})
        if independent < threshold:
            continue
        found_alerts.append(
            Alert(
                kind,
                visible[0].agency or "",
                "" if named.startswith("tag:") else named,
                independent,
                tuple(PatternCase(c.locator, c.created_on, c.status, c.kind) for c in visible),
            )
        )
    return sorted(found_alerts, key=lambda a: (-a.complaints, a.kind, a.agency, a.officer))
