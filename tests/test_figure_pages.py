"""The public figures as people and programs read them: pages, charts, CSV, JSON, the data
dictionary and the command line; and that nothing anyone wrote ever reaches them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import runpy
import threading
import types
from http import HTTPStatus
from pathlib import Path

import pytest
import sqlalchemy.exc
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from portal import db
from portal.config import Config
from portal.figures import (
    figurerefresh,
    figurereleases,
    figuretables,
    opendata,
    periods,
    transparency,
)
from portal.models import Complaint, FigureRelease, Message, Note, Referral, StatusChange
from portal.models.casework import FROM_COMPLAINANT, TO_COMPLAINANT
from portal.site import Site
from tests.builders import PERIODS, D, another_process, correct_q3, fill, later_passes
from tests.conftest import FakeClock
from tests.figuredata import complaint, many, referral


@pytest.fixture
def filled(app: Flask, client: FlaskClient) -> FlaskClient:
    fill(app)
    return client


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK, path
    return response.get_data(as_text=True)


def test_the_figures_page_shows_charts_and_tables(filled: FlaskClient) -> None:
    html = page(filled, "/figures")
    assert "<h1>Public figures</h1>" in html
    assert "The last 12 months" in html
    assert 'action="/exit"' in html  # the quick exit, as on every public page
    # Complaints per quarter as a line, each figure as bars, each with its table.
    assert html.count('role="img"') >= 5
    assert "<path d=" in html
    assert html.count("<rect") >= 4
    assert html.count("<table") >= html.count('role="img"')
    assert re.search(r'<svg[^>]+aria-label="[^"]+"', html)
    assert "<title>What complaints were about</title>" in html
    # 56 police complaints in the year, shown; 8 sexual misconduct ones, not.
    assert "<td>56</td>" in html
    assert "fewer than 10" in html
    assert "/figures/last-12-months.csv" in html
    assert "/figures/last-12-months.json" in html


def test_no_page_uses_an_inline_style_or_a_script_of_its_own(filled: FlaskClient) -> None:
    for path in ("/figures", "/figures/2026Q3", "/figures/equity", "/figures/about"):
        html = page(filled, path)
        assert " style=" not in html
        assert "<style" not in html
        assert "<script>" not in html
        assert 'src="http' not in html
        assert 'href="http' not in html


def test_a_quarter_page_and_its_neighbours(filled: FlaskClient) -> None:
    html = page(filled, "/figures/2026Q3")
    assert "Quarter 2026Q3" in html
    assert 'href="/figures/2026Q2"' in html
    assert 'aria-current="page">2026Q3' in html
    for missing in ("/figures/2026Q4", "/figures/2027Q1", "/figures/2024Q1", "/figures/x"):
        assert filled.get(missing).status_code == HTTPStatus.NOT_FOUND
        assert filled.get(f"{missing}.csv").status_code == HTTPStatus.NOT_FOUND


def test_the_equity_page_shows_every_group_and_did_not_say(filled: FlaskClient) -> None:
    html = page(filled, "/figures/equity")
    for words in (
        "By race or ethnicity",
        "By gender",
        "Black or African American",
        "Did not say",
        "By race or ethnicity: how complaints ended",
        "Found to be true",
    ):
        assert words in html
    assert "<td>56</td>" in html  # 56 complaints from Black men, all shown


def test_an_empty_site_says_there_is_too_little_to_show(client: FlaskClient) -> None:
    html = page(client, "/figures")
    assert "Fewer than 10 complaints came in during this period" in html
    assert "What complaints were about" not in html
    assert len(html) < 30_000


def test_csv_has_one_row_per_cell_and_hidden_cells_have_no_value(filled: FlaskClient) -> None:
    response = filled.get("/figures/2026Q3.csv")
    assert response.status_code == HTTPStatus.OK
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == opendata.CSV_COLUMNS
    cells = {(r["table"], r["row"], r["column"]): r for r in rows}
    police = cells[("kind", "police", "complaints")]
    assert (police["value"], police["status"], police["row_label"]) == (
        "14",
        "shown",
        "Police misconduct",
    )
    sexual = cells[("kind", "sexual", "complaints")]
    assert (sexual["value"], sexual["status"]) == ("", "small")
    assert {r["status"] for r in rows} <= {"shown", "small", "hidden", "too_few"}
    assert {r["period"] for r in rows} == {"2026Q3"}
    assert {r["table"] for r in rows} >= {layout.id for layout in figuretables.OVERVIEW}


def test_json_matches_the_csv_and_points_to_the_dictionary(filled: FlaskClient) -> None:
    document = filled.get("/figures/last-12-months.json").get_json()
    assert document["period"] == "last-12-months"
    assert (document["first_day"], document["last_day"]) == ("2025-10-01", "2026-09-30")
    assert document["suppression_threshold"] == 10
    assert document["data_dictionary"].endswith("/figures/about")
    tables = {t["id"]: t for t in document["tables"]}
    assert set(tables) == {"quarters", *figuretables.LAYOUTS}
    rows = list(
        csv.DictReader(io.StringIO(filled.get("/figures/last-12-months.csv").get_data(True)))
    )
    from_csv = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    for table in document["tables"]:
        for cell in table["cells"]:
            value = "" if cell["value"] is None else opendata.number_text(cell["value"])
            assert from_csv[(table["id"], cell["row"], cell["column"])] == value


def test_the_data_dictionary_describes_every_column_and_table(filled: FlaskClient) -> None:
    html = page(filled, "/figures/about")
    for column in opendata.CSV_COLUMNS:
        assert f"<code>{column}</code>" in html
    for status in opendata.STATUSES:
        assert f"<code>{status}</code>" in html
    for table_id in [*figuretables.LAYOUTS, "quarters", "you_said_we_did"]:
        assert f"<code>{table_id}</code>" in html
    for field in ("figures_as_of", "suppression_threshold", "tables", "you_said_we_did"):
        assert f"<code>{field}</code>" in html


def three_more_police_complaints(app: Flask) -> None:
    with app.app_context():
        many(db.session(), 3, D(2026, 8, 1), kind="police", actor="police")
        db.session().commit()


def police_in_q3(client: FlaskClient) -> str:
    rows = csv.DictReader(io.StringIO(page(client, "/figures/2026Q3.csv")))
    return next(r["value"] for r in rows if (r["table"], r["row"]) == ("kind", "police"))


def test_a_correction_is_looked_up_in_the_background_before_the_hour(
    app: Flask, filled: FlaskClient, clock: FakeClock
) -> None:
    assert police_in_q3(filled) == "14"
    cache = app.extensions[transparency.CACHE_KEY]
    three_more_police_complaints(app)
    correct_q3(app)

    clock.advance(minutes=44)
    assert police_in_q3(filled) == "14"  # kept: looked up less than an hour ago
    figurerefresh.wait(cache, timeout=30)
    assert police_in_q3(filled) == "14"  # and not yet due for a look

    clock.advance(minutes=2)  # 46 minutes: served at once, looked up again behind it
    assert police_in_q3(filled) == "14"
    figurerefresh.wait(cache, timeout=30)
    assert police_in_q3(filled) == "17"
    assert cache[("2026Q3", 10)].checked_at == clock.moment


def test_a_failed_background_look_leaves_the_hour_rule_in_charge(
    app: Flask, filled: FlaskClient, clock: FakeClock
) -> None:
    assert police_in_q3(filled) == "14"
    cache = app.extensions[transparency.CACHE_KEY]
    three_more_police_complaints(app)
    correct_q3(app)
    engine = app.extensions["portal.db"].engine
    refused = []

    def refuse_background_reads(conn, cursor, statement, *_args) -> None:
        if threading.current_thread().name == "figures-refresh":
            refused.append(statement)
            raise sqlalchemy.exc.OperationalError(statement, (), Exception("disk gone"))

    event.listen(engine, "before_cursor_execute", refuse_background_reads)
    try:
        clock.advance(minutes=50)
        assert police_in_q3(filled) == "14"
        figurerefresh.wait(cache, timeout=30)
        assert refused, "the background look never ran"
        assert police_in_q3(filled) == "14"  # still within the hour: kept
        figurerefresh.wait(cache, timeout=30)
    finally:
        event.remove(engine, "before_cursor_execute", refuse_background_reads)
    clock.advance(minutes=10)  # 60 minutes: looked up in the request, never later
    assert police_in_q3(filled) == "17"


GUNICORN_CONF = Path(__file__).parent.parent / "deploy" / "gunicorn.conf.py"


def test_a_new_server_process_counts_the_year_before_anyone_asks(
    app: Flask, filled: FlaskClient, clock: FakeClock
) -> None:
    """gunicorn calls the hook in deploy/gunicorn.conf.py in each new worker."""
    settings = runpy.run_path(str(GUNICORN_CONF))
    settings["post_worker_init"](types.SimpleNamespace(wsgi=app))
    cache = app.extensions[transparency.CACHE_KEY]
    warmer = cache[figurerefresh.WARMER]
    assert warmer.counted.wait(timeout=30)
    year = cache[(periods.LAST_12_MONTHS, 10)].figures
    assert (year.built_at, year.total.value) == (clock.moment, 108)
    # The rest of the pass (every quarter) writes releases; on SQLite the complaints below
    # must not race that write on a loaded machine.
    assert warmer.passed.wait(timeout=30)
    three_more_police_complaints(app)
    assert police_in_q3(filled) == "14"  # the page came from the count made at start
    assert figurerefresh.keep_warm(app) is warmer  # one per process, however often asked


def test_the_gunicorn_hook_never_stops_a_worker() -> None:
    hook = runpy.run_path(str(GUNICORN_CONF))["post_worker_init"]
    # gunicorn serves an error app of its own when the portal cannot load (--reload).
    hook(types.SimpleNamespace(wsgi=lambda environ, start_response: []))
    warned: list[str] = []

    class NoThreadLeft:
        log = types.SimpleNamespace(warning=warned.append)

        @property
        def wsgi(self) -> Flask:
            raise RuntimeError("can't start new thread")

    hook(NoThreadLeft())  # a raise here would make gunicorn halt every worker
    assert warned == ["figures not kept warm in this worker"]


def test_flask_serve_keeps_the_figures_warm(
    app: Flask, filled: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.cli import commands as cli

    served: list[tuple] = []
    monkeypatch.setattr(cli, "run_simple", lambda *args, **_kwargs: served.append(args))
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert served  # it went on to serve
    warmer = app.extensions[transparency.CACHE_KEY][figurerefresh.WARMER]
    assert warmer.passed.wait(timeout=30)


def test_figures_kept_warm_are_looked_up_again_without_a_reader(
    app: Flask, filled: FlaskClient, clock: FakeClock
) -> None:
    with app.app_context():
        complaint(db.session(), D(2024, 5, 1), kind="police", actor="police")
        db.session().commit()
    started = clock.moment
    cache = app.extensions.setdefault(transparency.CACHE_KEY, {})
    # Passes back to back: each looks up what was looked up an hour ago, less the margin.
    warmer = figurerefresh.keep_warm(app, every=0.05)
    later_passes(warmer)
    assert cache[("2024Q2", 10)].checked_at == started  # older quarters too
    three_more_police_complaints(app)
    correct_q3(app)

    clock.advance(minutes=54)  # not yet due
    later_passes(warmer)
    assert cache[("2026Q3", 10)].checked_at == started
    clock.advance(minutes=2)  # 56 minutes: due, less than MARGIN from the hour
    later_passes(warmer)
    figurerefresh.stop(cache)
    assert not warmer.thread.is_alive()
    looked = clock.moment
    assert cache[("2026Q3", 10)].checked_at == looked
    assert cache[("2026Q3", 10)].figures.releases == (("2026Q3", 2),)
    assert cache[("2024Q2", 10)].checked_at == looked
    assert cache[("2024Q2", 10)].figures.built_at == started  # released then, kept as it was

    clock.advance(minutes=30)  # 86 minutes after the first look, nobody having looked
    assert police_in_q3(filled) == "17"  # served from the keep-warm look, not looked up now
    assert cache[("2026Q3", 10)].checked_at == looked
    assert page(filled, "/figures/2024Q2")
    assert cache[("2024Q2", 10)].checked_at == looked


def test_a_reader_right_after_start_waits_for_that_count_not_a_second_one(
    app: Flask, filled: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[set] = []
    real_collect = figurereleases.collect

    def collect(session, quarters):  # the real count, noted
        quarters = set(quarters)
        counted.append(quarters)
        return real_collect(session, quarters)

    monkeypatch.setattr(figurereleases, "collect", collect)
    cache = app.extensions.setdefault(transparency.CACHE_KEY, {})
    gate = cache.setdefault("refresh_lock", threading.Lock())
    pages: list[str] = []
    reader = threading.Thread(target=lambda: pages.append(police_in_q3(app.test_client())))
    gate.acquire()  # hold the first count back, as if it had just begun
    try:
        figurerefresh.keep_warm(app)
        reader.start()
        reader.join(timeout=0.5)
        assert reader.is_alive()  # waiting, not counting for itself
        assert not pages
    finally:
        gate.release()
    reader.join(timeout=30)
    assert pages == ["14"]
    q3 = periods.Quarter.of(D(2026, 8, 1))
    assert sum(q3 in quarters for quarters in counted) == 1  # one count of it, not two


def test_a_new_process_shows_the_release_another_made_and_never_counts_it_again(
    app: Flask,
    filled: FlaskClient,
    config: Config,
    site: Site,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert police_in_q3(filled) == "14"  # this process counts, and saves it as release 1
    three_more_police_complaints(app)
    counted: list[set] = []
    real_collect = figurereleases.collect

    def collect(session, quarters):  # the real count, noted
        counted.append(set(quarters))
        return real_collect(session, quarters)

    monkeypatch.setattr(figurereleases, "collect", collect)
    clock.advance(minutes=30)
    other = another_process(app, config, site, clock)
    try:
        assert police_in_q3(other.test_client()) == "14"  # the release: no count, no wait
        clock.advance(hours=5)
        assert police_in_q3(other.test_client()) == "14"  # hours on: still the release
        assert police_in_q3(filled) == "14"
        assert counted == []
        correct_q3(other)
        assert len(counted) == 1
        clock.advance(hours=1)
        assert police_in_q3(filled) == "17"  # the first process takes the correction
        assert len(counted) == 1
    finally:
        figurerefresh.stop(other.extensions.get(transparency.CACHE_KEY, {}))
        other.extensions["portal.db"].engine.dispose()


KNOWN_QUARTERS = [periods.Quarter.of(D(2026, month, 1)) for month in (1, 4, 7)]
STORY = "The board asked for body cameras."


def test_a_release_keeps_counts_and_which_stories_never_their_words(
    app: Flask, filled: FlaskClient, clock: FakeClock
) -> None:
    with app.app_context():
        session = db.session()
        complaint(session, D(2026, 8, 3), kind="police", actor="police", status="resolved",
                  disposition="substantiated", answered_after=1, decided_after=9,
                  public_summary=STORY)  # fmt: skip
        session.commit()
        counted = figurereleases.collect(session, KNOWN_QUARTERS)
        released = figurereleases.published(session, KNOWN_QUARTERS, clock.moment)
        for quarter in KNOWN_QUARTERS:
            again = released[quarter]
            assert (again.number, again.released_at) == (1, clock.moment)
            assert (again.raw.counts, again.raw.days) == (
                counted[quarter.key].counts,
                counted[quarter.key].days,
            )
        assert [s.board_said for s in released[KNOWN_QUARTERS[2]].raw.stories] == [STORY]
        stored = " ".join(session.scalars(select(FigureRelease.counts)))
        stored += " ".join(session.scalars(select(FigureRelease.stories)))
        assert "body cameras" not in stored  # the board's words are never kept in this table

        # The summary is deleted (a withdrawal with deletion): the release does not keep it.
        session.execute(update(Complaint).values(public_summary=None))
        session.commit()
        again = figurereleases.published(session, KNOWN_QUARTERS, clock.moment)
        assert again[KNOWN_QUARTERS[2]].raw.stories == []


def test_an_unreadable_release_is_never_counted_again_in_its_place(
    app: Flask, filled: FlaskClient, config: Config, site: Site, clock: FakeClock
) -> None:
    assert police_in_q3(filled) == "14"
    three_more_police_complaints(app)
    with app.app_context():
        db.session().execute(update(FigureRelease).values(counts="not json at all"))
        db.session().commit()
    other = another_process(app, config, site, clock)
    try:
        response = other.test_client().get("/figures/2026Q3.csv")
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert "17" not in response.get_data(as_text=True)
    finally:
        other.extensions["portal.db"].engine.dispose()


def test_one_background_count_at_a_time(app: Flask) -> None:
    cache: dict = {}
    quarter = periods.Quarter.of(D(2026, 8, 1))
    gate = cache.setdefault("refresh_lock", threading.Lock())
    gate.acquire()  # a count is running
    assert not figurerefresh.start(app, [quarter], 10, cache)
    gate.release()
    assert figurerefresh.start(app, [quarter], 10, cache)
    figurerefresh.wait(cache, timeout=30)
    assert (quarter.key, 10) in cache
    assert not gate.locked()


def test_the_threshold_comes_from_the_site_settings(app: Flask, filled: FlaskClient) -> None:
    from portal import sitesettings
    from portal.board import sitechanges
    from portal.site import site_to_mapping

    with app.test_request_context():
        base = site_to_mapping(sitesettings.base_site())
        sitechanges.save(db.session(), sitesettings.base_site(), {**base, "suppression_threshold": 15}, 0, dt.datetime(2026, 11, 2))  # noqa: E501  # fmt: skip
    document = filled.get("/figures/2026Q3.json").get_json()
    assert document["suppression_threshold"] == 15
    kind = next(t for t in document["tables"] if t["id"] == "kind")
    police = next(c for c in kind["cells"] if c["row"] == "police")
    assert police["status"] == "small"  # 14 < 15


def test_the_command_line_prints_the_same_figures(app: Flask, filled: FlaskClient) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["figures", "--period", "2026Q3"])
    assert result.exit_code == 0, result.output
    assert "Public figures for 2026Q3" in result.output
    assert "What complaints were about" in result.output
    assert re.search(r"Police misconduct\s+14", result.output)
    assert re.search(r"Sexual misconduct or pressure\s+fewer than 10", result.output)
    as_json = runner.invoke(args=["figures", "--period", "2026Q3", "--format", "json"])
    assert (
        json.loads(as_json.output)["tables"]
        == filled.get("/figures/2026Q3.json").get_json()["tables"]
    )
    wrong = runner.invoke(args=["figures", "--period", "2027Q1"])
    assert wrong.exit_code != 0
    assert "no figures are published for that period" in wrong.output


# --- nothing anyone wrote reaches the public ---------------------------------------------

PLANTED = {
    "narrative": "ZQX-NARRATIVE-7731",
    "wants": "ZQX-WANTS-1182",
    "officer": "ZQX-OFFICER-Badge-5521",
    "pseudonym": "ZQX-PSEUDONYM-Lark",
    "when_text": "ZQX-WHEN-0934",
    "where_text": "ZQX-WHERE-Corner",
    "keep_away": "ZQX-KEEPAWAY-Jones",
    "recommendation": "ZQX-RECOMMENDATION-44",
    "dissent": "ZQX-DISSENT-88",
    "outcome_letter": "ZQX-LETTER-19",
    "lost_code_note": "ZQX-LOSTCODE-31",
}
ELSEWHERE = {
    "message_in": "ZQX-MESSAGE-IN-5",
    "message_out": "ZQX-MESSAGE-OUT-6",
    "note": "ZQX-NOTE-7",
    "referral": "ZQX-REFERRAL-8",
    "reason": "ZQX-REASON-9",
}


def public_responses(client: FlaskClient) -> dict[str, str]:
    paths = ["/figures", "/figures/equity", "/figures/about", "/", "/check"]
    for period in PERIODS:
        paths += [f"/figures/{period}.csv", f"/figures/{period}.json"]
        if period != "last-12-months":
            paths.append(f"/figures/{period}")
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK, path
        found[path] = response.get_data(as_text=True)
    return found


def test_no_words_anyone_wrote_ever_reach_a_public_page_or_file(
    app: Flask, client: FlaskClient
) -> None:
    fill(app)
    planted = []
    with app.app_context():
        session = db.session()
        start = D(2026, 7, 10)
        for i in range(12):
            row = complaint(
                session,
                start,
                kind="police",
                actor="police",
                status="resolved",
                disposition="substantiated",
                race="black",
                gender="woman",
                answered_after=1,
                decided_after=3,
                agency="City police department",
                public_summary=f"Board summary {i}: change how searches are done.",
                **{field: f"{text}-{i}" for field, text in PLANTED.items()},
            )
            planted.append(row)
            at = dt.datetime(2026, 7, 12, 9)
            session.add_all(
                [
                    Message(complaint_id=row.id, direction=FROM_COMPLAINANT,
                            body=f"{ELSEWHERE['message_in']}-{i}", created_at=at),
                    Message(complaint_id=row.id, direction=TO_COMPLAINANT,
                            body=f"{ELSEWHERE['message_out']}-{i}", created_at=at),
                    Note(complaint_id=row.id, body=f"{ELSEWHERE['note']}-{i}", created_at=at),
                    StatusChange(complaint_id=row.id, from_status="received",
                                 to_status="resolved", reason=f"{ELSEWHERE['reason']}-{i}", at=at),
                ]
            )  # fmt: skip
            referral(session, row, "oversight", "sent").explanation = f"{ELSEWHERE['referral']}-{i}"
        # A withdrawn case with a summary, and one whose words were deleted: never published.
        complaint(session, start, status="withdrawn", disposition="withdrawn",
                  public_summary="ZQX-WITHDRAWN-SUMMARY", decided_after=10)  # fmt: skip
        complaint(session, start, status="closed", disposition="undetermined",
                  decided_after=3, text_deleted=True,
                  public_summary="ZQX-DELETED-SUMMARY")  # fmt: skip
        session.commit()
        locators = [row.locator for row in planted]
        assert session.query(Referral).count() == 12
    responses = public_responses(client)
    everything = "\n".join(responses.values())
    secrets = [*PLANTED.values(), *ELSEWHERE.values(), "ZQX-WITHDRAWN", "ZQX-DELETED"]
    for secret in secrets:
        for path, body in responses.items():
            assert secret not in body, f"{secret} on {path}"
    for locator in locators:
        assert not re.search(rf"\b{locator}\b", everything.replace("2026Q", "")), locator
    # What the board wrote for publication is there, on the page and in both files.
    assert "Board summary 3: change how searches are done." in responses["/figures/2026Q3"]
    assert "Board summary 3" in responses["/figures/2026Q3.csv"]
    assert "Board summary 3" in responses["/figures/last-12-months.json"]
