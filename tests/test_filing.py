"""Filing a complaint through the real form, as a person on a phone would."""

from __future__ import annotations

import html
import time
from http import HTTPStatus

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import create_engine, select

from portal import db
from portal.models import Complaint, Demographics, FilingReceipt, StatusChange
from portal.participant.forms import LONG_TEXT_MAX, NARRATIVE_MAX, PSEUDONYM_MAX, SHORT_TEXT_MAX
from portal.security import claimcodes
from tests.builders import count
from tests.conftest import Participant, case_text, code_on_page, give_board_key, hidden_value


def only_complaint(app: Flask) -> Complaint:
    with app.app_context():
        return db.session().scalars(select(Complaint)).one()


def test_the_form_asks_only_what_happened_as_required(client) -> None:
    page = client.get("/file").get_data(as_text=True)
    assert "What happened?" in page
    assert page.count("(optional)") >= 10
    for question in ("Are you safe right now?", "Roughly where?", "A made-up name"):
        assert question in page
    assert 'type="file"' in page  # photos and papers, optional
    assert 'enctype="multipart/form-data"' in page


def test_a_complaint_with_only_what_happened_is_filed(participant: Participant, app: Flask) -> None:
    response = participant.file(narrative="The officer pushed me and took my bag.")
    assert response.status_code == HTTPStatus.OK
    page = response.get_data(as_text=True)
    code = claimcodes.parse(code_on_page(page))
    assert "Write it down" in page
    complaint = only_complaint(app)
    assert case_text(app, complaint).narrative == "The officer pushed me and took my bag."
    assert complaint.locator == code.locator
    assert complaint.status == "received"
    assert count(app, StatusChange) == 1
    assert count(app, Demographics) == 0


def test_every_answer_is_stored(participant: Participant, app: Flask) -> None:
    participant.file(
        narrative="He said he would arrest me unless I told him names.",
        kind="pressure",
        actor_kind="police",
        agency="County sheriff's office",
        officer="Badge 4471",
        when_text="Last Tuesday night",
        where_text="Near 3rd and Pine",
        wants="I want it to stop.",
        safe_now="yes",
        assisted_by="advocate",
        pseudonym="Robin",
        race="black",
        gender="trans_woman",
        age_band="25_34",
    )
    complaint = only_complaint(app)
    text = case_text(app, complaint)
    assert (complaint.kind, complaint.actor_kind, complaint.agency) == (
        "pressure",
        "police",
        "County sheriff's office",
    )
    assert (text.officer, text.when_text, text.where_text) == (
        "Badge 4471",
        "Last Tuesday night",
        "Near 3rd and Pine",
    )
    assert (text.wants, text.pseudonym, complaint.assisted_by) == (
        "I want it to stop.",
        "Robin",
        "advocate",
    )
    assert complaint.urgent is False
    with app.app_context():
        demographics = db.session().get(Demographics, complaint.id)
        assert (demographics.race, demographics.gender, demographics.age_band) == (
            "black",
            "trans_woman",
            "25_34",
        )


def test_the_day_is_stored_not_the_time(participant: Participant, app: Flask, clock) -> None:
    participant.file()
    complaint = only_complaint(app)
    assert complaint.created_on == clock.moment.date()
    with app.app_context():
        change = db.session().scalars(select(StatusChange)).one()
        assert change.at == clock.moment.replace(minute=0, second=0, microsecond=0)


def test_missing_what_happened_is_explained_and_keeps_the_rest(
    participant: Participant, app: Flask
) -> None:
    response = participant.file(narrative="   ", where_text="Near the library", wants="An apology")
    page = response.get_data(as_text=True)
    assert "Please tell us what happened. A few words are enough." in page
    assert 'href="#narrative"' in page  # the summary links to the box
    assert "Near the library" in page
    assert "An apology" in page
    assert count(app, Complaint) == 0


