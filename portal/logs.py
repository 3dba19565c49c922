"""Logging that never records who is asking.

Werkzeug's development server writes the client address at the start of each access line;
the request handler below writes "-" there instead (while the application still sees the
real address, which the rate limits need to tell one client from another), and a filter
scrubs anything shaped like an IP address from the loggers we know, in case another server
or library lets one through.
"""

from __future__ import annotations

import logging
import re

from werkzeug._internal import _log as _werkzeug_log
from werkzeug.serving import WSGIRequestHandler

_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Colon groups; only those that can only be IPv6 (a "::", or four or more colons) are
# redacted, so clock times such as 14:03:22 survive.
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


def _redact_ipv6(match: re.Match[str]) -> str:
    found = match.group(0)
    return "-" if "::" in found or found.count(":") >= 4 else found


# An invitation link works once, but until then it is a key to an account: keep it out of
# access logs.
_INVITE = re.compile(r"(/review/enroll/)[A-Za-z0-9_\-]+")


def redact(message: str) -> str:
    message = _INVITE.sub(r"\1-", message)
    return _IPV6.sub(_redact_ipv6, _IPV4.sub("-", message))


LOGGERS = ("werkzeug", "flask-limiter", "gunicorn.access", "gunicorn.error")


class RedactAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(app_logger: logging.Logger) -> None:
    redact = RedactAddresses()
    for name in (*LOGGERS, app_logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactAddresses) for f in logger.filters):
            logger.addFilter(redact)


class AnonymousRequestHandler(WSGIRequestHandler):
    """The development server's handler, minus the client address in its log lines.

    Only the log line changes: `address_string` also fills the request's REMOTE_ADDR, and
    with "-" there every client would share one rate-limit bucket, so one guesser would lock
    everyone out."""

    def log(self, type: str, message: str, *args: object) -> None:  # werkzeug's name
        _werkzeug_log(type, f"- - - [{self.log_date_time_string()}] {message}\n", *args)
