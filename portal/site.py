"""Site specifics: what differs between one LEAD program and the next.

Read from `site.toml` in the instance folder when it exists, with defaults that make a fresh
install usable. Nothing here is secret. A later change lets admins edit these in the review
area; this file stays the starting point for a new site.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from portal import headers
from portal.choices import DEFAULT_LANGUAGE, LANGUAGES

SITE_FILE = "site.toml"
# Languages the board's email notices can be written in.
NOTICE_LANGUAGES = LANGUAGES
# The default words below, which `portal.languages.site_words` shows in the person's language.
# What an admin writes instead is shown as written.
DEFAULT_WORDS: set[str] = set()


def N_(text: str) -> str:
    """Mark a default for translation (`make translations` extracts it); returns it as is."""
    DEFAULT_WORDS.add(text)
    return text


class SiteConfigError(ValueError):
    """site.toml is not valid; the message says which key and why."""


@dataclass(frozen=True)
class HelpResource:
    name: str
    what: str = ""
    phone: str = ""
    hours: str = ""
    address: str = ""


@dataclass(frozen=True)
class Site:
    program_name: str = "LEAD"
    # Shown as the page title in the browser tab and history, so it does not say "complaint".
    neutral_title: str = N_("Community notes")
    # Where the quick exit sends people: an everyday site that raises no questions.
    quick_exit_url: str = "https://www.weather.gov/"
    # The address printed on the claim-code slip, so people know where to come back.
    public_address: str = ""
    agencies: tuple[str, ...] = (
        N_("City police department"),
        N_("County sheriff's office"),
        N_("Prosecutor's office"),
        N_("LEAD case management"),
        N_("Housing provider"),
        N_("Treatment provider"),
    )
    help_resources: tuple[HelpResource, ...] = field(
        default_factory=lambda: (
            HelpResource(
                name=N_("988 Suicide and Crisis Lifeline"),
                what=N_("Call or text any time if you are in crisis."),
                phone="988",
                hours=N_("24 hours"),
            ),
            HelpResource(
                name=N_("National Domestic Violence Hotline"),
                what=N_("Help if someone is hurting you or scaring you."),
                phone="1-800-799-7233",
                hours=N_("24 hours"),
            ),
        )
    )
    # Shown to a person in danger (the start page, and after "I am not safe"). Many people
    # this portal serves cannot safely call the police, so 911 is listed only if an admin
    # adds it; a site should add its local crisis line and sex-worker-led hotline.
    danger_lines: tuple[HelpResource, ...] = field(
        default_factory=lambda: (
            HelpResource(
                name=N_("988 Suicide and Crisis Lifeline"),
                what=N_("Call or text 988. A trained counselor answers. It is not the police."),
                phone="988",
                hours=N_("24 hours"),
            ),
            HelpResource(
                name=N_("National Domestic Violence Hotline"),
                what=N_(
                    "Call, or text START to 88788, if someone is hurting or scaring you. "
                    "It is not the police."
                ),
                phone="1-800-799-7233",
                hours=N_("24 hours"),
            ),
        )
    )
    # What an admin wrote for participants, in other languages: in site.toml a table
    # `[words.es]` of "English words" = "Spanish words"; here (language, English, theirs)
    # triples, so a Site stays hashable. `portal.languages.site_words` shows them.
    words: tuple[tuple[str, str, str], ...] = ()

    # Public figures: a count below this is shown as "fewer than N".
    suppression_threshold: int = 10
    # Pattern alerts: how many independent complaints must name the same person or provider.
    pattern_threshold: int = 3
    # Retention: days a closed or withdrawn case is kept, and an untouched one.
    retention_closed_days: int = 365
    retention_unopened_days: int = 365
    # A person's email address for news on their complaint is erased this many days after
    # the case is closed (portal.casework.news).
    news_erase_days: int = 30
    # "The board usually answers within N days" on the receipt, until the public figures
    # have a typical (median) time to the board's first answer.
    typical_answer_days: int = 14
    # Kiosk mode, for drop-in centre computers: after this many idle seconds any participant
    # page is replaced by the start page and any open case ends.
    kiosk_mode: bool = False
    kiosk_idle_seconds: int = 120
    # Email notices to board members who opt in. Empty host: no email is ever sent.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "portal@localhost"
    smtp_starttls: bool = False
    # The language of those notices: the board's language.
    board_language: str = "en"
    # Days after the board's decision in which the person may ask once for it to look again.
    reconsider_days: int = 30
    # Whether the program offers mediation, which the person may then ask for on their case.
    mediation_offered: bool = False

    def words_in(self, language: str) -> dict[str, str]:
        return {english: theirs for lang, english, theirs in self.words if lang == language}

    def words_by_language(self) -> dict[str, dict[str, str]]:
        return {lang: self.words_in(lang) for lang in sorted({w[0] for w in self.words})}

    @property
    def quick_exit_origin(self) -> str:
        """The quick-exit site's origin for the content security policy, built from the
        parsed address (see `parse_quick_exit`), never pasted from what was typed."""
        return parse_quick_exit(self.quick_exit_url).origin


def load_site(instance_path: Path) -> Site:
    """The site for this instance: `site.toml` over the defaults."""
    path = instance_path / SITE_FILE
    if not path.exists():
        return Site()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SiteConfigError(f"{path}: {error}") from error
    return site_from_mapping(data)


def site_from_mapping(data: dict) -> Site:
    known = set(Site.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise SiteConfigError(f"site.toml: unknown keys {sorted(unknown)}")
    values = dict(data)
    if "agencies" in values:
        values["agencies"] = tuple(str(a) for a in values["agencies"])
    for key in ("help_resources", "danger_lines"):
        if key in values:
            try:
                values[key] = tuple(HelpResource(**r) for r in values[key])
            except TypeError as error:
                raise SiteConfigError(f"site.toml: {key}: {error}") from error
    if "words" in values:
        values["words"] = _words(values["words"])
    try:
        site = Site(**values)
    except TypeError as error:
        raise SiteConfigError(f"site.toml: {error}") from error
    if not isinstance(site.quick_exit_url, str):
        raise SiteConfigError(f"site.toml: quick_exit_url: {QUICK_EXIT_HELP}")
    exit_address = parse_quick_exit(site.quick_exit_url)
    site = dataclasses.replace(site, quick_exit_url=exit_address.url)
    # Checked before a setting is used or saved: one that broke the headers would break every
    # page, the admin's settings page included, so it could not be undone from there.
    try:
        headers.check_quick_exit_headers(exit_address.url, exit_address.origin)
    except ValueError as error:
        raise SiteConfigError(f"quick_exit_url: {error}; {QUICK_EXIT_HELP}") from error
    for name in NUMBERS:
        value = getattr(site, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 36500:
            raise SiteConfigError(f"site.toml: {name} must be a whole number from 1 to 36500")
    if not isinstance(site.smtp_port, int) or not 1 <= site.smtp_port <= 65535:
        raise SiteConfigError("site.toml: smtp_port must be a port number")
    if not isinstance(site.mediation_offered, bool):
        raise SiteConfigError("site.toml: mediation_offered must be true or false")
    if site.board_language not in NOTICE_LANGUAGES:
        raise SiteConfigError(f"site.toml: board_language must be one of {NOTICE_LANGUAGES}")
    return site


WORDS_MAX = 2000


def _words(data: object) -> tuple[tuple[str, str, str], ...]:
    """`words`: for each language but English, a table of the admin's own words in it."""
    others = set(NOTICE_LANGUAGES) - {DEFAULT_LANGUAGE}
    if not isinstance(data, dict) or not set(data) <= others:
        raise SiteConfigError(f"site.toml: words must be a table for each of {sorted(others)}")
    words = []
    for language, table in sorted(data.items()):
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= WORDS_MAX >= len(v)
            for k, v in table.items()
        ):
            raise SiteConfigError(f"site.toml: words.{language} must map words to words")
        words += [(language, k, v) for k, v in sorted(table.items()) if k and v]
    return tuple(words)