def test_not_safe_shows_local_help_first(participant: Participant, app: Flask, site) -> None:
    page = participant.file(safe_now="no").get_data(as_text=True)
    assert "You said you are not safe right now" in page
    for place in site.help_resources:
        assert html.escape(place.name) in page
    assert only_complaint(app).urgent is True


def test_safe_does_not_show_the_help_box(participant: Participant) -> None:
    page = participant.file(safe_now="yes").get_data(as_text=True)
    assert "You said you are not safe right now" not in page


def test_a_retried_post_files_once_and_shows_the_same_code(
    participant: Participant, app: Flask
) -> None:
    first = code_on_page(participant.file().get_data(as_text=True))
    again = participant.resend()
    assert again.status_code == HTTPStatus.OK
    assert code_on_page(again.get_data(as_text=True)) == first
    assert count(app, Complaint) == 1


def test_the_database_never_holds_the_code_readably(participant: Participant, app: Flask) -> None:
    code = claimcodes.parse(participant.file_and_get_code())
    with app.app_context():
        session = db.session()
        receipt = session.scalars(select(FilingReceipt)).one()
        complaint = session.scalars(select(Complaint)).one()
    stored = receipt.token_hash + (receipt.sealed_code or b"") + complaint.secret_hash.encode()
    for form in (code.secret, code.compact, code.display):
        assert form.encode() not in stored


def test_after_an_hour_a_retry_is_recognised_but_the_code_is_not_shown(
    participant: Participant, app: Flask, clock
) -> None:
    code = participant.file_and_get_code()
    clock.advance(hours=2)
    again = participant.resend().get_data(as_text=True)
    assert "We already have this complaint" in again
    assert code.split("-")[1] not in again
    assert count(app, Complaint) == 1


def test_old_sealed_codes_are_wiped_by_later_filings(app: Flask, client, clock) -> None:
    Participant(client).file()
    clock.advance(hours=2)
    Participant(client).file()
    with app.app_context():
        sealed = db.session().scalars(select(FilingReceipt.sealed_code)).all()
    assert sorted(s is None for s in sealed) == [False, True]


def test_two_forms_make_two_complaints_with_different_codes(client, app: Flask) -> None:
    one = Participant(client).file_and_get_code()
    two = Participant(client).file_and_get_code()
    assert one != two
    assert count(app, Complaint) == 2


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("narrative", NARRATIVE_MAX),
        ("wants", LONG_TEXT_MAX),
        ("officer", SHORT_TEXT_MAX),
        ("when_text", SHORT_TEXT_MAX),
        ("where_text", SHORT_TEXT_MAX),
        ("pseudonym", PSEUDONYM_MAX),
    ],
)
def test_each_box_has_a_length_cap_with_a_kind_message(
    participant: Participant, app: Flask, field: str, limit: int
) -> None:
    fields = {"narrative": "Something happened.", field: "a" * (limit + 1)}
    page = participant.file(**fields).get_data(as_text=True)
    assert f"This box holds up to {limit} characters" in page
    assert count(app, Complaint) == 0
    fields[field] = "a" * limit
    assert participant.file(**fields).status_code == HTTPStatus.OK
    assert count(app, Complaint) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "robbery"), ("race", "martian"), ("safe_now", "maybe"), ("agency", "FBI")],
)
def test_choices_outside_the_list_are_refused(
    participant: Participant, app: Flask, field: str, value: str
) -> None:
    response = participant.file(**{field: value})
    assert response.status_code == HTTPStatus.OK
    assert "Please look at the boxes marked below." in response.get_data(as_text=True)
    assert count(app, Complaint) == 0


def test_the_spam_trap_stops_a_filled_in_hidden_box(participant: Participant, app: Flask) -> None:
    page = participant.file(website="http://spam.example").get_data(as_text=True)
    assert "Please leave this box empty." in page
    assert count(app, Complaint) == 0


