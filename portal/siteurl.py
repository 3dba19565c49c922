"""Links that leave the page (an invitation, the open data's dictionary, the address on a
printed slip) are built from the configured address, `PORTAL_BASE_URL`, never from the
request's Host header, which whoever sends the request chooses.

In production a request for any other host is refused with a calm 400 page before anything
else runs (the shipped nginx config drops such requests in a default server first). In
development and tests every host is answered, so 127.0.0.1 and localhost keep working.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.sansio.utils import get_host, host_is_trusted

from portal import sitesettings
from portal.config import Config, current_config


def _config() -> Config:
    return current_config()


def external_url(endpoint: str, **values: object) -> str:
    """`url_for(..., _external=True)`, but on the configured address."""
    return _config().base_url + url_for(endpoint, **values)


def public_address() -> str:
    """The address to print for people: the site's own setting, else the configured one."""
    return sitesettings.current().public_address or _config().base_url


def file_public_address() -> str:
    """`public_address` as site.toml has it, which the board's settings page cannot change
    (the address a person's news email sends them to, to type their code)."""
    return sitesettings.base_site().public_address or _config().base_url


def configured_host(config: Config) -> str:
    """The host (with its port, if the address names one) that production answers for."""
    return urlsplit(config.base_url).netloc


def _refuse_other_hosts() -> ResponseReturnValue | None:
    host = get_host(request.scheme, request.headers.get("host"), request.server)
    if host_is_trusted(host, [configured_host(_config())]):
        return None
    body = render_template(
        "errors/error.html",
        title=_("This is not the address of this site"),
        message=_("Please check the address you typed, or go to the first page."),
    )
    return body, 400


def init_app(app: Flask, config: Config) -> None:
    app.add_template_global(public_address)
    if config.is_production:
        app.before_request(_refuse_other_hosts)
