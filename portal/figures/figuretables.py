"""What the public figures count, how the counts add up, and how they are laid out as tables.

Every published count has a key (a tuple of short strings). The sums that tie counts together
are `Equation`s: the suppression audit needs all of them, since a reader can use any of them.
Counts come in three families, suppressed one after another:

- static: what complaints came in, about what and whom, from which group. Fixed once a quarter
  has ended, so what is hidden in them never changes from one day to the next;
- dynamic: where those complaints stand now (status, outcome, answers, referrals);
- survey: the three questions people answer after their outcome letter.

Nothing here touches the database or a request.
"""

from __future__ import annotations

import dataclasses

from portal.choices import (
    PREFER_NOT,
    ActorKind,
    Disposition,
    Gender,
    Kind,
    Race,
    ReferralBody,
    ReferralState,
    Status,
)
from portal.figures import askingagain
from portal.figures.suppression import Equation

NOT_GIVEN = "not_given"
DID_NOT_SAY = "did_not_say"
ALL = "total"
NO_DECISION = "no_decision"
WITHDRAWN = Status.WITHDRAWN.value

KINDS = (*(kind.value for kind in Kind), NOT_GIVEN)
ACTORS = (*(actor.value for actor in ActorKind), NOT_GIVEN)
# A case the board is looking at again is published as in review: a status of its own would add
# a row, and a cell to hide beside each small one, to quarters already released (the asking
# again figures have their own table, `portal.figures.askingagain`).
PUBLIC_STATUS = {Status.RECONSIDERATION.value: Status.IN_REVIEW.value}
STATUSES = tuple(status.value for status in Status if status.value not in PUBLIC_STATUS)
# How a complaint ended: the board's decision, withdrawn, or no decision (yet).
DECISIONS = tuple(d.value for d in Disposition if d != Disposition.WITHDRAWN)
OUTCOMES = (*DECISIONS, WITHDRAWN, NO_DECISION)
RACES = (*(race.value for race in Race if race != PREFER_NOT), DID_NOT_SAY)
GENDERS = (*(gender.value for gender in Gender if gender != PREFER_NOT), DID_NOT_SAY)
GROUPINGS = {"race": RACES, "gender": GENDERS}
BODIES = tuple(body.value for body in ReferralBody)
QUESTIONS = ("respected", "listened", "would_use_again")
ANSWERS = ("yes", "somewhat", "no", DID_NOT_SAY)
# Referrals the person agreed to: passed on, or still to be.
REFERRAL_STATES = (ReferralState.AGREED, ReferralState.SENT)

TOTAL = ("total",)
RESPONDED = ("responded",)
RESOLVED = ("resolved",)
REFERRALS = ("referrals",)
SURVEYS = ("surveys",)


def outcome_key(outcome: str) -> tuple[str, ...]:
    # Withdrawn complaints are counted once, whether a table shows them by status or outcome.
    return ("status", WITHDRAWN) if outcome == WITHDRAWN else ("outcome", outcome)


def _sum(total: tuple[str, ...], parts: list[tuple[str, ...]]) -> Equation:
    return Equation(total, tuple(parts))


def _cross(name: str, groups: tuple[str, ...], columns: tuple[str, ...], column_key) -> list:
    """A group-by-column table: each row adds up to the group, each column to its margin."""
    rows = [
        _sum((name.split("_")[0], group), [(name, group, c) for c in columns]) for group in groups
    ]
    rows += [_sum(column_key(c), [(name, group, c) for group in groups]) for c in columns]
    return rows


def overview_static() -> list[Equation]:
    return [
        _sum(TOTAL, [("kind", k) for k in KINDS]),
        _sum(TOTAL, [("actor", a) for a in ACTORS]),
    ]


def overview_dynamic() -> list[Equation]:
    return [
        _sum(TOTAL, [("status", s) for s in STATUSES]),
        _sum(TOTAL, [outcome_key(o) for o in OUTCOMES]),
        _sum(REFERRALS, [("body", b) for b in BODIES]),
        *askingagain.equations(),
    ]


