"""Telling a person, by email, that there is news on their complaint, when they asked to be.

The address is optional, off until the person gives it, and removable at any time on their
case page. It is stored only encrypted with the complaint's data key, padded to one length,
so it can be read only where that key is: while a board member who holds the board key acts
on the case, or by the person with their code. The notice is sent then, in that request;
nothing readable waits on the server for later, and the board never sees the address.

The email says only that there is news at the site and to open it with the code: in the
person's language, from the site's neutral name, with the same subject and words for every
complaint. Never the code, the reference, the kind, or any of the complaint's words.

News is a message or question from the board, a status change, a referral to agree to, or
the outcome letter. Each of those already needs the complaint's data key, so its notice can
always go with it. Should news ever come without the key, the row only says "news waiting"
(nothing readable), and the next member holding the key who opens the case tells the person.

The mail server (host, port, STARTTLS) and the site address in the email are site.toml's,
never what an admin saved on the settings page: an admin who pointed the portal at a mail
server of their own would get each person's address beside the case they had just acted on,
and a look-alike address in the email would collect codes.

A failure to send never undoes or holds up the board's action: it is kept as a flag, and the
board's case page says "could not tell the person". The address goes when the person removes
it or withdraws, `Site.news_erase_days` after the case is closed, and with the case at the
retention purge.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from email.utils import formataddr

from flask_babel import force_locale, gettext
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal import languages, sitesettings, siteurl
from portal.casework import notify
from portal.choices import Status
from portal.config import current_config
from portal.db import write_transaction
from portal.models import Complaint, NewsContact
from portal.security import crypto, sealing

log = logging.getLogger(__name__)

ADDRESS_MAX = 254
# Every address is padded to this length before it is encrypted, so the stored value does
# not tell how long the address is.
PADDED = ADDRESS_MAX + 2
# One plain address: nothing an email header reads as a second recipient, a name or a group
# (a comma would also send each notice to a local mailbox such as "postmaster,me@x.org").
_PART = r"[^@\s,;:<>()\[\]\"\\\x00-\x1f\x7f]+"
_ADDRESS = re.compile(rf"^{_PART}@{_PART}\.{_PART}$")


class BadAddress(ValueError):
    """Not something an email can be sent to."""


@dataclasses.dataclass(frozen=True)
class ForBoard:
    """All the board may know: that the person asked, and whether a notice is owed."""

    failed: bool
    waiting: bool


def can_send() -> bool:
    """Whether site.toml names a mail server: only then is the email box offered."""
    return bool(sitesettings.base_site().smtp_host)


def clean(address: str | None) -> str:
    text = (address or "").strip()
    if not text or len(text) > ADDRESS_MAX or not _ADDRESS.match(text):
        raise BadAddress
    return text


def _lock(data_key: bytes, address: str) -> str:
    return sealing.lock(data_key, address.ljust(PADDED), sealing.NEWS_EMAIL) or ""


def _unlock(data_key: bytes, stored: str) -> str:
    return (sealing.unlock(data_key, stored, sealing.NEWS_EMAIL) or "").strip()


def save(db: Session, complaint_id: int, data_key: bytes, address: str, language: str) -> None:
    """Keep (or replace) the person's address, encrypted with the complaint's data key."""
    address = clean(address)
    with write_transaction(db):
        row = db.get(NewsContact, complaint_id)
        if row is None:
            row = NewsContact(complaint_id=complaint_id)
            db.add(row)
        row.address = _lock(data_key, address)
        row.language = language
        row.failed = row.waiting = False


def remove(db: Session, complaint_id: int) -> None:
    with write_transaction(db):
        db.execute(delete(NewsContact).where(NewsContact.complaint_id == complaint_id))


def erase_in_transaction(db: Session, complaint_id: int) -> None:
    """For a caller already in a write transaction (a withdrawal)."""
    db.execute(delete(NewsContact).where(NewsContact.complaint_id == complaint_id))


def shown_to_person(db: Session, complaint_id: int, data_key: bytes | None) -> str | None:
    """The address, partly hidden, for the person's own case page; None if they gave none."""
    row = db.get(NewsContact, complaint_id)
    if row is None or data_key is None:
        return None
    try:
        local, _at, domain = _unlock(data_key, row.address).rpartition("@")
    except crypto.DecryptionFailed:
        return None
    return f"{local[:1]}•••@{domain}"


