"""Benchmark of the public figures page with 100,000 cases stored. Not a test.

Run from the repository root:

    .venv/bin/python bench/figures.py            # 100,000 cases
    .venv/bin/python bench/figures.py --quick    # 20,000 cases

It makes a fresh SQLite instance in a temporary folder (migrated by `portal.migrate.upgrade`),
inserts the cases with bulk `executemany` inserts (every one of them received in the last 12
months, the worst case for the page: it counts them all), with demographics, referrals and
survey answers, and times `GET /figures` in process with Flask's test client:

- cold: the first request, which counts and suppresses everything (the four quarters, then the
  year together with them);
- cached: later requests within the hour (figures are kept in `app.extensions` for at most an
  hour, never longer);
- rebuilt: a request just after the hour, when the figures are counted again.

Goal (from the issue): the figures page in under 200 ms. The page people get is the cached
one, except for one request an hour; both are printed, and the verdict is given for each. A
bare Flask app returning a page of the same size is timed alongside as a yardstick for the
machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from portal import create_app, db, migrate  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.models import Complaint, Demographics, Referral, SurveyAnswer  # noqa: E402

GOAL_MS = 200
NOW = dt.datetime(2026, 11, 2, 10, 30)
WINDOW_START = dt.date(2025, 10, 1)  # the last 12 months published on NOW
WINDOW_DAYS = 365
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

KINDS = (["police"] * 40 + ["provider"] * 20 + ["pressure"] * 8 + ["sexual"] * 6
         + ["program"] * 10 + ["other"] * 8 + [None] * 8)  # fmt: skip
ACTOR_FOR = {"police": "police", "sexual": "police", "pressure": "prosecutor",
             "provider": "provider", "program": "program_staff", "other": "other",
             None: None}  # fmt: skip
RACES = (["black"] * 30 + ["white"] * 25 + ["latino"] * 18 + ["native"] * 5 + ["asian"] * 4
         + ["pacific"] + ["mena"] + ["multiple"] * 4 + ["another"] + ["prefer_not"] * 6
         + [None] * 5)  # fmt: skip
GENDERS = (["man"] * 45 + ["woman"] * 38 + ["trans_woman"] * 4 + ["trans_man"] * 2
           + ["nonbinary"] * 3 + ["another"] + ["prefer_not"] * 4 + [None] * 3)  # fmt: skip
DISPOSITIONS = ("substantiated", "not_substantiated", "undetermined", "referred",
                "service_changed", "policy_recommendation")  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.moment = NOW

    def __call__(self) -> dt.datetime:
        return self.moment


def locator(number: int) -> str:
    return "".join(ALPHABET[(number >> shift) & 31] for shift in (15, 10, 5, 0))


def rows(count: int, seed: int = 7) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Cases that look like a busy program's: skewed kinds and groups, most answered, some
    decided, a few withdrawn or passed on."""
    pick = random.Random(seed)
    complaints, demographics, referrals, surveys = [], [], [], []
    for number in range(1, count + 1):
        created = WINDOW_START + dt.timedelta(days=pick.randrange(WINDOW_DAYS))
        kind = pick.choice(KINDS)
        roll = pick.random()
        answered = created + dt.timedelta(days=pick.randrange(0, 15)) if roll < 0.85 else None
        status, disposition, decided = "received", None, None
        if answered:
            status = pick.choice(("triaged", "in_review", "waiting", "referred"))
            if roll < 0.45:
                status = pick.choice(("resolved", "closed"))
                disposition = pick.choice(DISPOSITIONS)
                decided = answered + dt.timedelta(days=pick.randrange(1, 90))
            elif roll > 0.8:
                status, disposition = "withdrawn", "withdrawn"
        complaints.append(
            {
                "id": number,
                "locator": locator(number),
                "secret_hash": "bench",
                "narrative": "",
                "kind": kind,
                "actor_kind": ACTOR_FOR[kind],
                "status": status,
                "disposition": disposition,
                "created_on": created,
                "updated_on": created,
                "first_response_on": answered,
                "resolved_on": decided,
                "urgent": False,
                "language": "en",
                "text_deleted": False,
                "unread_replies": 0,
                "survey_done": False,
                "in_packet": False,
                "public_summary": "The board asked for a change." if number % 500 == 0 else None,
            }
        )
        if pick.random() < 0.75:
            race, gender = pick.choice(RACES), pick.choice(GENDERS)
            demographics.append(
                {"complaint_id": number, "race": race, "gender": gender, "age_band": None}
            )
        if pick.random() < 0.1:
            referrals.append(
                {
                    "complaint_id": number,
                    "body": pick.choice(("oversight", "grievance", "legal_aid", "other")),
                    "explanation": "",
                    "state": pick.choice(("proposed", "agreed", "sent", "refused")),
                    "proposed_on": created,
                }
            )
        if decided and pick.random() < 0.3:
            quarter = f"{decided.year}Q{(decided.month - 1) // 3 + 1}"
            answer = lambda: pick.choice(("yes", "somewhat", "no", None))  # noqa: E731
            surveys.append(
                {
                    "quarter": quarter,
                    "respected": answer(),
                    "listened": answer(),
                    "would_use_again": answer(),
                }
            )
    return complaints, demographics, referrals, surveys


