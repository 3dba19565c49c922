"""Every case can be opened by at least one active board member, or the admins' home page
says at once that it cannot, why, and what would fix it.

The rule (portal.casework.visibility): a case held for the chair is for admins only, a sexual
misconduct case for trained members only, and never for a member who stepped away or was kept
away; only admins and reviewers open cases at all; every condition applies, none overrides
another. The site's first admin is trained by default, and the last trained member keeps the
flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from portal import create_app, db
from portal.board.accounts import Role
from portal.casework import queue, visibility
from portal.choices import Status
from portal.figures import figurerefresh, transparency
from portal.models import Account, AuditEvent, Complaint, Recusal
from tests.board import Board, csrf
from tests.builders import act, file_directly, ids, post_admin, signed_in
from tests.conftest import Participant

AT = dt.datetime(2026, 11, 2, 10, 30)

members = st.lists(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(list(Role)),
            "disabled": st.booleans(),
            "trained_sensitive": st.booleans(),
            "key_approved": st.booleans(),
        }
    ),
    max_size=5,
)


CASES = 12
DONE = {Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN}

complaints = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from([None, "police", "sexual"]),
            "held_for_chair": st.booleans(),
            "status": st.sampled_from([Status.RECEIVED, Status.IN_REVIEW, Status.CLOSED]),
        }
    ),
    min_size=CASES,
    max_size=CASES,
)


def test_the_queue_and_the_case_page_agree_and_every_case_has_someone_or_a_warning(
    app: Flask, clock
) -> None:
    """For generated members, cases (kind, held for the chair, status) and recusals: the queue
    (its page of cases and its counts by status, both SQL) lists exactly the cases the case
    page's single-case check lets the member open, and a case nobody can open is exactly one
    the admins' warning lists."""
    for _ in range(CASES):
        file_directly(app, clock)
    with app.app_context():
        case_ids = list(db.session().scalars(select(Complaint.id).order_by(Complaint.id)))

    @settings(max_examples=300, deadline=None)
    @given(
        members=members,
        shapes=complaints,
        recusals=st.sets(st.tuples(st.sampled_from(case_ids), st.integers(0, 4)), max_size=12),
    )
    def check(
        members: list[dict[str, object]],
        shapes: list[dict[str, object]],
        recusals: set[tuple[int, int]],
    ) -> None:
        with app.app_context():
            session = db.session()
            session.execute(delete(Recusal))
            session.execute(delete(Account))
            for case_id, shape in zip(case_ids, shapes, strict=True):
                session.execute(update(Complaint).where(Complaint.id == case_id).values(**shape))
            accounts = [
                Account(username=f"m{n}", password_hash="x", created_at=AT, **values)
                for n, values in enumerate(members)
            ]
            session.add_all(accounts)
            session.flush()
            for case_id, index in recusals:
                if index < len(accounts):
                    session.add(
                        Recusal(
                            complaint_id=case_id,
                            account_id=accounts[index].id,
                            reason="self",
                            created_at=AT,
                        )
                    )
            session.commit()

            flagged = dict(queue.unopenable(session))
            every = list(session.scalars(select(Complaint)))
            for member in accounts:
                may = [c for c in every if visibility.may_see(session, member, c)]
                listed = queue.page(session, member, queue.QueueFilter(), AT.date())
                assert {row.locator for row in listed.rows} == {
                    c.locator for c in may if c.status not in DONE
                }, (member.role, member.trained_sensitive)
                by_status = {status.value: 0 for status in Status}
                for complaint in may:
                    by_status[complaint.status] += 1
                assert listed.counts == by_status, (member.role, member.trained_sensitive)
            for complaint in every:
                someone = any(
                    not member.disabled
                    and member.key_approved
                    and visibility.may_see(session, member, complaint)
                    for member in accounts
                )
                # Exactly one: someone can open it, or the warning lists it.
                assert someone != (complaint.id in flagged), (complaint.kind, members)
                why = flagged.get(complaint.id)
                if why in (queue.Why.NO_TRAINED, queue.Why.NO_TRAINED_ADMIN):
                    assert complaint.kind == "sexual"
                if why in (queue.Why.NO_ADMIN, queue.Why.NO_TRAINED_ADMIN):
                    assert complaint.held_for_chair
                if why == queue.Why.STEPPED_AWAY:
                    assert any(complaint.id == case_id for case_id, _ in recusals)
            assert sum(queue.nobody_can_open(session).values()) == len(flagged)
            session.commit()

    check()


@pytest.fixture
def fresh(config, site, clock) -> Iterator[Flask]:
    """A site as it is before its first admin: no accounts and no board key yet."""
    application = create_app(config, site=site, now=clock)
    yield application
    figurerefresh.stop(application.extensions.get(transparency.CACHE_KEY, {}))
    application.extensions["portal.db"].engine.dispose()