@pytest.mark.parametrize("field", ["narrative", "wants", "officer", "pseudonym"])
def test_a_claim_code_in_the_text_is_caught_before_it_is_stored(
    participant: Participant, app: Flask, field: str
) -> None:
    earlier = participant.file_and_get_code()
    text = f"This is about my other complaint {earlier}, it happened again"[:60]
    fields = {"narrative": "It happened again.", field: text}
    page = participant.file(**fields).get_data(as_text=True)
    assert "This looks like a claim code" in page
    assert count(app, Complaint) == 1


def test_control_characters_are_dropped(participant: Participant, app: Flask) -> None:
    participant.file(narrative="line one\r\nline\x00 two\x07")
    assert case_text(app, only_complaint(app)).narrative == "line one\nline two"


def test_a_post_without_csrf_token_is_refused(client, app: Flask) -> None:
    response = client.post("/file", data={"narrative": "Forged from another site"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.get_data(as_text=True)
    assert "This form was closed" in page
    assert "Forged from another site" not in page
    assert count(app, Complaint) == 0


def expired_csrf_token(client, app: Flask) -> str:
    """A CSRF token for this browser's session, signed two hours ago."""

    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 7200

    with client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=TwoHoursAgo
    )
    return serializer.dumps(raw)


def test_an_expired_form_keeps_the_text_and_can_be_sent_again(
    participant: Participant, app: Flask
) -> None:
    form = participant.open_form()
    form["csrf_token"] = expired_csrf_token(participant.client, app)
    response = participant.client.post(
        "/file", data={**form, "narrative": "I typed all of this slowly.", "where_text": "Downtown"}
    )
    page = response.get_data(as_text=True)
    assert "press Send once more" in page
    assert "I typed all of this slowly." in page
    assert "Downtown" in page
    assert count(app, Complaint) == 0
    resend = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "form_token": hidden_value(page, "form_token"),
        "narrative": "I typed all of this slowly.",
    }
    assert participant.client.post("/file", data=resend).status_code == HTTPStatus.OK
    assert count(app, Complaint) == 1


def test_a_database_fault_keeps_the_text_and_saves_nothing(
    participant: Participant, app: Flask
) -> None:
    form = participant.open_form()
    sessions = app.extensions["portal.db"].sessions
    working = sessions.kw["bind"]
    unreachable = create_engine("sqlite:////nonexistent-folder/portal.sqlite3")
    sessions.configure(bind=unreachable)
    response = participant.client.post(
        "/file", data={**form, "narrative": "Please keep my words safe."}
    )
    sessions.configure(bind=working)
    unreachable.dispose()
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    page = response.get_data(as_text=True)
    assert "We could not save this just now" in page
    assert "Please keep my words safe." in page
    assert count(app, Complaint) == 0
    # When the database is back, sending the same page again files it exactly once.
    resend = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "form_token": hidden_value(page, "form_token"),
        "narrative": "Please keep my words safe.",
    }
    assert hidden_value(page, "form_token") == form["form_token"]
    assert participant.client.post("/file", data=resend).status_code == HTTPStatus.OK
    assert participant.client.post("/file", data=resend).status_code == HTTPStatus.OK
    assert count(app, Complaint) == 1


