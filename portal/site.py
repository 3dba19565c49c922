"""Site specifics: what differs between one LEAD program and the next.

Read from `site.toml` in the instance folder when it exists, with defaults that make a fresh
install usable. Nothing here is secret. A later change lets admins edit these in the review
area; this file stays the starting point for a new site.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SITE_FILE = "site.toml"


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
    neutral_title: str = "Community notes"
    # Where the quick exit sends people: an everyday site that raises no questions.
    quick_exit_url: str = "https://www.weather.gov/"
    # The address printed on the claim-code slip, so people know where to come back.
    public_address: str = ""
    agencies: tuple[str, ...] = (
        "City police department",
        "County sheriff's office",
        "Prosecutor's office",
        "LEAD case management",
        "Housing provider",
        "Treatment provider",
    )
    help_resources: tuple[HelpResource, ...] = field(
        default_factory=lambda: (
            HelpResource(
                name="988 Suicide and Crisis Lifeline",
                what="Call or text any time if you are in crisis.",
                phone="988",
                hours="24 hours",
            ),
            HelpResource(
                name="National Domestic Violence Hotline",
                what="Help if someone is hurting you or scaring you.",
                phone="1-800-799-7233",
                hours="24 hours",
            ),
            HelpResource(
                name="Emergency",
                what="If you are in danger right now.",
                phone="911",
            ),
        )
    )

    # Public figures: a count below this is shown as "fewer than N".
    suppression_threshold: int = 10
    # Pattern alerts: how many independent complaints must name the same person or provider.
    pattern_threshold: int = 3
    # Retention: days a closed or withdrawn case is kept, and an untouched one.
    retention_closed_days: int = 365
    retention_unopened_days: int = 365
    # Kiosk mode, for drop-in centre computers: after this many idle seconds any participant
    # page is replaced by the start page and any open case ends.
    kiosk_mode: bool = False
    kiosk_idle_seconds: int = 120
    # Email notices to board members who opt in. Empty host: no email is ever sent.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "portal@localhost"
    smtp_starttls: bool = False

    @property
    def quick_exit_origin(self) -> str:
        parts = urlsplit(self.quick_exit_url)
        return f"{parts.scheme}://{parts.netloc}"


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
    if "help_resources" in values:
        values["help_resources"] = tuple(HelpResource(**r) for r in values["help_resources"])
    try:
        site = Site(**values)
    except TypeError as error:
        raise SiteConfigError(f"site.toml: {error}") from error
    parts = urlsplit(site.quick_exit_url)
    if (
        parts.scheme != "https"
        or not parts.netloc
        or any(c in site.quick_exit_url for c in " ;'\"")
    ):
        raise SiteConfigError("site.toml: quick_exit_url must be an https:// address")
    for name in NUMBERS:
        value = getattr(site, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 36500:
            raise SiteConfigError(f"site.toml: {name} must be a whole number from 1 to 36500")
    if not isinstance(site.smtp_port, int) or not 1 <= site.smtp_port <= 65535:
        raise SiteConfigError("site.toml: smtp_port must be a port number")
    return site


NUMBERS = (
    "kiosk_idle_seconds",
    "suppression_threshold",
    "pattern_threshold",
    "retention_closed_days",
    "retention_unopened_days",
)


def site_to_mapping(site: Site) -> dict:
    """The inverse of `site_from_mapping`, for storing settings as JSON."""
    return dataclasses.asdict(site)
