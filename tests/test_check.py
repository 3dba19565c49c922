"""Coming back with a claim code: checking it, the open case, leaving and the quick exit."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import db
from portal.models import CaseAccess, Complaint
from portal.security import claimcodes
from tests.builders import other_secret
from tests.conftest import Participant, hidden_value


def hasher(app: Flask) -> claimcodes.CodeHasher:
    return app.extensions["portal.hasher"]


def typo_of(code: str) -> str:
    last = code[-1]
    wrong = claimcodes.ALPHABET[(claimcodes.ALPHABET.index(last) + 1) % 32]
    return code[:-1] + wrong


def test_a_good_code_opens_the_case_with_the_persons_words(participant: Participant) -> None:
    code = participant.file_and_get_code(narrative="They searched me <b>for no reason</b>.")
    response = participant.check(code)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == "/case"
    page = participant.client.get("/case").get_data(as_text=True)
    assert "They searched me &lt;b&gt;for no reason&lt;/b&gt;." in page
    assert "It is waiting for the review board to start on it." in page
    assert code[:4] in page  # the reference
    assert code not in page  # never the whole code again


@pytest.mark.parametrize(
    "typed",
    ["{code}", "{lower}", "{spaced}", "{oh_for_zero}"],
)
def test_the_code_can_be_typed_loosely(participant: Participant, typed: str) -> None:
    code = participant.file_and_get_code()
    text = typed.format(
        code=code,
        lower=code.lower(),
        spaced=code.replace("-", "  "),
        oh_for_zero=code.replace("0", "O"),
    )
    assert participant.check(text).status_code == HTTPStatus.SEE_OTHER


def test_a_typo_is_caught_at_once_without_argon2_or_a_try_used(
    participant: Participant, app: Flask, config
) -> None:
    code = participant.file_and_get_code()
    before = hasher(app).verify_calls
    allowed = int(config.check_limit_per_client.split()[0])
    for _ in range(allowed + 5):
        page = participant.check(typo_of(code)).get_data(as_text=True)
        assert "One of the characters looks wrong" in page
    assert hasher(app).verify_calls == before
    assert participant.check(code).status_code == HTTPStatus.SEE_OTHER


def test_an_unknown_code_and_a_wrong_secret_get_the_same_answer(participant: Participant) -> None:
    code = participant.file_and_get_code()
    unknown_locator = next(
        c for c in (claimcodes.new_code().display for _ in range(100)) if c[:4] != code[:4]
    )
    wrong_secret = participant.check(other_secret(code))
    unknown = participant.check(unknown_locator)
    assert wrong_secret.status_code == unknown.status_code == HTTPStatus.OK
    message = "We could not open a complaint with that code."
    assert message in wrong_secret.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


@pytest.mark.parametrize("stored", [1, 60])
def test_one_argon2_verification_per_check_whatever_is_stored(
    client, app: Flask, stored: int
) -> None:
    codes = [Participant(client).file_and_get_code() for _ in range(min(stored, 9))]
    with app.app_context():
        # Beyond the filing limit, add rows directly: only the count matters here.
        session = db.session()
        template = session.scalars(select(Complaint)).first()
        for i in range(stored - len(codes)):
            session.add(
                Complaint(
                    locator=f"Z{i:03d}"[:4],
                    secret_hash=template.secret_hash,
                    narrative="filler",
                    created_on=template.created_on,
                    updated_on=template.updated_on,
                )
            )
        session.commit()
        assert session.scalar(select(func.count()).select_from(Complaint)) == stored
    person = Participant(client)
    for guess in (codes[0], other_secret(codes[0]), claimcodes.new_code("YYYY").display):
        before = hasher(app).verify_calls
        person.check(guess)
        assert hasher(app).verify_calls - before == 1


def test_checks_are_limited_per_client_with_a_calm_page(participant: Participant, config) -> None:
    code = participant.file_and_get_code()
    allowed = int(config.check_limit_per_client.split()[0])
    for _ in range(allowed):
        assert participant.check(other_secret(code)).status_code == HTTPStatus.OK
    blocked = participant.check(code)
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = blocked.get_data(as_text=True)
    wait = re.search(r"Please try again in (\d+) minutes\.", page)
    assert wait is not None
    assert 15 <= int(wait.group(1)) <= 16
    assert int(blocked.headers["Retry-After"]) > 0
    # Another connection is not held back by this one.
    assert participant.check(code, REMOTE_ADDR="192.0.2.77").status_code == HTTPStatus.SEE_OTHER


def test_guessers_on_many_addresses_cannot_lock_everyone_out(
    participant: Participant, config
) -> None:
    """There is no site-wide limit to trip: 61 addresses spending all their tries (more than
    the old limit for everyone together) leave a person elsewhere checking as usual."""
    code = participant.file_and_get_code()
    guesser = Participant(participant.client)
    token = hidden_value(guesser.client.get("/check").get_data(as_text=True), "csrf_token")
    allowed = int(config.check_limit_per_client.split()[0])
    for address in range(61):
        for _ in range(allowed):
            answer = guesser.client.post(
                "/check",
                data={"csrf_token": token, "code": other_secret(code)},
                environ_base={"REMOTE_ADDR": f"198.51.100.{address}"},
            )
            assert answer.status_code == HTTPStatus.OK
    assert participant.check(code, REMOTE_ADDR="192.0.2.200").status_code == HTTPStatus.SEE_OTHER


def test_the_case_closes_after_fifteen_idle_minutes(participant: Participant, clock) -> None:
    participant.check(participant.file_and_get_code())
    clock.advance(minutes=14)
    assert participant.client.get("/case").status_code == HTTPStatus.OK
    clock.advance(minutes=14)  # activity above moved the idle timer on
    assert participant.client.get("/case").status_code == HTTPStatus.OK
    clock.advance(minutes=15, seconds=1)
    closed = participant.client.get("/case")
    assert closed.status_code == HTTPStatus.SEE_OTHER
    assert closed.headers["Location"] == "/check"
    page = participant.client.get("/check").get_data(as_text=True)
    assert "your complaint closed" in page


def test_leave_ends_the_case_on_the_server(participant: Participant, app: Flask) -> None:
    participant.check(participant.file_and_get_code())
    with participant.client.session_transaction() as session:
        stolen_cookie_value = session["case"]
    response = participant.client.post("/leave")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert participant.client.get("/case").status_code == HTTPStatus.SEE_OTHER
    # A copy of the old cookie no longer opens anything.
    with participant.client.session_transaction() as session:
        session["case"] = stolen_cookie_value
    assert participant.client.get("/case").status_code == HTTPStatus.SEE_OTHER
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(CaseAccess)) == 0


def test_quick_exit_ends_the_case_and_goes_to_the_neutral_site(
    participant: Participant, site
) -> None:
    participant.check(participant.file_and_get_code())
    response = participant.client.post("/exit")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == site.quick_exit_url
    assert participant.client.get("/case").status_code == HTTPStatus.SEE_OTHER


def test_quick_exit_works_from_a_page_left_open_for_hours(client, site) -> None:
    # No CSRF token at all: the exit must never trap anyone on an error page.
    response = client.post("/exit", data={"csrf_token": "stale"})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == site.quick_exit_url


@pytest.mark.parametrize("path", ["/", "/file", "/check", "/figures"])
def test_every_participant_page_has_the_quick_exit(client, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert 'action="/exit"' in page
    assert "Quick exit" in page


def test_the_code_never_travels_in_a_url_or_the_session(participant: Participant) -> None:
    code = claimcodes.parse(participant.file_and_get_code())
    response = participant.check(code.display)
    assert code.secret not in response.headers.get("Location", "")
    with participant.client.session_transaction() as session:
        stored = repr(dict(session))
    assert session["case"]  # the case is open...
    assert code.secret not in stored  # ...by an opaque id, not the code
    assert code.secret[:4] not in stored.upper()


def test_after_leaving_back_says_nothing_about_a_complaint(participant: Participant) -> None:
    participant.check(participant.file_and_get_code())
    participant.client.post("/exit")
    response = participant.client.get("/case", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "complaint closed" not in page
    assert "Your complaint" not in page


@pytest.mark.parametrize(
    ("path", "field", "words"),
    [
        ("/case/reply", "body", "My long answer."),
        ("/case/keep-away", "keep_away", "My uncle on the board"),
    ],
)
def test_words_written_while_the_case_timed_out_are_handed_back(
    participant: Participant, clock, path: str, field: str, words: str
) -> None:
    participant.check(participant.file_and_get_code())
    client = participant.client
    token = hidden_value(client.get("/case").get_data(as_text=True), "csrf_token")
    clock.advance(minutes=16)  # a slow writer: the case closes meanwhile
    response = client.post(path, data={"csrf_token": token, field: words})
    page = response.get_data(as_text=True)
    assert "closed while you were writing" in page
    assert words in page


def test_a_reply_replayed_after_the_quick_exit_shows_nothing(participant: Participant) -> None:
    participant.check(participant.file_and_get_code())
    client = participant.client
    token = hidden_value(client.get("/case").get_data(as_text=True), "csrf_token")
    client.post("/exit")
    response = client.post("/case/reply", data={"csrf_token": token, "body": "PLANTED-REPLAY"})
    assert "PLANTED-REPLAY" not in response.get_data(as_text=True)