def test_a_lone_admin_opens_a_sexual_misconduct_case_held_for_the_chair(
    fresh: Flask, clock
) -> None:
    """A fresh site, one admin: the case that nobody could open in issue 13."""
    chair = Board(fresh, clock).enroll(fresh.test_client(), Role.ADMIN, "chair")
    assert chair.board_recovery  # the site's first admin, who made the board key
    code = Participant(fresh.test_client()).file_and_get_code(
        narrative="LONE-ADMIN words about what he did",
        kind="sexual",
        keep_away="The reviewer who knows my family",
    )
    clock.advance(seconds=31)
    client = fresh.test_client()
    Board(fresh, clock).sign_in(client, chair)
    home = client.get("/review/").get_data(as_text=True)
    assert code[:4] in home
    assert "nobody can open" not in home
    page = client.get(f"/review/cases/{code[:4]}")
    assert page.status_code == HTTPStatus.OK
    assert "LONE-ADMIN words about what he did" in page.get_data(as_text=True)


def test_the_admins_home_page_names_cases_nobody_can_open_until_fixed(
    app: Flask, clock, board: Board
) -> None:
    locator = file_directly(app, clock, kind="sexual", narrative="He pressured me.")[:4]
    chair = signed_in(app, board, Role.ADMIN, "chair")  # the first admin: trained
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")  # not trained
    assert "nobody can open" not in chair.get("/review/").get_data(as_text=True)
    act(chair, locator, "recuse", confirm="y")  # the only trained member steps away
    home = chair.get("/review/").get_data(as_text=True)
    assert "1 case nobody can open" in home
    assert "Everyone who could open them has stepped away or was kept away." in home
    assert "then approve them" in home
    assert reviewer.get(f"/review/cases/{locator}").status_code == HTTPStatus.NOT_FOUND
    # The fix: an admin marks a trained reviewer as trained.
    post_admin(chair, f"/review/admin/accounts/{ids(app)['rev']}/flags", trained_sensitive="y")
    assert "nobody can open" not in chair.get("/review/").get_data(as_text=True)
    assert reviewer.get(f"/review/cases/{locator}").status_code == HTTPStatus.OK


def test_reviewers_are_not_told_about_cases_nobody_can_open(
    app: Flask, clock, board: Board
) -> None:
    file_directly(app, clock, kind="sexual")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    assert "nobody can open" not in reviewer.get("/review/").get_data(as_text=True)
    chair = signed_in(app, board, Role.ADMIN, "chair")
    with app.app_context():
        session = db.session()
        session.scalar(select(Account).where(Account.username == "chair")).trained_sensitive = False
        session.commit()
    home = chair.get("/review/").get_data(as_text=True)
    assert "1 case nobody can open" in home
    assert "no member who could open them is marked as trained" in home


# --- trained flags --------------------------------------------------------------------------


def trained(app: Flask) -> dict[str, bool]:
    with app.app_context():
        return dict(db.session().execute(select(Account.username, Account.trained_sensitive)).all())


def test_the_first_admin_is_trained_and_later_ones_are_not(app: Flask, board: Board) -> None:
    board.member(Role.ADMIN, "chair")
    board.member(Role.ADMIN, "second")
    board.member(Role.REVIEWER, "rev")
    assert trained(app) == {"chair": True, "second": False, "rev": False}


def test_an_admin_changes_their_own_trained_flag_but_not_the_last_one(
    app: Flask, board: Board
) -> None:
    chair = signed_in(app, board, Role.ADMIN, "chair")
    board.member(Role.REVIEWER, "rev")
    known = ids(app)
    own_flags = f"/review/admin/accounts/{known['chair']}/flags"
    page = chair.get("/review/admin/accounts").get_data(as_text=True)
    assert own_flags in page  # the admin's own row has its switch
    refused = post_admin(chair, own_flags)  # unticked: the last trained member
    assert "last active member trained for sexual misconduct cases" in refused
    assert trained(app)["chair"] is True
    post_admin(chair, f"/review/admin/accounts/{known['rev']}/flags", trained_sensitive="y")
    post_admin(chair, own_flags)
    assert trained(app) == {"chair": False, "rev": True}
    with app.app_context():
        event = db.session().scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (event.action, event.account_id, event.object_id) == (
            "account.change",
            known["chair"],
            str(known["chair"]),
        )


# --- the Accounts page ----------------------------------------------------------------------


def test_the_invite_form_starts_on_the_least_powerful_role(app: Flask, board: Board) -> None:
    chair = signed_in(app, board, Role.ADMIN, "chair")
    page = chair.get("/review/admin/accounts").get_data(as_text=True)
    assert '<option selected value="advocate">' in page
    token = csrf(chair, "/review/admin/accounts")
    made = chair.post("/review/admin/invites", data={"csrf_token": token, "role": "advocate"})
    assert made.status_code == HTTPStatus.OK


def test_each_account_shows_only_the_switches_its_role_uses(app: Flask, board: Board) -> None:
    chair = signed_in(app, board, Role.ADMIN, "chair")
    board.member(Role.REVIEWER, "rev")
    board.member(Role.ADVOCATE, "peer")
    page = chair.get("/review/admin/accounts").get_data(as_text=True)
    cards = {
        name: page[page.index(f"<h3>{name} ") :].split("</li>", 1)[0]
        for name in ("chair", "rev", "peer")
    }
    for name in ("chair", "rev"):
        assert 'name="trained_sensitive"' in cards[name]
        assert 'name="totp_required"' not in cards[name]  # they always need a second step
    assert 'name="totp_required"' in cards["peer"]
    assert 'name="trained_sensitive"' not in cards["peer"]  # advocates never read cases
