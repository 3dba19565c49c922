"""How long a claim-code check takes, with 1 complaint stored and with thousands.

The design promises one indexed lookup and one argon2 verification per check, whatever the
number of complaints, so the two medians should be within 10% of each other. If they are not,
a check has started to depend on how many complaints exist: a slowdown, and a timing leak.

The check is the domain function `complaints.find_by_code` with a real `CodeHasher` at the
production argon2 parameters. The right code, a wrong secret for a real locator and an unknown
locator are timed in turn, round after round, each with both sizes back to back, so a noisy
moment on the machine hits both alike. Filler rows share one real hash: that is honest,
because a check only ever verifies one.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import statistics
import time
from pathlib import Path

from report import Verdict, say
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from portal import migrate
from portal.casework import complaints
from portal.config import ARGON2_PROFILES
from portal.db import make_engine
from portal.models import Complaint
from portal.security import claimcodes
from portal.security.claimcodes import ClaimCode, CodeHasher

CHECK_SPREAD_GOAL = 0.10


def locators(count: int, avoid: set[str]) -> list[str]:
    """`count` distinct locators from the claim-code alphabet, none of them in `avoid`."""
    width = claimcodes.LOCATOR_LENGTH
    found: list[str] = []
    for number in random.sample(range(claimcodes.N**width), count + len(avoid)):
        # Write the number in base 32, one claim-code character per digit.
        locator = "".join(
            claimcodes.ALPHABET[(number // claimcodes.N**place) % claimcodes.N]
            for place in range(width)
        )
        if locator not in avoid:
            found.append(locator)
    return found[:count]


def stored_complaints(
    url: str, real: ClaimCode, real_hash: str, filler: list[str], filler_hash: str
) -> Engine:
    """A migrated database holding the real complaint plus one filler row per locator."""
    migrate.upgrade(url)
    engine = make_engine(url)
    today = dt.date.today()
    row = {"narrative": "Benchmark filler.", "created_on": today, "updated_on": today}
    rows = [{**row, "locator": real.locator, "secret_hash": real_hash}]
    rows += [{**row, "locator": locator, "secret_hash": filler_hash} for locator in filler]
    with Session(engine) as session, session.begin():
        session.execute(insert(Complaint), rows)
    return engine


def bench_code_checks(big: int, rounds: int, workdir: Path) -> Verdict:
    """Median find_by_code time with 1 complaint and with `big`, production argon2 cost."""
    profile = ARGON2_PROFILES["default"]
    say(f"2. Claim-code check (complaints.find_by_code), argon2id {profile} (t, m KiB, p)")
    hasher = CodeHasher(secrets.token_bytes(32), *profile)
    code = claimcodes.new_code()
    real_hash = hasher.hash(code)
    filler_hash = hasher.hash(claimcodes.new_code())
    unknown, *filler = locators(big, avoid={code.locator})
    cases = {
        "right code": (code, True),
        "wrong secret": (claimcodes.new_code(code.locator), False),
        "unknown locator": (claimcodes.new_code(unknown), False),
    }
    databases = {
        1: stored_complaints(
            f"sqlite:///{workdir / 'one.sqlite3'}", code, real_hash, [], filler_hash
        ),
        big: stored_complaints(
            f"sqlite:///{workdir / 'many.sqlite3'}", code, real_hash, filler, filler_hash
        ),
    }
    timings: dict[tuple[int, str], list[float]] = {
        (stored, case): [] for stored in databases for case in cases
    }
    try:
        # Round 0 warms caches and is not counted. The two sizes are checked back to back
        # and take turns going first, so a slow spell on the machine lands on both alike.
        for round_number in range(rounds + 1):
            order = list(databases) if round_number % 2 else list(reversed(databases))
            for case, (typed, opens) in cases.items():
                for stored in order:
                    before = hasher.verify_calls
                    # A fresh session for each check, as each request gets.
                    with Session(databases[stored]) as session:
                        started = time.perf_counter()
                        found = complaints.find_by_code(session, hasher, typed)
                        elapsed = time.perf_counter() - started
                    if (found is not None) != opens or hasher.verify_calls - before != 1:
                        raise RuntimeError(f"find_by_code misbehaved: {case}, {stored} stored")
                    if round_number:
                        timings[stored, case].append(elapsed)
    finally:
        for engine in databases.values():
            engine.dispose()

    say(f"   {'case':<16} {'1 stored':>10} {f'{big:,} stored':>14} {'ratio':>7}")
    for case in cases:
        one = statistics.median(timings[1, case]) * 1000
        many = statistics.median(timings[big, case]) * 1000
        say(f"   {case:<16} {one:8.1f} ms {many:11.1f} ms {many / one:7.3f}")
    one = statistics.median(t for (stored, _), ts in timings.items() if stored == 1 for t in ts)
    many = statistics.median(t for (stored, _), ts in timings.items() if stored == big for t in ts)
    ratio = many / one
    say(
        f"   {'all cases':<16} {one * 1000:8.1f} ms {many * 1000:11.1f} ms {ratio:7.3f}"
        f"   [goal: within {CHECK_SPREAD_GOAL:.0%}]"
    )
    say(f"   {rounds} checks per case and size; each check made 1 argon2 verify")
    return Verdict(
        f"claim-code check, {big:,} vs 1 stored within {CHECK_SPREAD_GOAL:.0%}",
        abs(ratio - 1) <= CHECK_SPREAD_GOAL,
        f"{ratio:.3f}",
    )
