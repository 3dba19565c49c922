"""Each complaint's data key, and reading and writing the complaint's secret text with it.

Every free-text field of a complaint, and every message, note, status reason, referral
explanation and letter about it, is encrypted with the complaint's own data key (AES-GCM).
The data key is sealed to the board's public key and wrapped under a key from the claim
code's secret, so a signed-in board member and the person with the code can both read it,
and nobody else. This module is the one place that knows the text fields (`TEXT_FIELDS`)
and their labels.
"""

from __future__ import annotations

import dataclasses

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.models import Complaint
from portal.security import crypto, keys

# The parts of the board's case page that list a complaint's text fields.
FILED = "filed"
DECISION = "decision"


@dataclasses.dataclass(frozen=True)
class TextField:
    """One text column on the complaint row, and the rules that hold for it."""

    name: str
    # Typed by the person into the filing form: a claim code pasted into it is refused.
    written_by_person: bool = False
    # Encrypted with the complaint's data key, under the label `complaint.<name>`.
    sealed: bool = True
    # Decrypted with the rest of the case's words (a `CaseText` attribute).
    in_case_text: bool = True
    # Erased when the person withdraws and asks for their words to be deleted.
    deleted_on_withdrawal: bool = True
    # The board's public text must not repeat runs of these words.
    checked_before_publication: bool = False
    # The board's public text must not contain this (a name or a badge number).
    names_someone: bool = False
    # Where the board's case page lists it ("filed": what the person sent; "decision"), and
    # under which words; None where the page shows it in its own way, or not at all.
    board_section: str | None = None
    board_label: object = None  # a lazy translated string
    # Long text, shown keeping its line breaks.
    long_text: bool = False

    @property
    def label(self) -> str:
        return f"complaint.{self.name}"


# The one list of the complaint's text fields; every other list is derived from it.
TEXT_FIELDS = (
    TextField(
        "narrative",
        written_by_person=True,
        checked_before_publication=True,
        board_section=FILED,
        board_label=_l("What happened"),
        long_text=True,
    ),
    # Chosen from the site's list of agencies, kept readable so pattern alerts can group.
    TextField(
        "agency",
        sealed=False,
        in_case_text=False,
        board_section=FILED,
        board_label=_l("Where they work"),
    ),
    TextField(
        "officer",
        written_by_person=True,
        names_someone=True,
        board_section=FILED,
        board_label=_l("Badge number or name"),
    ),
    TextField(
        "when_text",
        written_by_person=True,
        checked_before_publication=True,
        board_section=FILED,
        board_label=_l("When"),
    ),
    TextField(
        "where_text",
        written_by_person=True,
        checked_before_publication=True,
        board_section=FILED,
        board_label=_l("Where"),
    ),
    TextField(
        "wants",
        written_by_person=True,
        checked_before_publication=True,
        board_section=FILED,
        board_label=_l("What they want to happen"),
        long_text=True,
    ),
    TextField(
        "pseudonym",
        written_by_person=True,
        names_someone=True,
        board_section=FILED,
        board_label=_l("Name they chose"),
    ),
    # Shown to the chair only, and the lost-code note beside the links: in their own boxes.
    TextField("keep_away", written_by_person=True, checked_before_publication=True),
    TextField("lost_code_note", written_by_person=True),
    # Why the person asks the board to look again (portal.casework.reconsideration, which
    # refuses a claim code in it): not on the filing form; shown in its own box to the board.
    TextField("reconsider_reason", checked_before_publication=True),
    TextField(
        "recommendation",
        board_section=DECISION,
        board_label=_l("Recommendation"),
        long_text=True,
    ),
    TextField("dissent", board_section=DECISION, board_label=_l("Dissent"), long_text=True),
    TextField(
        "outcome_letter",
        board_section=DECISION,
        board_label=_l("Letter to the person"),
        long_text=True,
    ),
    # The board's public summary is about this case: it goes too, and leaves the figures.
    TextField(
        "public_summary",
        sealed=False,
        in_case_text=False,
        board_section=DECISION,
        board_label=_l("Public summary"),
        long_text=True,
    ),
    TextField(
        "program_response",
        sealed=False,
        in_case_text=False,
        board_section=DECISION,
        board_label=_l("What the program did"),
        long_text=True,
    ),
    # Which board member's browser it came from, if any (portal.casework.linking).
    TextField("filed_by_member", in_case_text=False),
)

FIELDS = {field.name: field for field in TEXT_FIELDS}


def names(**flags: bool) -> tuple[str, ...]:
    """The names of the fields whose flags have these values, in registry order."""
    return tuple(
        field.name
        for field in TEXT_FIELDS
        if all(getattr(field, flag) == value for flag, value in flags.items())
    )


