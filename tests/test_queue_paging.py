"""The queue's pages, walked by their links as a board member would: every case the member may
open, once each, in the queue's order, whoever they are and whatever changes meanwhile; and
no address typed or edited by hand gives anything worse than the first page."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from http import HTTPStatus

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from portal import db
from portal.board.accounts import Role
from portal.casework import queue, visibility
from portal.choices import Status
from portal.models import Account, Complaint, Recusal
from portal.models.ordering import ID_LIMIT
from tests.board import Board
from tests.builders import signed_in

DONE = {Status.RESOLVED.value, Status.CLOSED.value, Status.WITHDRAWN.value}
CASE_LINK = re.compile(r'href="/review/cases/([0-9A-Z]{4})"')
FIRST_DAY = dt.date(2026, 6, 1)


def link(page: str, words: str) -> str | None:
    found = re.search(rf'<a href="([^"]*)">{words}</a>', page)
    return html.unescape(found.group(1)) if found else None


def add_cases(app: Flask, count: int, start: int = 0, **fixed: object) -> list[str]:
    """`count` cases of every shape the queue tells apart: urgent or not, held for the chair,
    about sexual misconduct, closed, and many filed on the same day (ordered by id then)."""
    kinds = ["police", "sexual", None, "housing"]
    locators = []
    with app.app_context():
        session = db.session()
        for i in range(start, start + count):
            values = {
                "kind": kinds[i % 4],
                "urgent": i % 5 == 0,
                "held_for_chair": i % 7 == 3,
                "status": Status.CLOSED.value if i % 9 == 4 else Status.RECEIVED.value,
                "created_on": FIRST_DAY + dt.timedelta(days=i % 17),
            } | fixed
            locator = f"Q{i:03d}"
            session.add(
                Complaint(
                    locator=locator,
                    secret_hash="x",
                    narrative="filler",
                    updated_on=FIRST_DAY,
                    **values,
                )
            )
            locators.append(locator)
        session.commit()
    return locators


def members(app: Flask, board: Board) -> dict[str, FlaskClient]:
    """An admin (trained, the first), a trained and an untrained reviewer; each reviewer
    stepped away from a few cases."""
    clients = {
        "admin": signed_in(app, board, Role.ADMIN, "chair"),
        "trained": signed_in(app, board, Role.REVIEWER, "trained"),
        "untrained": signed_in(app, board, Role.REVIEWER, "untrained"),
    }
    with app.app_context():
        session = db.session()
        session.execute(
            update(Account).where(Account.username == "trained").values(trained_sensitive=True)
        )
        ids = sorted(session.scalars(select(Complaint.id)))
        for name, step in (("trained", 11), ("untrained", 13)):
            account = session.scalar(select(Account).where(Account.username == name))
            for case_id in ids[1::step]:
                session.add(
                    Recusal(
                        complaint_id=case_id,
                        account_id=account.id,
                        reason="self",
                        created_at=dt.datetime(2026, 11, 1),
                    )
                )
        session.commit()
    return clients


def expected(app: Flask, username: str, **only: object) -> list[str]:
    """The cases the single-case check lets this member open, still open, in queue order."""
    with app.app_context():
        session = db.session()
        account = session.scalar(select(Account).where(Account.username == username))
        cases = [
            c
            for c in session.scalars(select(Complaint))
            if c.status not in DONE
            and visibility.may_see(session, account, c)
            and all(getattr(c, k) == v for k, v in only.items())
        ]
    cases.sort(key=lambda c: (not c.urgent, c.created_on, c.id))
    return [c.locator for c in cases]


def walk(client: FlaskClient, path: str = "/review/") -> list[list[str]]:
    """Every page from `path` on, by the "Next page" links."""
    pages = []
    while path:
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK
        page = response.get_data(as_text=True)
        pages.append(CASE_LINK.findall(page))
        path = link(page, "Next page")
        assert len(pages) < 20
    return pages


USERNAMES = {"admin": "chair", "trained": "trained", "untrained": "untrained"}


def test_each_member_pages_through_every_case_they_may_open_once_in_order(
    app: Flask, board: Board
) -> None:
    add_cases(app, 130)
    clients = members(app, board)
    seen = {}
    for name, client in clients.items():
        pages = walk(client)
        assert [len(p) for p in pages[:-1]] == [queue.PAGE_SIZE] * (len(pages) - 1)
        listed = [locator for page in pages for locator in page]
        assert listed == expected(app, USERNAMES[name]), name
        seen[name] = set(listed)
        # And back again by the "Previous page" links, page for page.
        path = None
        response = client.get("/review/")
        while next_path := link(response.get_data(as_text=True), "Next page"):
            path, response = next_path, client.get(next_path)
        back = [CASE_LINK.findall(response.get_data(as_text=True))]
        while path := link(response.get_data(as_text=True), "Previous page"):
            response = client.get(path)
            back.insert(0, CASE_LINK.findall(response.get_data(as_text=True)))
        assert back == pages, name
    # They saw different cases: the admin's queue had 3 pages, the others fewer cases.
    assert seen["untrained"] < seen["admin"]
    assert seen["trained"] < seen["admin"]
    assert seen["trained"] - seen["untrained"]
    assert len(walk(clients["admin"])) == 3


def test_a_filter_holds_from_page_to_page(app: Flask, board: Board) -> None:
    add_cases(app, 130, kind="police")
    add_cases(app, 40, start=200, kind="housing")
    clients = members(app, board)
    for name, client in clients.items():
        pages = walk(client, "/review/?kind=police")
        assert len(pages) >= 2
        listed = [locator for page in pages for locator in page]
        assert listed == expected(app, USERNAMES[name], kind="police"), name


def test_cases_filed_or_closed_while_paging_never_repeat_or_skip_another(
    app: Flask, clock, board: Board
) -> None:
    add_cases(app, 130)
    clients = members(app, board)
    for number, (name, client) in enumerate(clients.items()):
        before = expected(app, USERNAMES[name])
        first = client.get("/review/").get_data(as_text=True)
        pages = [CASE_LINK.findall(first)]
        with app.app_context():
            session = db.session()
            # Someone closes a case this member has already seen, and new ones come in,
            # urgent and not, filed today and (late data entry) on the first day.
            session.execute(
                update(Complaint)
                .where(Complaint.locator == pages[0][0])
                .values(status=Status.CLOSED.value)
            )
            session.commit()
        add_cases(app, 2, start=300 + 10 * number, created_on=FIRST_DAY)
        add_cases(app, 2, start=305 + 10 * number, created_on=FIRST_DAY + dt.timedelta(days=90))
        pages += walk(client, link(first, "Next page"))
        listed = [locator for page in pages for locator in page]
        assert len(listed) == len(set(listed)), name  # nothing twice
        after = set(expected(app, USERNAMES[name]))
        for locator in before:  # every case open throughout was listed
            assert locator in listed or locator not in after, (name, locator)
        older = [locator for locator in listed if locator in before]
        assert older == sorted(older, key=before.index), name  # still in order


def token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GARBAGE = [
    "",
    "x",
    "!!!",
    "%00",
    "a" * 5000,
    token(b"2.738000.5"),
    token(b"1.99999999999.5"),
    token(b"1.0.5"),
    token(b"1.-3.5"),
    token(b"1.738000.-5"),
    token(b"1.738000.0"),
    token(b"1.738000.99999999999999999999"),
    token(b"1.738000"),
    token(b"1.738000.5.6"),
    token(b"\xff\xfe.1.1"),
    token(b" 1.738000.5"),
    token(b"1_0.738_000.5"),
    token("١.738000.5".encode()),
    "1.738000.5",
]


def test_a_hand_edited_place_gives_the_first_page(app: Flask, board: Board) -> None:
    add_cases(app, 60)
    client = signed_in(app, board, Role.REVIEWER, "untrained")
    police = expected(app, "untrained", kind="police")
    assert police
    for name in ("after", "before", "page"):
        for value in GARBAGE:
            response = client.get("/review/", query_string={name: value, "kind": "police"})
            assert response.status_code == HTTPStatus.OK, (name, value)
            assert CASE_LINK.findall(response.get_data(as_text=True)) == police, (name, value)


def test_any_text_as_a_place_is_answered(app: Flask, board: Board) -> None:
    add_cases(app, 12)
    client = signed_in(app, board, Role.REVIEWER, "trained")

    @settings(max_examples=80, deadline=None)
    @given(after=st.text(max_size=60), before=st.text(max_size=60), page=st.text(max_size=8))
    def check(after: str, before: str, page: str) -> None:
        query = {"after": after, "before": before, "page": page}
        assert client.get("/review/", query_string=query).status_code == HTTPStatus.OK

    check()


def test_old_page_numbers_give_the_first_page(app: Flask, board: Board) -> None:
    add_cases(app, 60)
    client = signed_in(app, board, Role.ADMIN, "chair")
    first = client.get("/review/").get_data(as_text=True)
    for number in ("2", "3", "-1", "0", "99999999999999999999"):
        page = client.get(f"/review/?page={number}").get_data(as_text=True)
        assert CASE_LINK.findall(page) == CASE_LINK.findall(first)


places = st.builds(
    queue.Place,
    urgent=st.booleans(),
    created_on=st.dates(),
    case_id=st.integers(1, ID_LIMIT),
)


@given(place=places)
def test_a_place_reads_back_from_its_token(place: queue.Place) -> None:
    text = place.token()
    assert queue.Place.read(text) == place
    assert len(text) <= queue.TOKEN_LIMIT
    assert re.fullmatch(r"[A-Za-z0-9_-]+", text)  # nothing to escape in an address


def test_the_links_carry_no_reference_or_words(app: Flask, board: Board) -> None:
    add_cases(app, 60)
    client = signed_in(app, board, Role.ADMIN, "chair")
    page = client.get("/review/").get_data(as_text=True)
    next_page = link(page, "Next page")
    assert next_page
    assert re.fullmatch(r"/review/\?after=[A-Za-z0-9_-]+", next_page)
    for locator in CASE_LINK.findall(page):
        assert locator not in next_page