def test_invalid_utf8_gets_the_400_page(participant: Participant, app: Flask) -> None:
    form = participant.open_form()
    body = (
        f"csrf_token={form['csrf_token']}&form_token={form['form_token']}&narrative=caf%E9"
    ).encode()
    response = participant.client.post(
        "/file", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "We could not read what your browser sent" in response.get_data(as_text=True)
    assert count(app, Complaint) == 0


def test_accented_text_is_kept(participant: Participant, app: Flask) -> None:
    participant.file(narrative="El oficial me quitó mi teléfono. Año pasado.")
    assert case_text(app, only_complaint(app)).narrative == (
        "El oficial me quitó mi teléfono. Año pasado."
    )


def test_an_oversized_body_gets_the_413_page(participant: Participant, app: Flask) -> None:
    response = participant.file(narrative="x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "too much to send at once" in response.get_data(as_text=True)


def test_filing_is_rate_limited_but_keeps_the_text(client, app: Flask, config) -> None:
    allowed = int(config.file_limit_per_client.split()[0])
    for _ in range(allowed):
        assert Participant(client).file().status_code == HTTPStatus.OK
    response = Participant(client).file(narrative="One more, please keep this.")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "One more, please keep this." in response.get_data(as_text=True)
    assert count(app, Complaint) == allowed


def test_mistakes_do_not_count_against_the_filing_limit(client, app: Flask, config) -> None:
    allowed = int(config.file_limit_per_client.split()[0])
    for _ in range(allowed + 2):
        Participant(client).file(narrative="")
    assert Participant(client).file().status_code == HTTPStatus.OK


def test_each_blank_form_gets_fresh_tokens_that_work(client, app: Flask) -> None:
    first, second = Participant(client).open_form(), Participant(client).open_form()
    assert first["form_token"] != second["form_token"]
    assert "__portal" not in client.get("/file").get_data(as_text=True)
    for form in (first, second):
        response = client.post("/file", data={**form, "narrative": "It happened."})
        assert response.status_code == HTTPStatus.OK
    assert count(app, Complaint) == 2


@pytest.mark.parametrize("hours_later", [0, 2], ids=["at-once", "after-the-hourly-wipe"])
@pytest.mark.parametrize("ending", ["/exit", "/leave"])
def test_a_form_replayed_after_the_session_ended_shows_nothing_of_it(
    participant: Participant, app: Flask, clock, ending: str, hours_later: int
) -> None:
    # Back and "resend" on a shared phone after the person left: the browser posts the
    # old form again, but the session it came from is gone. Not even "already sent": that
    # would tell whoever grabbed the phone that a complaint was made. Hours later too, after
    # another filing has wiped old receipts.
    first = participant.file(narrative="PLANTED-REPLAY-TEXT they hurt me")
    code = code_on_page(first.get_data(as_text=True))
    participant.client.post(ending)
    if hours_later:
        clock.advance(hours=hours_later)
        Participant(app.test_client()).file(narrative="Someone else, later.")
    replay = participant.resend()
    page = replay.get_data(as_text=True)
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert "PLANTED-REPLAY-TEXT" not in page
    assert code.split("-")[1] not in page
    assert "already" not in page.lower()
    assert count(app, Complaint) == 1 + (1 if hours_later else 0)


def test_filing_waits_until_the_board_has_a_key(config, site, clock) -> None:
    # A fresh site whose first admin has not enrolled yet: nothing may be stored that only
    # the board could read, so nothing is stored at all, and the words are handed back (for
    # a form sent anyway: the form itself is not shown before then).
    from portal import create_app

    fresh = create_app(config, site=site, now=clock)
    client = fresh.test_client()
    token = hidden_value(client.get("/check").get_data(as_text=True), "csrf_token")
    response = client.post(
        "/file",
        data={"csrf_token": token, "form_token": "t" * 43, "narrative": "Please keep these words."},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "not open for complaints yet" in page
    assert "Please keep these words." in page
    assert count(fresh, Complaint) == 0
    fresh.extensions["portal.db"].engine.dispose()


def test_before_the_first_admin_the_start_page_and_form_say_the_site_is_not_open(
    config,
    site,
    clock,
) -> None:
    from portal import create_app
    from portal.cli import commands as cli

    fresh = create_app(config, site=site, now=clock)
    client = fresh.test_client()
    home = client.get("/").get_data(as_text=True)
    form = client.get("/file")
    assert "This site is not open for complaints yet." in home
    assert form.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "This site is not open yet" in form.get_data(as_text=True)
    assert 'name="narrative"' not in form.get_data(as_text=True)
    with fresh.app_context():
        assert any("Filing opens once the first admin" in line for line in cli.first_run_notes())
    give_board_key(fresh, clock.moment)
    assert "not open" not in client.get("/").get_data(as_text=True)
    assert 'name="narrative"' in client.get("/file").get_data(as_text=True)
    with fresh.app_context():
        assert not any("Filing opens" in line for line in cli.first_run_notes())
    fresh.extensions["portal.db"].engine.dispose()
