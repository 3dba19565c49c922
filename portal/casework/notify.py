"""Email notices to board members who asked for them: "a case is waiting", never its content.

Notices are sent from a background thread after the person's request has been answered, so a
slow or broken mail server never delays or blocks filing. A failure is logged without any
address or content and otherwise forgotten.
"""

from __future__ import annotations

import logging
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import sitesettings
from portal.board.accounts import CASE_ROLES
from portal.casework.visibility import may_see
from portal.config import current_config
from portal.models import Account, Complaint
from portal.security import ratelimits
from portal.site import Site

log = logging.getLogger(__name__)

NEW, URGENT, REPLY = "new", "urgent", "reply"
TIMEOUT_SECONDS = 10

# Written in each member's own notice language, or else the board's (`Site.board_language`).
SUBJECTS = {
    NEW: _l("A case is waiting for the review board"),
    URGENT: _l("An urgent case is waiting for the review board"),
    REPLY: _l("A case has a new reply for the review board"),
}
WANTS = {NEW: "notify_new", URGENT: "notify_urgent", REPLY: "notify_reply"}


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    starttls: bool
    username: str
    password: str


class Notifier:
    """Owns the one background thread that talks to the mail server."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notices")
        self._pending: list[Future] = []

    def case_event(
        self,
        db: Session,
        site: Site,
        mailer_login: tuple[str, str],
        event: str,
        complaint_id: int,
        review_url: str,
    ) -> int:
        """Queue notices for an event; returns how many were queued. Never raises."""
        try:
            if not site.smtp_host:
                return 0
            recipients = _recipients(db, event, complaint_id)
            mailer = Mailer(
                site.smtp_host, site.smtp_port, site.smtp_from, site.smtp_starttls, *mailer_login
            )
            for address, language in recipients:
                subject, body = _words(event, review_url, language or site.board_language)
                self._pending.append(self._pool.submit(_send, mailer, address, subject, body))
            return len(recipients)
        except Exception:  # a notice must never break the request that caused it
            log.warning("board notices could not be queued")
            return 0

    def wait(self) -> None:
        """Block until every queued notice has been tried (for tests and shutdown)."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.exception()


def _recipients(db: Session, event: str, complaint_id: int) -> list[tuple[str, str | None]]:
    """Each address to tell, with the member's own notice language (None: the board's)."""
    complaint = db.get(Complaint, complaint_id)
    if complaint is None:
        return []
    accounts = db.scalars(
        select(Account).where(
            Account.disabled.is_(False),
            Account.notify_email.is_not(None),
            Account.role.in_([role.value for role in CASE_ROLES]),
            getattr(Account, WANTS[event]).is_(True),
        )
    )
    return [
        (a.notify_email, a.notice_language)
        for a in accounts
        if a.notify_email and may_see(db, a, complaint)
    ]


def _words(event: str, review_url: str, language: str) -> tuple[str, str]:
    """The subject and body of a notice, in one language. Made in the request, since
    the thread that sends them has no app context."""
    with force_locale(language):
        subject = str(SUBJECTS[event])
        body = "\n\n".join(
            [
                f"{subject}.",
                gettext("Sign in to see it: %(address)s", address=review_url),
                gettext("This notice holds no details of the case on purpose."),
            ]
        )
    return subject, body + "\n"


def _send(mailer: Mailer, address: str, subject: str, body: str) -> bool:
    """Send one plain-text email; False (logged without address or content) if it failed."""
    message = EmailMessage()
    message["From"] = mailer.sender
    message["To"] = address
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(mailer.host, mailer.port, timeout=TIMEOUT_SECONDS) as smtp:
            if mailer.starttls:
                smtp.starttls()
            if mailer.username:
                smtp.login(mailer.username, mailer.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("a notice could not be sent: %s", type(error).__name__)
        return False
    return True


send_now = _send


def tell_board(db: Session, event: str, complaint_id: int) -> None:
    """From a request: queue notices for `event` on a complaint. Never raises.

    Replies are folded together: a case's first reply in a window (`reply_notices_per_case`,
    shared by every worker through the rate-limit storage) is told, the rest of that window
    are not, so a burst of replies is one notice, not one each."""
    try:
        config = current_config()
        if event == REPLY and not ratelimits.first_in_window(
            config.reply_notices_per_case, "reply-notice", complaint_id
        ):
            return
        review_url = config.base_url + url_for("review.home")
        current_notifier().case_event(
            db,
            sitesettings.current(),
            (config.smtp_username, config.smtp_password),
            event,
            complaint_id,
            review_url,
        )
    except Exception:  # a notice must never break the request that caused it
        log.warning("board notices could not be queued")


# Where create_app keeps the app's Notifier; read only through `current_notifier`.
EXTENSION_KEY = "portal.notifier"


def current_notifier() -> Notifier:
    return current_app.extensions[EXTENSION_KEY]
