"""A person's browser, as far as the reliability benchmarks need one: the filing form and the
claim-code check, through the real pages (session cookie, CSRF token, form token).

Plain `http.client` on 127.0.0.1 only, a fresh connection per request (gunicorn's sync workers
close each one), and a timeout on every request, so no client can hang a run.
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from dataclasses import dataclass, field

TIMEOUT_SECONDS = 60
CALM_OUTAGE_PAGE = "We could not save this just now"

_HIDDEN = r'name="{name}" type="hidden" value="([^"]*)"'
_CODE = re.compile(r'class="code" aria-label="([0-9A-Z ]{24})"')

# What became of one request, as the person would see it.
FILED = "filed"  # 200 with a claim code
CALM = "calm"  # 503 with the "could not save, your words are below" page and the words
LOST = "lost"  # no answer: the connection dropped (a killed worker) or timed out
OTHER = "other"  # anything else (a 500, a 503 without the words, a 429...)


class NoAnswer(Exception):
    """The connection dropped or timed out before a whole answer came back."""


def hidden_value(html: str, name: str) -> str:
    match = re.search(_HIDDEN.format(name=name), html)
    if match is None:
        raise ValueError(f"no hidden field {name!r} on the page")
    return match.group(1)


def code_on_page(html: str) -> str | None:
    match = _CODE.search(html)
    return match.group(1).replace(" ", "-") if match else None


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str | None = None


@dataclass(frozen=True)
class Outcome:
    kind: str
    status: int = 0
    code: str | None = None


@dataclass
class Browser:
    """One person's browser: a cookie jar and the filing form they have open."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Answer:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as error:
            raise NoAnswer(type(error).__name__) from None
        finally:
            connection.close()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return Answer(response.status, text, response.getheader("Location"))

    # --- filing -------------------------------------------------------------------------

    def open_form(self, narrative: str) -> None:
        """GET /file and fill in the narrative: the form the person will send."""
        page = self.request("GET", "/file")
        if page.status != 200:
            raise NoAnswer(f"GET /file answered {page.status}")
        self.form = {
            "csrf_token": hidden_value(page.body, "csrf_token"),
            "form_token": hidden_value(page.body, "form_token"),
            "narrative": narrative,
        }

    def send_form(self) -> Outcome:
        """POST the open form, exactly as it is (a retry sends the same tokens)."""
        try:
            answer = self.request("POST", "/file", self.form)
        except NoAnswer:
            return Outcome(LOST)
        if answer.status == 200:
            code = code_on_page(answer.body)
            return Outcome(FILED, 200, code) if code else Outcome(OTHER, 200)
        if answer.status == 503 and CALM_OUTAGE_PAGE in answer.body:
            if self.form["narrative"] not in answer.body:
                return Outcome(OTHER, 503)
            # Sending again means sending what that page holds.
            self.form["csrf_token"] = hidden_value(answer.body, "csrf_token")
            if hidden_value(answer.body, "form_token") != self.form["form_token"]:
                return Outcome(OTHER, 503)
            return Outcome(CALM, 503)
        return Outcome(OTHER, answer.status)

    # --- checking -----------------------------------------------------------------------

    def check(self, code: str) -> Answer:
        """GET /check, then POST the code; a good code answers 303 to the case page."""
        page = self.request("GET", "/check")
        fields = {"csrf_token": hidden_value(page.body, "csrf_token"), "code": code}
        return self.request("POST", "/check", fields)

    def opens_case_with(self, code: str, words: str) -> bool:
        """True when the code opens a case page that shows `words`."""
        answer = self.check(code)
        if answer.status != 303:
            return False
        case = self.request("GET", "/case")
        self.request("POST", "/leave", {})
        return case.status == 200 and words in case.body
