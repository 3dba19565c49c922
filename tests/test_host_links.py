"""Links that leave the page never follow the Host header (which whoever sends the request
chooses): they are built from PORTAL_BASE_URL. In production other hosts are refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.board.accounts import Role
from portal.config import Config
from portal.site import Site
from tests.board import Board, csrf
from tests.builders import assisted_filing, signed_in
from tests.conftest import FakeClock, give_board_key

FORGED = "attacker.example"
BASE = "https://portal.example.org"


@pytest.fixture
def config(config: Config) -> Config:
    return dataclasses.replace(config, base_url=BASE)


def forged(client: FlaskClient) -> FlaskClient:
    """Every later request from this client names the attacker's host."""
    client.environ_base["HTTP_HOST"] = FORGED
    return client


def test_the_invitation_link_ignores_a_forged_host(app: Flask, board: Board) -> None:
    admin = signed_in(app, board, Role.ADMIN, "boss")
    token = csrf(admin, "/review/admin/accounts")
    response = forged(admin).post(
        "/review/admin/invites", data={"csrf_token": token, "role": Role.REVIEWER.value}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.OK
    assert f"{BASE}/review/" in page
    assert FORGED not in page


def test_the_open_data_dictionary_link_ignores_a_forged_host(client: FlaskClient) -> None:
    document = forged(client).get("/figures/last-12-months.json").get_json()
    assert document["data_dictionary"] == f"{BASE}/figures/about"


def test_the_advocates_slip_ignores_a_forged_host(app: Flask, board: Board) -> None:
    advocate = signed_in(app, board, Role.ADVOCATE, "peer")
    page = assisted_filing(forged(advocate)).get_data(as_text=True)
    assert f"<strong>{BASE}</strong>" in page
    assert FORGED not in page


def test_the_persons_printed_receipt_has_the_sites_address(participant) -> None:
    forged(participant.client)
    page = participant.file().get_data(as_text=True)
    assert f"<strong>{BASE}</strong>" in page
    assert FORGED not in page


@pytest.fixture
def production(tmp_path, database_url: str, site: Site, clock: FakeClock) -> Iterator[Flask]:
    config = Config.from_env(
        {
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": "s" * 48,
            "PORTAL_CLAIM_PEPPER": "p" * 48,
            "PORTAL_BASE_URL": BASE,
        },
        instance_path=tmp_path / "instance",
        database_url=database_url,
    )
    application = create_app(config, site=site, now=clock)
    give_board_key(application, clock.moment)
    yield application
    application.extensions["portal.db"].engine.dispose()


@pytest.mark.parametrize("path", ["/", "/file", "/figures/last-12-months.json", "/review/sign-in"])
def test_production_refuses_other_hosts_with_a_calm_page(production: Flask, path: str) -> None:
    client = production.test_client()
    refused = client.get(path, headers={"Host": FORGED})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "This is not the address of this site" in refused.get_data(as_text=True)
    assert FORGED not in refused.get_data(as_text=True)
    answered = client.get(path, headers={"Host": "portal.example.org"})
    assert answered.status_code < HTTPStatus.BAD_REQUEST


def test_production_refuses_a_forged_host_on_a_post(production: Flask) -> None:
    response = production.test_client().post(
        "/file", data={"narrative": "x"}, headers={"Host": FORGED}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This is not the address of this site" in response.get_data(as_text=True)