def on_board_page(section: str) -> tuple[TextField, ...]:
    """The fields the board's case page lists in `section`, in order."""
    return tuple(field for field in TEXT_FIELDS if field.board_section == section)


# Free-text fields on the complaint row that `read` decrypts into a CaseText.
COMPLAINT_FIELDS = names(sealed=True, in_case_text=True)


class TextLocked(PermissionError):
    """This session holds no key that opens the complaint's text."""


@dataclasses.dataclass(frozen=True)
class CaseKeys:
    data_key: bytes
    dk_board: bytes
    dk_version: int
    dk_code: bytes


def new_case_keys(db: Session, code_key: bytes) -> CaseKeys:
    """A fresh data key for a new complaint, sealed to the board and wrapped for the code."""
    version, public = keys.current_public(db)
    data_key = crypto.new_key()
    return CaseKeys(
        data_key=data_key,
        dk_board=crypto.seal(public, data_key, f"complaint-key:v{version}"),
        dk_version=version,
        dk_code=crypto.encrypt(code_key, data_key, "complaint-key:code"),
    )


def key_for_board(complaint: Complaint, keyring: keys.Keyring) -> bytes:
    private = keyring.get(complaint.dk_version or 0)
    if private is None or complaint.dk_board is None:
        raise TextLocked
    try:
        return crypto.unseal(private, complaint.dk_board, f"complaint-key:v{complaint.dk_version}")
    except crypto.DecryptionFailed as error:
        raise TextLocked from error


def key_for_code(complaint: Complaint, code_key: bytes) -> bytes:
    if complaint.dk_code is None:
        raise TextLocked
    try:
        return crypto.decrypt(code_key, complaint.dk_code, "complaint-key:code")
    except crypto.DecryptionFailed as error:
        raise TextLocked from error


def reseal_for_board(complaint: Complaint, data_key: bytes, version: int, public: bytes) -> None:
    complaint.dk_board = crypto.seal(public, data_key, f"complaint-key:v{version}")
    complaint.dk_version = version


def lock(data_key: bytes, text: str | None, label: str) -> str | None:
    return crypto.encrypt_text(data_key, text, label)


def unlock(data_key: bytes | None, stored: str | None, label: str) -> str | None:
    """Decrypted text; None for no text, or for a complaint whose key was shredded."""
    if data_key is None:
        return None
    return crypto.decrypt_text(data_key, stored, label)


def write_fields(complaint: Complaint, data_key: bytes, **values: str | None) -> None:
    for field, value in values.items():
        if field not in COMPLAINT_FIELDS:
            raise ValueError(field)
        setattr(complaint, field, lock(data_key, value, FIELDS[field].label))


@dataclasses.dataclass(frozen=True)
class CaseText:
    """A complaint's free text, decrypted for one request. Never stored."""

    narrative: str | None
    officer: str | None
    when_text: str | None
    where_text: str | None
    wants: str | None
    pseudonym: str | None
    keep_away: str | None
    lost_code_note: str | None
    reconsider_reason: str | None
    recommendation: str | None
    dissent: str | None
    outcome_letter: str | None


def read(complaint: Complaint, data_key: bytes) -> CaseText:
    return CaseText(
        **{
            field: unlock(data_key, getattr(complaint, field), FIELDS[field].label)
            for field in COMPLAINT_FIELDS
        }
    )


# Labels of the text kept in other tables, encrypted with the complaint's data key.
MESSAGE = "message"
NOTE = "note"
STATUS_REASON = "status.reason"
REFERRAL = "referral.explanation"
# The email address a person left to be told of news (portal.casework.news).
NEWS_EMAIL = "news.email"
# What the board will send for an agreed referral: text, receiver, files (portal.casework.handoff).
HANDOFF = "handoff.content"
# Which board member's browser a complaint was filed from (portal.casework.linking).
FILED_BY = FIELDS["filed_by_member"].label
# A link's key (portal.casework.linkrule), wrapped under each case's data key, and what it encrypts.
LINK_KEY_NEW = "case-link:key:new"
LINK_KEY_BOARD = "case-link:key:board"
LINK_COPY = "case-link:copy"


def read_or_blank(complaint: Complaint, data_key: bytes | None) -> CaseText:
    """`read`, or all None for a complaint whose words were deleted at the person's request."""
    if complaint.text_deleted:
        return CaseText(**dict.fromkeys(COMPLAINT_FIELDS))
    return read(complaint, data_key)


def shred(complaint: Complaint) -> None:
    """Forget the complaint's data key: from now on the database holds nothing that opens its
    text. (A backup taken before still holds the key alongside the text; backups must be
    kept as carefully as the database, and expire too.)"""
    complaint.dk_board = None
    complaint.dk_code = None