def asked(db: Session, complaint_id: int) -> bool:
    """Whether the person asked to be told (for their own receipt, shown again)."""
    return db.get(NewsContact, complaint_id) is not None


def for_board(db: Session, complaint_id: int) -> ForBoard | None:
    row = db.get(NewsContact, complaint_id)
    return None if row is None else ForBoard(failed=row.failed, waiting=row.waiting)


def seen_by_person(db: Session, complaint_id: int) -> None:
    """The person opened their case: any news waiting to be told is no longer owed."""
    with write_transaction(db):
        db.execute(
            update(NewsContact)
            .where(NewsContact.complaint_id == complaint_id, NewsContact.waiting.is_(True))
            .values(waiting=False)
        )


def is_waiting(db: Session, complaint_id: int) -> bool:
    return bool(
        db.scalar(select(NewsContact.waiting).where(NewsContact.complaint_id == complaint_id))
    )


def erase_after_closing(db: Session, today: dt.date, days: int) -> int:
    """Inside the purge's transaction: the addresses of cases closed `days` ago or more."""
    before = today - dt.timedelta(days=days)
    closed = select(Complaint.id).where(
        Complaint.status.in_((Status.CLOSED.value, Status.WITHDRAWN.value)),
        Complaint.updated_on <= before,
    )
    result = db.execute(delete(NewsContact).where(NewsContact.complaint_id.in_(closed)))
    return result.rowcount or 0


# --- the email -------------------------------------------------------------------------------


def words(language: str, address: str) -> tuple[str, str]:
    """The subject and body: the same for every complaint, but for the language."""
    with force_locale(language):
        subject = gettext("There is news for you")
        body = "\n\n".join(
            [
                gettext("Hello,"),
                gettext("There is something new for you at %(address)s", address=address),
                gettext("To see it, go there and type your code."),
                gettext(
                    "You get this email because you asked for it. To stop it, open the "
                    "site with your code and remove your email address."
                ),
            ]
        )
    return subject, body + "\n"


def _sender(language: str, sender_address: str) -> str:
    """The site's neutral name, in the person's language, and the site's sending address."""
    with force_locale(language):
        name = languages.site_words(sitesettings.current().neutral_title)
    return formataddr((name, sender_address))


def tell(db: Session, complaint_id: int, data_key: bytes | None) -> None:
    """From a request in which there is news: email the person, if they asked. Never raises.

    Without the data key nothing can be read: only "news waiting" is kept."""
    try:
        _tell(db, complaint_id, data_key)
    except Exception:  # a notice must never break the action that caused it
        db.rollback()
        log.warning("the person could not be told of news")


def _tell(db: Session, complaint_id: int, data_key: bytes | None) -> None:
    row = db.get(NewsContact, complaint_id)
    if row is None:
        return
    if data_key is None:
        _flag(db, complaint_id, waiting=True)
        return
    site, server = sitesettings.current(), sitesettings.base_site()
    language, stored = row.language, row.address
    db.commit()  # no transaction stays open while the mail server answers
    sent = False
    if server.smtp_host:
        config = current_config()
        mailer = notify.Mailer(
            server.smtp_host,
            server.smtp_port,
            _sender(language, site.smtp_from),
            server.smtp_starttls,
            config.smtp_username,
            config.smtp_password,
        )
        subject, body = words(language, siteurl.file_public_address())
        sent = notify.send_now(mailer, _unlock(data_key, stored), subject, body)
    _flag(db, complaint_id, waiting=False, failed=not sent)


def _flag(db: Session, complaint_id: int, **flags: bool) -> None:
    with write_transaction(db):
        db.execute(
            update(NewsContact).where(NewsContact.complaint_id == complaint_id).values(**flags)
        )