QUICK_EXIT_HELP = (
    "please use a plain https:// address, like https://www.weather.gov/ "
    "(no spaces, no user name or password, no * or commas, a port from 1 to 65535)"
)
# One DNS label, after IDNA encoding: letters, digits and inner hyphens, at most 63 long.
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Characters kept as they are in the path and query; anything else is percent-encoded, so the
# Location header is plain ASCII whatever was typed.
_PATH_SAFE = "/-._~!$&()+=:@%"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class QuickExit:
    url: str  # what the Location header says
    origin: str  # what the content security policy's form-action allows


def parse_quick_exit(text: str) -> QuickExit:
    """The quick-exit address, parsed strictly and rebuilt from its parts: https only, the
    host IDNA-encoded and made of DNS labels (no wildcard, no IP literal), a valid port, no
    user name or password. Every character of the result is printable ASCII, so neither the
    redirect nor the content security policy built from it can break or widen. Raises
    `SiteConfigError` (with a message for whoever set it) for anything else."""

    def refuse(why: str) -> SiteConfigError:
        return SiteConfigError(f"quick_exit_url: {why}; {QUICK_EXIT_HELP}")

    if len(text) > 500:
        raise refuse("it is too long")
    if any(not ch.isprintable() or ch.isspace() for ch in text):
        raise refuse("it has a space, a line break or another invisible character")
    if any(ch in text for ch in "*,;'\"\\<>`{}|^"):
        raise refuse("it has a character that cannot be in an address")
    parts = urlsplit(text)
    if parts.scheme.lower() != "https":
        raise refuse("it must start with https://")
    if "@" in parts.netloc:
        raise refuse("it must not hold a user name or password")
    try:
        port = parts.port
    except ValueError as error:
        raise refuse("its port is not a number from 1 to 65535") from error
    if port == 0 or (parts.netloc.endswith(":") and port is None):
        raise refuse("its port is not a number from 1 to 65535")
    host = (parts.hostname or "").rstrip(".")
    if not host or "[" in parts.netloc:
        raise refuse("it needs a site name, like www.weather.gov")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise refuse("its site name cannot be written as an address") from error
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise refuse("its site name cannot be written as an address")
    if labels[-1].isdigit():
        raise refuse("it needs a site name, like www.weather.gov, not a number")
    netloc = ascii_host if port in (None, 443) else f"{ascii_host}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    url = f"https://{netloc}{path}" + (f"?{query}" if query else "")
    return QuickExit(url=url, origin=f"https://{netloc}")


NUMBERS = (
    "kiosk_idle_seconds",
    "suppression_threshold",
    "pattern_threshold",
    "retention_closed_days",
    "retention_unopened_days",
    "news_erase_days",
    "typical_answer_days",
    "reconsider_days",
)


def site_to_mapping(site: Site) -> dict:
    """The inverse of `site_from_mapping`, for storing settings as JSON."""
    data = dataclasses.asdict(site)
    data["words"] = site.words_by_language()
    return data
