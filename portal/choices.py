"""Every fixed list of choices, in one place: forms, models and figures all read these.

The stored value is the enum value (short, stable, English); what a person reads is the label,
marked for translation.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Kind(StrEnum):
    POLICE = "police"
    SEXUAL = "sexual"
    PRESSURE = "pressure"
    PROVIDER = "provider"
    PROGRAM = "program"
    OTHER = "other"


KIND_LABELS = {
    Kind.POLICE: _l("Police misconduct"),
    Kind.SEXUAL: _l("Sexual misconduct or sexual pressure by an official"),
    Kind.PRESSURE: _l("Threats or pressure, for example to give information"),
    Kind.PROVIDER: _l("Bad treatment or poor service by a service provider"),
    Kind.PROGRAM: _l("The LEAD program itself"),
    Kind.OTHER: _l("Something else"),
}


class ActorKind(StrEnum):
    POLICE = "police"
    PROSECUTOR = "prosecutor"
    PROVIDER = "provider"
    PROGRAM_STAFF = "program_staff"
    OTHER = "other"
    UNKNOWN = "unknown"


ACTOR_LABELS = {
    ActorKind.POLICE: _l("Police officer or sheriff's deputy"),
    ActorKind.PROSECUTOR: _l("Prosecutor or someone from their office"),
    ActorKind.PROVIDER: _l("Someone at a service provider (housing, treatment, health)"),
    ActorKind.PROGRAM_STAFF: _l("LEAD program staff, such as a case manager"),
    ActorKind.OTHER: _l("Someone else"),
    ActorKind.UNKNOWN: _l("I don't know"),
}


class SafeNow(StrEnum):
    YES = "yes"
    NO = "no"


SAFE_LABELS = {
    SafeNow.YES: _l("Yes, I am safe right now"),
    SafeNow.NO: _l("No, I am not safe right now"),
}


class AssistedBy(StrEnum):
    NONE = "none"
    ADVOCATE = "advocate"
    FRIEND = "friend"


ASSISTED_LABELS = {
    AssistedBy.NONE: _l("No, I am doing this myself"),
    AssistedBy.ADVOCATE: _l("Yes, a peer advocate"),
    AssistedBy.FRIEND: _l("Yes, a friend or family member"),
}


class Status(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    IN_REVIEW = "in_review"
    WAITING = "waiting"
    REFERRED = "referred"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    # The person asked the board to look again at its decision (once per case).
    RECONSIDERATION = "reconsideration"


class ReferralState(StrEnum):
    """Where a referral stands: proposed -> agreed -> sent, or proposed -> refused."""

    PROPOSED = "proposed"  # the board offered it; waiting for the person's answer
    AGREED = "agreed"  # the person said yes; the board still has to pass it on
    REFUSED = "refused"  # the person said no
    SENT = "sent"  # passed on


class LinkState(StrEnum):
    """Where a link to an earlier complaint stands (portal.casework.linkrule):
    proposed -> declined | asked -> confirmed | refused."""

    PROPOSED = "proposed"  # waiting for a second board member
    ASKED = "asked"  # approved; waiting for the person's answer
    CONFIRMED = "confirmed"  # the person said yes
    REFUSED = "refused"  # the person said no
    DECLINED = "declined"  # the second board member turned it down
    # Not stored: an asked or confirmed link whose members no longer stand.
    ENDED = "ended"


# What the complainant reads about each status.
STATUS_LABELS = {
    Status.RECEIVED: _l(
        "We got your complaint. It is waiting for the review board to start on it."
    ),
    Status.TRIAGED: _l("The review board has looked at your complaint and will review it."),
    Status.IN_REVIEW: _l("The review board is working on your complaint."),
    Status.WAITING: _l("The review board is waiting to hear from you."),
    Status.REFERRED: _l("Your complaint was passed on, with your OK."),
    Status.RESOLVED: _l("The review board has made a decision."),
    Status.CLOSED: _l("Your complaint is closed."),
    Status.WITHDRAWN: _l("You withdrew this complaint."),
    Status.RECONSIDERATION: _l("You asked the review board to look again at its decision."),
}

STATUS_SHORT = {
    Status.RECEIVED: _l("Received"),
    Status.TRIAGED: _l("Looked at"),
    Status.IN_REVIEW: _l("In review"),
    Status.WAITING: _l("Waiting for you"),
    Status.REFERRED: _l("Passed on"),
    Status.RESOLVED: _l("Decided"),
    Status.CLOSED: _l("Closed"),
    Status.WITHDRAWN: _l("Withdrawn"),
    Status.RECONSIDERATION: _l("Looking again"),
}

# The answer "prefer not to say" is stored as this value in every demographic question.
PREFER_NOT = "prefer_not"


class Race(StrEnum):
    BLACK = "black"
    LATINO = "latino"
    WHITE = "white"
    NATIVE = "native"
    ASIAN = "asian"
    PACIFIC = "pacific"
    MENA = "mena"
    MULTIPLE = "multiple"
    ANOTHER = "another"
    PREFER_NOT = PREFER_NOT


RACE_LABELS = {
    Race.BLACK: _l("Black or African American"),
    Race.LATINO: _l("Hispanic or Latino/a/x"),
    Race.WHITE: _l("White"),
    Race.NATIVE: _l("American Indian, Alaska Native or Indigenous"),
    Race.ASIAN: _l("Asian or Asian American"),
    Race.PACIFIC: _l("Native Hawaiian or Pacific Islander"),
    Race.MENA: _l("Middle Eastern or North African"),
    Race.MULTIPLE: _l("More than one of these"),
    Race.ANOTHER: _l("Another race or ethnicity"),
    Race.PREFER_NOT: _l("Prefer not to say"),
}


class Gender(StrEnum):
    WOMAN = "woman"
    MAN = "man"
    TRANS_WOMAN = "trans_woman"
    TRANS_MAN = "trans_man"
    NONBINARY = "nonbinary"
    ANOTHER = "another"
    PREFER_NOT = PREFER_NOT


GENDER_LABELS = {
    Gender.WOMAN: _l("Woman"),
    Gender.MAN: _l("Man"),
    Gender.TRANS_WOMAN: _l("Transgender woman"),
    Gender.TRANS_MAN: _l("Transgender man"),
    Gender.NONBINARY: _l("Non-binary or Two-Spirit"),
    Gender.ANOTHER: _l("Another gender"),
    Gender.PREFER_NOT: _l("Prefer not to say"),
}


class AgeBand(StrEnum):
    UNDER_18 = "under_18"
    A18_24 = "18_24"
    A25_34 = "25_34"
    A35_44 = "35_44"
    A45_54 = "45_54"
    A55_64 = "55_64"
    A65_UP = "65_up"
    PREFER_NOT = PREFER_NOT


AGE_LABELS = {
    AgeBand.UNDER_18: _l("Under 18"),
    AgeBand.A18_24: _l("18 to 24"),
    AgeBand.A25_34: _l("25 to 34"),
    AgeBand.A35_44: _l("35 to 44"),
    AgeBand.A45_54: _l("45 to 54"),
    AgeBand.A55_64: _l("55 to 64"),
    AgeBand.A65_UP: _l("65 or older"),
    AgeBand.PREFER_NOT: _l("Prefer not to say"),
}

# The portal's languages, each named in itself (that is how a person looks for their own);
# the first is the default. The one list: the language switch (portal.languages), the board's
# notice language and a site's own words (portal.site), and the settings forms derive from it.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
LANGUAGES = tuple(LANGUAGE_NAMES)
DEFAULT_LANGUAGE = LANGUAGES[0]


class Disposition(StrEnum):
    SUBSTANTIATED = "substantiated"
    NOT_SUBSTANTIATED = "not_substantiated"
    UNDETERMINED = "undetermined"
    REFERRED = "referred"
    SERVICE_CHANGED = "service_changed"
    POLICY_RECOMMENDATION = "policy_recommendation"
    WITHDRAWN = "withdrawn"


DISPOSITION_LABELS = {
    Disposition.SUBSTANTIATED: _l("What you said happened was found to be true"),
    Disposition.NOT_SUBSTANTIATED: _l("The board could not find that it happened as described"),
    Disposition.UNDETERMINED: _l("The board could not tell what happened"),
    Disposition.REFERRED: _l("Passed on to another office"),
    Disposition.SERVICE_CHANGED: _l("The service was changed"),
    Disposition.POLICY_RECOMMENDATION: _l("The board asked for a rule or practice to change"),
    Disposition.WITHDRAWN: _l("Withdrawn"),
}


class MediationOutcome(StrEnum):
    """How a mediation the person asked for ended, as the board records it."""

    RESOLVED = "resolved"
    NOT_RESOLVED = "not_resolved"
    DECLINED = "declined"  # the other side said no: it was not held
    WITHDREW = "withdrew"  # the person stopped it


MEDIATION_LABELS = {
    MediationOutcome.RESOLVED: _l("Held, and it settled things"),
    MediationOutcome.NOT_RESOLVED: _l("Held, but it did not settle things"),
    MediationOutcome.DECLINED: _l("The other side said no, so it was not held"),
    MediationOutcome.WITHDREW: _l("The person chose to stop it"),
}
# Outcomes only a mediation that took place can have (the person may stop one before or during
# it, and the other side's no means it was not held).
MEDIATION_HELD = frozenset({MediationOutcome.RESOLVED, MediationOutcome.NOT_RESOLVED})


class ReferralBody(StrEnum):
    OVERSIGHT = "oversight"
    GRIEVANCE = "grievance"
    LEGAL_AID = "legal_aid"
    OTHER = "other"


REFERRAL_LABELS = {
    ReferralBody.OVERSIGHT: _l("The police oversight office"),
    ReferralBody.GRIEVANCE: _l("The service provider's complaint process"),
    ReferralBody.LEGAL_AID: _l("Legal aid"),
    ReferralBody.OTHER: _l("Another office"),
}


class Answer(StrEnum):
    YES = "yes"
    SOMEWHAT = "somewhat"
    NO = "no"


ANSWER_LABELS = {
    Answer.YES: _l("Yes"),
    Answer.SOMEWHAT: _l("Somewhat"),
    Answer.NO: _l("No"),
}


# Words for stored values the review board reads: the stored value stays short and English.
BOARD_WORDS = {
    "role": {
        "admin": _l("Admin"),
        "reviewer": _l("Reviewer"),
        "advocate": _l("Peer advocate"),
    },
    # Referrals and links to an earlier complaint: where the person's answer stands.
    "state": {
        ReferralState.PROPOSED: _l("waiting for the person's answer"),
        ReferralState.AGREED: _l("the person said yes"),
        ReferralState.REFUSED: _l("the person said no"),
        LinkState.CONFIRMED: _l("the person said yes"),
        ReferralState.SENT: _l("passed on"),
    },
    # Links to an earlier complaint (portal.casework.linking): where each stands.
    "link": {
        LinkState.PROPOSED: _l("waiting for a second board member to approve it"),
        LinkState.ASKED: _l("approved; waiting for the person's answer"),
        LinkState.CONFIRMED: _l("the person said yes"),
        LinkState.REFUSED: _l("the person said no"),
        LinkState.DECLINED: _l("turned down by the board"),
        LinkState.ENDED: _l("ended: a board member behind it left or stepped away"),
    },
    # How far a board session has got in signing in.
    "stage": {
        "full": _l("Signed in"),
        "half": _l("Password only, second step not done"),
        "enroll": _l("Setting up the second step"),
    },
    # How a mediation the person asked for ended (portal.casework.reconsideration).
    "mediation": MEDIATION_LABELS,
    # The language a complaint was filed in: the board writes back in it.
    "language": {"en": _l("English"), "es": _l("Spanish")},
    "assisted": {
        AssistedBy.ADVOCATE.value: _l("a peer advocate"),
        AssistedBy.FRIEND.value: _l("a friend or family member"),
    },
}