def equity_static() -> list[Equation]:
    equations = []
    for grouping, groups in GROUPINGS.items():
        equations.append(_sum(TOTAL, [(grouping, group) for group in groups]))
        equations += _cross(f"{grouping}_kind", groups, KINDS, lambda k: ("kind", k))
        equations += _cross(f"{grouping}_actor", groups, ACTORS, lambda a: ("actor", a))
    return equations


def equity_dynamic() -> list[Equation]:
    equations = []
    for grouping, groups in GROUPINGS.items():
        equations += _cross(f"{grouping}_outcome", groups, OUTCOMES, outcome_key)
        for name, total in (
            ("responded", RESPONDED),
            ("resolved", RESOLVED),
            ("referrals", REFERRALS),
        ):
            equations.append(_sum(total, [(f"{grouping}_{name}", group) for group in groups]))
    return equations


def survey_equations() -> list[Equation]:
    return [_sum(SURVEYS, [("survey", q, a) for a in ANSWERS]) for q in QUESTIONS]


# The count each median of days is taken over: a median is shown only when that count is at
# least the threshold.
def median_count(key: tuple[str, ...]) -> tuple[str, ...]:
    measure, *group = key
    name = "responded" if measure == "response" else "resolved"
    if group == [ALL]:
        return (name,)
    grouping, value = group
    return (f"{grouping}_{name}", value)


# --- tables ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Layout:
    """A published table: which count (or median) sits in each cell.

    `row_dimension` and `column_dimension` name the label lists in `portal.figures.figurelabels`.
    """

    id: str
    row_dimension: str
    column_dimension: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    # (row, column) -> ("count", key) or ("median", key)
    sources: dict[tuple[str, str], tuple[str, tuple[str, ...]]]
    chart: bool = False


def _one_column(id_: str, dimension: str, rows: tuple[str, ...], key, measure: str) -> Layout:
    sources = {(row, measure): ("count", key(row)) for row in rows}
    sources[(ALL, measure)] = ("count", REFERRALS if id_ == "referrals" else TOTAL)
    return Layout(id_, dimension, "measure", (*rows, ALL), (measure,), sources, chart=True)


def _group_table(grouping: str, kind: str, columns: tuple[str, ...], column_key) -> Layout:
    groups = GROUPINGS[grouping]
    sources = {}
    for group in groups:
        for column in columns:
            sources[(group, column)] = ("count", (f"{grouping}_{kind}", group, column))
        sources[(group, ALL)] = ("count", (grouping, group))
    for column in columns:
        sources[(ALL, column)] = ("count", column_key(column))
    sources[(ALL, ALL)] = ("count", TOTAL)
    return Layout(f"{grouping}_{kind}", grouping, kind, (*groups, ALL), (*columns, ALL), sources)


SUMMARY_COLUMNS = (
    "complaints",
    "responded",
    "median_response_days",
    "resolved",
    "median_resolution_days",
    "referrals",
    "withdrawn",
)


def _summary(grouping: str) -> Layout:
    sources = {}
    for group in GROUPINGS[grouping]:
        sources.update(
            {
                (group, "complaints"): ("count", (grouping, group)),
                (group, "responded"): ("count", (f"{grouping}_responded", group)),
                (group, "median_response_days"): ("median", ("response", grouping, group)),
                (group, "resolved"): ("count", (f"{grouping}_resolved", group)),
                (group, "median_resolution_days"): ("median", ("resolution", grouping, group)),
                (group, "referrals"): ("count", (f"{grouping}_referrals", group)),
                (group, "withdrawn"): ("count", (f"{grouping}_outcome", group, WITHDRAWN)),
            }
        )
    sources.update(
        {
            (ALL, "complaints"): ("count", TOTAL),
            (ALL, "responded"): ("count", RESPONDED),
            (ALL, "median_response_days"): ("median", ("response", ALL)),
            (ALL, "resolved"): ("count", RESOLVED),
            (ALL, "median_resolution_days"): ("median", ("resolution", ALL)),
            (ALL, "referrals"): ("count", REFERRALS),
            (ALL, "withdrawn"): ("count", ("status", WITHDRAWN)),
        }
    )
    rows = (*GROUPINGS[grouping], ALL)
    return Layout(f"{grouping}_summary", grouping, "measure", rows, SUMMARY_COLUMNS, sources)


