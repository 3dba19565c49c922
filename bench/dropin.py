"""A drop-in centre on one connection: many honest people on one address, and scripts too.

Issue 13's three goals, each measured against the development server `make run` starts
(`flask --app wsgi serve`), with production argon2, the default limits and memory counters,
everything from 127.0.0.1, a fresh server for each:

1. 25 different people file and then check their own codes within ten minutes: all 50 work.
2. A script posts 200 filings within an hour: at most 30 are stored.
3. 10,000 wrong claim codes meet the limit as before: at most 10 are checked per 15 minutes.

This prints figures; it is not a test. Run: .venv/bin/python bench/dropin.py
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from portalclient import FILED, Browser, NoAnswer, hidden_value
from report import Verdict, say

from portal.config import Config
from portal.security import claimcodes

ROOT = Path(__file__).resolve().parent.parent
PORT = 5144
PEOPLE = 25
SCRIPTED_FILINGS = 200
WRONG_CODES = 10_000
MOST_STORED = 30


@contextlib.contextmanager
def dev_server() -> Iterator[int]:
    """A fresh portal on its own instance folder, served like `make run` serves it."""
    with tempfile.TemporaryDirectory() as folder:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        environ.update(PORTAL_INSTANCE_PATH=folder, HOME=folder)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for command in ("db-upgrade", "init-board-key"):
            # This interpreter's flask, with fixed arguments.
            subprocess.run(  # noqa: S603
                [*flask, command], cwd=ROOT, env=environ, check=True, capture_output=True
            )
        log = Path(folder) / "server.log"
        with open(log, "wb") as output:
            server = subprocess.Popen(  # noqa: S603
                [*flask, "serve", "--port", str(PORT)],
                cwd=ROOT,
                env=environ,
                stdout=output,
                stderr=output,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    Browser(PORT).request("GET", "/")
                    break
                except NoAnswer:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log.read_text()[-2000:]) from None
                    time.sleep(0.2)
            yield PORT
        finally:
            server.terminate()
            server.wait(timeout=30)


def people_file_and_check() -> Verdict:
    with dev_server() as port:
        started = time.monotonic()
        handed = []
        for number in range(PEOPLE):
            person = Browser(port)
            words = f"Person {number}: the officer took my things at the shelter."
            person.open_form(words)
            outcome = person.send_form()
            handed.append((words, outcome.code if outcome.kind == FILED else None))
        filed = sum(1 for _words, code in handed if code)
        checked = sum(
            1 for words, code in handed if code and Browser(port).opens_case_with(code, words)
        )
        minutes = (time.monotonic() - started) / 60
    worked = filed + checked
    say(
        f"1. {PEOPLE} people on one address, {minutes:.1f} minutes: {filed} of {PEOPLE} "
        f"filings and {checked} of {PEOPLE} checks worked ({worked} of {2 * PEOPLE})"
    )
    return Verdict(
        "all 50 filings and checks work within ten minutes",
        worked == 2 * PEOPLE and minutes <= 10,
        f"{worked} of {2 * PEOPLE}",
    )


def script_files_many() -> Verdict:
    with dev_server() as port:
        started = time.monotonic()
        stored = paused = 0
        for number in range(SCRIPTED_FILINGS):
            script = Browser(port)
            script.open_form(f"Scripted filing {number}.")
            outcome = script.send_form()
            stored += outcome.kind == FILED
            paused += outcome.status == 429
        minutes = (time.monotonic() - started) / 60
    say(
        f"2. a script posted {SCRIPTED_FILINGS} filings in {minutes:.1f} minutes: {stored} "
        f"stored, {paused} paused (429)"
    )
    return Verdict(
        f"at most {MOST_STORED} of {SCRIPTED_FILINGS} scripted filings stored",
        stored <= MOST_STORED,
        str(stored),
    )


def guesser() -> Verdict:
    allowed = int(Config.check_limit_per_client.split()[0])
    with dev_server() as port:
        started = time.monotonic()
        script = Browser(port)
        token = hidden_value(script.request("GET", "/check").body, "csrf_token")
        checked = paused = 0
        for _ in range(WRONG_CODES):
            answer = script.request(
                "POST", "/check", {"csrf_token": token, "code": claimcodes.new_code().display}
            )
            checked += answer.status == 200
            paused += answer.status == 429
        minutes = (time.monotonic() - started) / 60
    say(
        f"3. {WRONG_CODES:,} wrong codes in {minutes:.1f} minutes: {checked} checked, "
        f"{paused:,} paused (429); the limit is {Config.check_limit_per_client}"
    )
    return Verdict(
        f"10,000 wrong codes: at most {allowed} checked in 15 minutes",
        checked <= allowed * (1 + int(minutes // 15)),
        str(checked),
    )


def main() -> None:
    say("A drop-in centre on one connection (issue 13), against `flask --app wsgi serve`")
    verdicts = [people_file_and_check(), script_files_many(), guesser()]
    say()
    for verdict in verdicts:
        say(f"{'met ' if verdict.met else 'MISSED'}  {verdict.goal}: {verdict.figure}")


if __name__ == "__main__":
    main()
