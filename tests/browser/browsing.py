"""Helpers for the browser tests: a `Person` who uses the participant pages through their real
forms, and what we check on every page: axe-core's WCAG 2.x A/AA rules, no sideways scrolling
on a small phone, tap targets big enough for a thumb, and a screenshot for a person to see."""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from babel.support import Translations

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Request

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe.min.js"
TRANSLATIONS = HERE.parent.parent / "portal" / "translations"
SCREENSHOTS = HERE / "screenshots"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 360, "height": 740}
SMALL_PHONE = {"width": 320, "height": 640}
MIN_TAP_HEIGHT = 44
# What the quick-exit site shows here. The test answers for it, so nothing leaves the machine;
# the empty icon keeps the browser from asking that site for a favicon as well.
NEUTRAL_PAGE = (
    "<!doctype html><html lang=en><title>Weather</title><link rel=icon href='data:,'>"
    "<h1>Sunny today</h1></html>"
)


# --- devices and people ---------------------------------------------------------------


@dataclass
class Devices:
    """Opens phones (a browser context with one page each), records every request they send,
    answers for the quick-exit site, and closes them all at the end of the test.

    Playwright's `route()` cannot answer for the quick-exit site here: Chromium follows the
    portal's 303 to it inside the network stack, and Playwright does not intercept redirects
    (microsoft/playwright#33882). So each page gets its own DevTools `Fetch` interception.
    Chromium pauses a redirect only when the request that caused it was paused too, hence
    the pattern for the portal's /exit, which is passed straight on.
    """

    browser: Browser
    base_url: str
    quick_exit_url: str
    opened: list[BrowserContext] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def new_page(self, viewport: dict[str, int] = PHONE, **options: Any) -> Page:
        """A phone (a touch screen) unless `options` say otherwise; its browser asks for US
        English unless `locale` is given (`es-US` makes the portal answer in Spanish)."""
        options = {"is_mobile": True, "has_touch": True, "locale": "en-US", **options}
        context = self.browser.new_context(viewport=viewport, **options)
        self.opened.append(context)
        context.set_default_timeout(5_000)
        page = context.new_page()
        page.on("request", lambda request: self.requests.append(request))
        self._answer_for_quick_exit_site(context, page)
        return page

    def _answer_for_quick_exit_site(self, context: BrowserContext, page: Page) -> None:
        devtools = context.new_cdp_session(page)
        body = base64.b64encode(NEUTRAL_PAGE.encode()).decode()

        def paused(event: dict[str, Any]) -> None:
            request_id = event["requestId"]
            if not event["request"]["url"].startswith(self.quick_exit_url):
                devtools.send("Fetch.continueRequest", {"requestId": request_id})
                return
            headers = [{"name": "Content-Type", "value": "text/html; charset=utf-8"}]
            devtools.send(
                "Fetch.fulfillRequest",
                {
                    "requestId": request_id,
                    "responseCode": 200,
                    "responseHeaders": headers,
                    "body": body,
                },
            )

        devtools.on("Fetch.requestPaused", paused)
        patterns = [self.base_url + "/exit", self.quick_exit_url + "*"]
        devtools.send("Fetch.enable", {"patterns": [{"urlPattern": p} for p in patterns]})

    def outside_requests(self) -> list[Request]:
        """Requests that went anywhere but the portal on 127.0.0.1."""
        return [r for r in self.requests if urlsplit(r.url).hostname != "127.0.0.1"]

    def close(self) -> None:
        for context in self.opened:
            context.close()


_GROUP = re.compile(r"[0-9A-Z]{4}")


# The language switch's buttons: each language named in itself.
SWITCH_TO = {"en": "English", "es": "Español"}


@functools.cache
def words_in(language: str) -> Callable[[str], str]:
    """`t("What happened?")`: the words the portal shows in `language`, from its own catalog,
    so a test written with the English words reads the Spanish pages too."""
    if language == "en":
        return str
    catalog = Translations.load(str(TRANSLATIONS), [language])
    return catalog.gettext