def build(count: int, folder: Path, clock: Clock) -> Flask:
    url = f"sqlite:///{folder / 'portal.sqlite3'}"
    migrate.upgrade(url)
    config = Config.from_env(
        {"PORTAL_ENV": "development", "PORTAL_ARGON2_PROFILE": "test"},
        instance_path=folder,
        database_url=url,
    )
    app = create_app(config, now=clock)
    complaints, demographics, referrals, surveys = rows(count)
    with app.app_context():
        session = db.session()
        for table, batch in (
            (Complaint.__table__, complaints),
            (Demographics.__table__, demographics),
            (Referral.__table__, referrals),
            (SurveyAnswer.__table__, surveys),
        ):
            for start in range(0, len(batch), 10_000):
                session.execute(insert(table), batch[start : start + 10_000])
        session.commit()
    return app


def timed(client, path: str) -> float:  # noqa: ANN001
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def bare_ms(size: int, repeats: int) -> float:
    """A bare Flask app returning a page of the same size: the machine's yardstick."""
    app = Flask("bare")
    body = "x" * size

    @app.get("/")
    def page() -> str:
        return body

    client = app.test_client()
    client.get("/")
    return statistics.median(timed(client, "/") for _ in range(repeats))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 cases instead of 100,000")
    args = parser.parse_args()
    count = 20_000 if args.quick else 100_000
    print(f"Public figures page with {count:,} cases stored (SQLite, in process)", flush=True)
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="portal-figures-") as folder:
        started = time.perf_counter()
        app = build(count, Path(folder), clock)
        print(f"   {count:,} cases inserted in {time.perf_counter() - started:.1f} s", flush=True)
        client = app.test_client()
        client.get("/figures/about")  # templates compiled, app warmed up, nothing counted
        cold = timed(client, "/figures")
        size = len(client.get("/figures").get_data())
        cached = statistics.median(timed(client, "/figures") for _ in range(50))
        equity = statistics.median(timed(client, "/figures/equity") for _ in range(20))
        rebuilt = []
        for _ in range(5):
            clock.moment += dt.timedelta(hours=1)  # the hour is over: counted again
            rebuilt.append(timed(client, "/figures"))
        rebuilt_ms = statistics.median(rebuilt)
        app.extensions["portal.db"].engine.dispose()
    yardstick = bare_ms(size, 50)
    print(f"   GET /figures, first request (counts everything): {cold:8.1f} ms")
    print(f"   GET /figures, counted again after the hour:      {rebuilt_ms:8.1f} ms (median of 5)")
    print(f"   GET /figures, within the hour (cached):          {cached:8.1f} ms (median of 50)")
    print(f"   GET /figures/equity, cached:                     {equity:8.1f} ms (median of 20)")
    print(f"   bare Flask, a {size:,}-byte page:                 {yardstick:8.2f} ms")
    print(f"Summary  [goal: under {GOAL_MS} ms]")
    for name, figure in (("page as served (cached)", cached), ("counted afresh", rebuilt_ms)):
        verdict = "met    " if figure < GOAL_MS else "NOT MET"
        print(f"   {verdict}  {name}: {figure:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