TIMELINESS = Layout(
    "timeliness",
    "timeliness",
    "measure",
    ("first_response", "resolution"),
    ("complaints", "median_days"),
    {
        ("first_response", "complaints"): ("count", RESPONDED),
        ("first_response", "median_days"): ("median", ("response", ALL)),
        ("resolution", "complaints"): ("count", RESOLVED),
        ("resolution", "median_days"): ("median", ("resolution", ALL)),
    },
)

SURVEY = Layout(
    "survey",
    "question",
    "answer",
    QUESTIONS,
    (*ANSWERS, ALL),
    {
        **{(q, a): ("count", ("survey", q, a)) for q in QUESTIONS for a in ANSWERS},
        **{(q, ALL): ("count", SURVEYS) for q in QUESTIONS},
    },
)

ASKING_AGAIN = Layout(
    "asking_again",
    "asking_again",
    "measure",
    tuple(askingagain.ROWS),
    (askingagain.COLUMN,),
    {(row, askingagain.COLUMN): ("count", key) for row, key in askingagain.ROWS.items()},
)

# The overview, in page order.
OVERVIEW = (
    _one_column("kind", "kind", KINDS, lambda k: ("kind", k), "complaints"),
    _one_column("actor", "actor", ACTORS, lambda a: ("actor", a), "complaints"),
    _one_column("status", "status", STATUSES, lambda s: ("status", s), "complaints"),
    _one_column("outcome", "outcome", OUTCOMES, outcome_key, "complaints"),
    TIMELINESS,
    _one_column("referrals", "body", BODIES, lambda b: ("body", b), "referrals"),
    SURVEY,
    ASKING_AGAIN,
)

EQUITY = tuple(
    layout
    for grouping in GROUPINGS
    for layout in (
        _summary(grouping),
        _group_table(grouping, "outcome", OUTCOMES, outcome_key),
        _group_table(grouping, "kind", KINDS, lambda k: ("kind", k)),
        _group_table(grouping, "actor", ACTORS, lambda a: ("actor", a)),
    )
)

LAYOUTS = {layout.id: layout for layout in OVERVIEW + EQUITY}


# --- scopes ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Stage:
    """One round of suppression: its sums, and the counts it decides."""

    equations: tuple[Equation, ...]
    keys: tuple[tuple[str, ...], ...]


@dataclasses.dataclass(frozen=True)
class Scope:
    """What one kind of period publishes. Counts are suppressed in stages (static, then
    dynamic with the static ones fixed, then the survey), so what is hidden in a quarter's
    static counts never changes once the quarter has ended."""

    stages: tuple[Stage, ...]
    layouts: tuple[Layout, ...]

    @property
    def keys(self) -> tuple[tuple[str, ...], ...]:
        return tuple(dict.fromkeys(key for stage in self.stages for key in stage.keys))

    @property
    def medians(self) -> tuple[tuple[str, ...], ...]:
        return tuple(
            dict.fromkeys(
                key
                for layout in self.layouts
                for kind, key in layout.sources.values()
                if kind == "median"
            )
        )


def _members(equations) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(key for e in equations for key in e.members))


def _scope(static: list[Equation], dynamic: list[Equation], layouts) -> Scope:
    # Counts that are in no sum of the overview.
    standalone = (RESPONDED, RESOLVED, *askingagain.STANDALONE)
    return Scope(
        (
            Stage(tuple(static), _members(static)),
            Stage(
                tuple(static + dynamic),
                tuple(dict.fromkeys(_members(static + dynamic) + standalone)),
            ),
            Stage(tuple(survey_equations()), _members(survey_equations())),
        ),
        tuple(layouts),
    )


# A quarter publishes the overview; twelve months add the figures by group. Figures by group
# for one quarter would be almost all too small to show, and publishing them as well would
# force much more to be hidden in the twelve-month figures they add up to.
QUARTER_SCOPE = _scope(overview_static(), overview_dynamic(), OVERVIEW)
YEAR_SCOPE = _scope(
    overview_static() + equity_static(), overview_dynamic() + equity_dynamic(), OVERVIEW + EQUITY
)