@dataclass
class Person:
    """Someone using the participant pages, through the real forms and buttons, in the
    language their browser asks for (`t` gives the words of that language)."""

    page: Page
    base_url: str
    language: str = "en"

    def t(self, english: str) -> str:
        return words_in(self.language)(english)

    def switch_language(self, language: str) -> None:
        """Press the language button for `language` and wait for the page in it."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=SWITCH_TO[language], exact=True).click()
        self.language = language

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def file(self, narrative: str, **choices: str) -> None:
        """Fill the form (`choices` maps a question to the answer's label, in English) and
        press Send."""
        t = self.t
        self.open("/file")
        self.page.get_by_label(t("What happened?")).fill(narrative)
        for question, answer in choices.items():
            group = self.page.get_by_role("group", name=t(question))
            if not group.is_visible():
                self.open_more_questions()
            group.get_by_label(t(answer)).check()
        self.press("Send")

    def open_more_questions(self) -> None:
        """Tap "More questions" on the filing form, where the optional questions wait."""
        self.page.locator("details.more-questions > summary").click()

    def claim_code(self) -> str:
        """The code on the receipt, as a person would copy it: five groups of four."""
        groups = _GROUP.findall(self.page.locator(".code").inner_text())
        assert len(groups) == 5, f"no claim code on the page: {groups}"
        return "-".join(groups)

    def check(self, typed: str) -> None:
        self.open("/check")
        self.page.get_by_label(self.t("Your claim code")).press_sequentially(typed)
        self.press("Open")

    def press(self, name: str) -> None:
        """Press a button that sends a form (named in English), and wait for the page it
        leads to."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=self.t(name), exact=True).click()

    def follow(self, name: str) -> None:
        """Follow a link (or a link drawn as a button) to its page."""
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=self.t(name)).click()

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()


# --- what we check on every page ---------------------------------------------------------


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA violations on this page. The page's context must be made with
    `bypass_csp=True`, or the portal's `script-src 'self'` would refuse the injected script."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            for summary in node["failureSummary"].splitlines():
                lines.append(f"       {summary}")
    return "\n".join(lines)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it needs no sideways
    scrolling)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


# Buttons, links drawn as buttons, disclosure summaries and form fields, each measured with its
# label when the label is what a finger taps (radio buttons). Hidden things and the spam trap
# are left out.
_SMALL_TARGETS_JS = """
min => {
  const seen = [];
  const visible = el => el.getClientRects().length > 0 && !el.closest('.trap, .skip, [hidden]');
  const targets = document.querySelectorAll(
    'button, a.button, summary, input:not([type=hidden]), select, textarea');
  for (const el of targets) {
    if (!visible(el)) continue;
    let box = el.getBoundingClientRect();
    let top = box.top, bottom = box.bottom;
    if (el.type === 'radio' || el.type === 'checkbox') {
      for (const label of el.labels) {
        const b = label.getBoundingClientRect();
        top = Math.min(top, b.top); bottom = Math.max(bottom, b.bottom);
      }
    }
    const height = Math.round((bottom - top) * 10) / 10;
    if (height < min) {
      const name = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 40);
      seen.push(`${el.tagName.toLowerCase()}[${name}] is ${height}px high`);
    }
  }
  return seen;
}
"""


def small_tap_targets(page: Page) -> list[str]:
    return page.evaluate(_SMALL_TARGETS_JS, MIN_TAP_HEIGHT)


def screenshot(page: Page, name: str) -> Path:
    """A full-page picture for a person to look at (tests/browser/screenshots/ is ignored
    by git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits_a_phone(page: Page, where: str) -> None:
    """No sideways scrolling, and every button and field is big enough for a thumb."""
    overflow = horizontal_overflow(page)
    assert overflow == 0, f"{where}: the page scrolls sideways by {overflow}px"
    small = small_tap_targets(page)
    assert not small, f"{where}: tap targets under {MIN_TAP_HEIGHT}px: " + "; ".join(small)
