"""Words for the public figures: table titles, row and column labels, and what each means.

Short and neutral on purpose: they appear in tables, charts, CSV and JSON files, and on the
data dictionary page. Every string is marked for translation.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.choices import GENDER_LABELS, RACE_LABELS, REFERRAL_LABELS, STATUS_SHORT
from portal.figures.figuretables import ALL, DID_NOT_SAY, NO_DECISION, NOT_GIVEN

ALL_LABEL = _l("All")

KIND = {
    "police": _l("Police misconduct"),
    "sexual": _l("Sexual misconduct or pressure"),
    "pressure": _l("Threats or pressure"),
    "provider": _l("Poor treatment by a service provider"),
    "program": _l("The LEAD program itself"),
    "other": _l("Something else"),
    NOT_GIVEN: _l("Not said"),
}

ACTOR = {
    "police": _l("Police officer or deputy"),
    "prosecutor": _l("Prosecutor's office"),
    "provider": _l("Service provider staff"),
    "program_staff": _l("LEAD program staff"),
    "other": _l("Someone else"),
    "unknown": _l("Did not know"),
    NOT_GIVEN: _l("Not said"),
}

OUTCOME = {
    "substantiated": _l("Found to be true"),
    "not_substantiated": _l("Not found to be true"),
    "undetermined": _l("Could not tell"),
    "referred": _l("Passed on to another office"),
    "service_changed": _l("Service changed"),
    "policy_recommendation": _l("Rule or practice change asked for"),
    "withdrawn": _l("Withdrawn by the person"),
    NO_DECISION: _l("No decision yet"),
}

DID_NOT_SAY_LABEL = _l("Did not say")

DIMENSIONS = {
    "kind": KIND,
    "actor": ACTOR,
    "status": {
        **{status.value: label for status, label in STATUS_SHORT.items()},
        # The complainant reads "Waiting for you"; the public reads about the person.
        "waiting": _l("Waiting for the person"),
    },
    "outcome": OUTCOME,
    "race": {
        **{race.value: label for race, label in RACE_LABELS.items() if race != "prefer_not"},
        DID_NOT_SAY: DID_NOT_SAY_LABEL,
    },
    "gender": {
        **{g.value: label for g, label in GENDER_LABELS.items() if g != "prefer_not"},
        DID_NOT_SAY: DID_NOT_SAY_LABEL,
    },
    "body": {body.value: label for body, label in REFERRAL_LABELS.items()},
    "question": {
        "respected": _l("Were you treated with respect?"),
        "listened": _l("Did the board listen to you?"),
        "would_use_again": _l("Would you use this again?"),
    },
    "answer": {
        "yes": _l("Yes"),
        "somewhat": _l("Somewhat"),
        "no": _l("No"),
        DID_NOT_SAY: DID_NOT_SAY_LABEL,
        ALL: _l("Answers"),
    },
    "timeliness": {
        "first_response": _l("Days to the board's first answer"),
        "resolution": _l("Days to a decision"),
    },
    "measure": {
        "complaints": _l("Complaints"),
        "referrals": _l("Referrals"),
        "median_days": _l("Median days"),
        "responded": _l("Answered"),
        "median_response_days": _l("Median days to first answer"),
        "resolved": _l("Decided"),
        "median_resolution_days": _l("Median days to decision"),
        "withdrawn": _l("Withdrawn"),
        "number": _l("Number"),
    },
    "quarter": {},
    "asking_again": {
        "asked_again": _l("Asked the board to look again"),
        "asked_again_changed": _l("Decision changed after looking again"),
        "mediation_asked": _l("Asked for mediation"),
        "mediation_held": _l("Mediation held"),
        "mediation_resolved": _l("Mediation that settled things"),
    },
}

TITLES = {
    "kind": _l("What complaints were about"),
    "actor": _l("Who the complaints were about"),
    "status": _l("Where complaints stand now"),
    "outcome": _l("How complaints ended"),
    "timeliness": _l("How fast the board answered and decided"),
    "referrals": _l("Complaints passed on, with the person's agreement"),
    "survey": _l("What people said about how they were treated"),
    "quarters": _l("Complaints received each quarter"),
    "asking_again": _l("Asking the board to look again, and mediation"),
    "race_summary": _l("By race or ethnicity: how many, how fast, passed on, withdrawn"),
    "race_outcome": _l("By race or ethnicity: how complaints ended"),
    "race_kind": _l("By race or ethnicity: what complaints were about"),
    "race_actor": _l("By race or ethnicity: who complaints were about"),
    "gender_summary": _l("By gender: how many, how fast, passed on, withdrawn"),
    "gender_outcome": _l("By gender: how complaints ended"),
    "gender_kind": _l("By gender: what complaints were about"),
    "gender_actor": _l("By gender: who complaints were about"),
}

# What each table counts, for the data dictionary.
MEANINGS = {
    "kind": _l("Complaints received in the period, by what the person said it was about."),
    "actor": _l("Complaints received in the period, by the kind of person complained about."),
    "status": _l("Complaints received in the period, by where each stands today."),
    "outcome": _l(
        "Complaints received in the period, by the board's decision today. A complaint that "
        "was reopened counts as having no decision yet."
    ),
    "timeliness": _l(
        "Of the complaints received in the period: how many have had a first answer from the "
        "board, and how many a decision, with the median number of days each took from the "
        "day the complaint came in."
    ),
    "referrals": _l(
        "Referrals of complaints received in the period that the person agreed to or that "
        "were passed on, by where they went."
    ),
    "survey": _l(
        "Answers to the three questions people may answer after their outcome letter, by the "
        "quarter they answered in."
    ),
    "quarters": _l("Complaints received in each of the four quarters up to this period."),
    "asking_again": _l(
        "Each counted in the period it happened: requests to look again at a decision, "
        "decisions changed after looking again, requests for mediation, and mediations held "
        "and those that settled things."
    ),
    "race_summary": _l(
        "The timeliness, referral and withdrawal figures, by the race or ethnicity people "
        "described themselves with."
    ),
    "race_outcome": _l("How complaints ended, by race or ethnicity."),
    "race_kind": _l("What complaints were about, by race or ethnicity."),
    "race_actor": _l("Who complaints were about, by race or ethnicity."),
    "gender_summary": _l(
        "The timeliness, referral and withdrawal figures, by the gender people described "
        "themselves with."
    ),
    "gender_outcome": _l("How complaints ended, by gender."),
    "gender_kind": _l("What complaints were about, by gender."),
    "gender_actor": _l("Who complaints were about, by gender."),
}

SMALL_TEXT = _l("fewer than %(n)d")
HIDDEN_TEXT = _l("hidden")
TOO_FEW_TEXT = _l("too few to say")


def label(dimension: str, key: str) -> str:
    """The words for one row or column; codes nobody has words for are shown as they are."""
    if key == ALL and dimension != "answer":
        return str(ALL_LABEL)
    return str(DIMENSIONS.get(dimension, {}).get(key, key))


STORY_COLUMNS = {
    "quarter": _l("Quarter decided"),
    "board_said": _l("You said: the board's recommendation"),
    "program_did": _l("We did: what the program or agency did"),
}
