"""How many bytes a phone downloads for each participant page, with nothing cached.

Each page is reached the way a person reaches it (the receipt by sending the form with its
tokens, the case by checking the code) through the Flask test client, in English and in
Spanish (chosen with the language button, as a person would), and counted with every
stylesheet, script and icon it references. Goal: at most 30 KiB per page, for people on
prepaid data and weak signal.

    .venv/bin/python bench/page_weight.py     # this section alone
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from pathlib import Path

from flask.testing import FlaskClient
from report import Verdict, say

from portal import create_app, db, migrate
from portal.choices import SafeNow
from portal.config import Config
from portal.security import keys

PAGE_BYTES_GOAL = 30 * 1024
LANGUAGES = ("en", "es")

_ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)')
_CSS_URL = re.compile(r"url\(\s*['\"]?(/static/[^'\")?#]+)")
_HIDDEN = r'name="{name}" type="hidden" value="([^"]*)"'
_CODE = re.compile(r'class="code" aria-label="([0-9A-Z ]{24})"')


def _hidden(html: str, name: str) -> str:
    match = re.search(_HIDDEN.format(name=name), html)
    if match is None:
        raise RuntimeError(f"no hidden field {name!r} on the page")
    return match.group(1)


def participant_pages(workdir: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The HTML of each participant page, reached the way a person reaches it, and the
    static files those pages reference (read through the app, so they are what it serves)."""
    instance = workdir / "pages"
    url = f"sqlite:///{instance / 'portal.sqlite3'}"
    instance.mkdir()
    migrate.upgrade(url)
    config = Config.from_env(
        {"PORTAL_ENV": "test", "PORTAL_ARGON2_PROFILE": "test"},
        instance_path=instance,
        secret_key="bench-secret-key-" + "x" * 32,
        claim_pepper="bench-pepper-" + "y" * 32,
        database_url=url,
    )
    app = create_app(config)
    # A site takes complaints once the board's key exists (the first admin's enrollment
    # normally makes it); this throwaway instance makes it directly.
    with app.app_context():
        keys.create_board_key(db.session(), dt.datetime.now())
        db.session().commit()
    pages: dict[str, bytes] = {}
    for language in LANGUAGES:
        client = app.test_client()
        # The language button, as a person would press it.
        client.post("/language", data={"lang": language, "next": "/"})
        prefix = "" if language == "en" else f"{language} "
        for name, html in _pages_for(client).items():
            pages[prefix + name] = html
    client = app.test_client()

    def fetch(method: str, path: str, expect: int = 200, **kwargs: object) -> bytes:
        response = client.open(path, method=method, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path} answered {response.status_code}")
        return response.get_data()

    assets: dict[str, bytes] = {}
    pending = [path for html in pages.values() for path in _ASSET.findall(html.decode())]
    while pending:
        path = pending.pop()
        if path not in assets:
            assets[path] = fetch("GET", path)
            pending.extend(_CSS_URL.findall(assets[path].decode(errors="replace")))
    app.extensions["portal.db"].engine.dispose()
    return pages, assets


def _pages_for(client: FlaskClient) -> dict[str, bytes]:
    """Each participant page as this browser (and its language) gets it."""

    def fetch(method: str, path: str, expect: int = 200, **kwargs: object) -> bytes:
        response = client.open(path, method=method, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path} answered {response.status_code}")
        return response.get_data()

    def file(**fields: str) -> bytes:
        form = fetch("GET", "/file").decode()
        tokens = {name: _hidden(form, name) for name in ("csrf_token", "form_token")}
        narrative = "An officer took my phone and would not give it back."
        return fetch("POST", "/file", data={**tokens, "narrative": narrative, **fields})

    pages = {path: fetch("GET", path) for path in ("/", "/file", "/check", "/figures")}
    # Someone who says they are not safe gets a longer receipt, with places to call.
    pages["receipt, not safe now"] = file(safe_now=SafeNow.NO.value)
    receipt = pages["receipt (POST /file)"] = file()
    code = _CODE.search(receipt.decode())
    if code is None:
        raise RuntimeError("no claim code on the filing receipt")
    check = fetch("GET", "/check").decode()
    fetch(
        "POST",
        "/check",
        expect=303,
        data={"csrf_token": _hidden(check, "csrf_token"), "code": code.group(1)},
    )
    pages["/case (after a check)"] = fetch("GET", "/case")
    return pages


def referenced(html: bytes, assets: dict[str, bytes]) -> list[str]:
    """The static files this page makes a browser fetch, stylesheet images included."""
    found: list[str] = []
    for path in _ASSET.findall(html.decode()):
        found.append(path)
        found.extend(_CSS_URL.findall(assets[path].decode(errors="replace")))
    return list(dict.fromkeys(found))


def bench_page_weight(workdir: Path) -> Verdict:
    """Bytes per participant page, HTML plus everything it references, nothing cached."""
    say("3. Bytes a phone downloads per participant page (HTML + referenced static files)")
    pages, assets = participant_pages(workdir)
    for path, body in assets.items():
        say(f"   {path:<25} {len(body):>7,} bytes")
    say(f"   {'page':<25} {'HTML':>7} {'static':>7} {'total':>7} {'gzipped':>8}")
    heaviest = ("", 0)
    over: list[str] = []
    for name, html in pages.items():
        files = [html] + [assets[path] for path in referenced(html, assets)]
        total = sum(len(body) for body in files)
        zipped = sum(len(gzip.compress(body)) for body in files)
        flag = "  OVER 30 KiB" if total > PAGE_BYTES_GOAL else ""
        say(f"   {name:<25} {len(html):>7,} {total - len(html):>7,} {total:>7,} {zipped:>8,}{flag}")
        heaviest = max(heaviest, (name, total), key=lambda item: item[1])
        if flag:
            over.append(name)
    say("   (bytes; gzipped is for information only, the portal sends them uncompressed)")
    # Fetched by portal.js only when a person presses Listen, so not in any page above.
    listen = Path(__file__).resolve().parent.parent / "static" / "listen.js"
    say(f"   on demand: /static/listen.js {listen.stat().st_size:,} bytes, on the first Listen")
    say(f"   heaviest: {heaviest[0]}, {heaviest[1] / 1024:.1f} KiB   [goal: <= 30 KiB each]")
    return Verdict(
        "every participant page <= 30 KiB",
        not over,
        f"heaviest {heaviest[0]} {heaviest[1] / 1024:.1f} KiB"
        + (f"; over: {', '.join(over)}" if over else ""),
    )


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        verdict = bench_page_weight(Path(workdir))
    say(f"{verdict.goal}: {'met' if verdict.met else 'NOT met'} ({verdict.figure})")
    sys.exit(0)
