"""The demo-data command: realistic fake cases for demos and benchmarks, never in production."""

from __future__ import annotations

import dataclasses

from flask import Flask
from sqlalchemy import func, select

from portal import create_app, db
from portal.models import Complaint, Demographics, Message, StatusChange
from tests.conftest import Participant, case_text


def test_demo_data_fills_varied_clearly_fake_cases(app: Flask, client) -> None:
    result = app.test_cli_runner().invoke(args=["demo-data", "--complaints", "300"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).select_from(Complaint)) == 300
        stored = session.scalars(select(Complaint)).all()
        # Stored encrypted, like real complaints; the board's key reads "[DEMO]" in each.
        assert not any("[DEMO]" in c.narrative for c in stored)
        assert all(case_text(app, c).narrative.startswith("[DEMO]") for c in stored[:50])
        statuses = set(session.scalars(select(Complaint.status)))
        assert {"received", "in_review", "resolved", "withdrawn"} <= statuses
        assert session.scalar(select(func.count()).select_from(StatusChange)) > 300
        assert session.scalar(select(func.count()).select_from(Demographics)) > 150
        assert session.scalar(select(func.count()).select_from(Message)) > 50
    working = [
        line.split()[-1] for line in result.output.splitlines() if "working claim code" in line
    ]
    assert len(working) == 3
    person = Participant(client)
    assert person.check(working[0]).headers["Location"] == "/case"
    assert "[DEMO]" in client.get("/case").get_data(as_text=True)


def test_demo_data_is_refused_in_production(config, site, clock) -> None:
    production = create_app(dataclasses.replace(config, env="production"), site=site, now=clock)
    result = production.test_cli_runner().invoke(args=["demo-data", "--complaints", "5"])
    assert result.exit_code == 1
    assert "refused" in result.output
    with production.app_context():
        assert db.session().scalar(select(func.count()).select_from(Complaint)) == 0
    production.extensions["portal.db"].engine.dispose()
