"""Small-count suppression for published tables.

A published figure is a set of counts tied together by sums: each row and column of a table
adds up to its total, and tables share totals. Nothing here knows about complaints: it takes
counts by key, the sums that link them (`Equation`), and the smallest count that may be shown.

What it guarantees, for the counts and sums it is given:

- every count below the threshold is hidden and marked `SMALL` ("fewer than 10"), zero included;
- more counts are hidden (`HIDDEN`, "hidden to protect a smaller count") until no hidden count
  can be worked out from the shown ones: first by the simple rule (a sum with exactly one hidden
  member gets its next-smallest member hidden too), then by an audit that solves the sums as
  linear equations (no hidden count may follow from them), and tightens each hidden count's
  possible range from what a reader knows (a `SMALL` count is 0 to threshold-1, a `HIDDEN` one
  at least the threshold) so that no small count other than zero narrows to one value. A zero
  worked out that way is allowed: it points to nobody, and guarding zeros too would hide most
  of every table by group.

`fixed` marks are taken as already published elsewhere and never changed; they let figures for a
year be suppressed together with the quarters already published inside it. Should hiding more
of the year be unable to stop a range argument through the fixed quarters (only at extremes, such
as every count of a small table hidden at a threshold of 2 or 3), the linear guarantee still
holds and the range one is as good as the published quarters allow.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

SHOWN = "shown"
SMALL = "small"
HIDDEN = "hidden"

# Arithmetic for the linear audit is done modulo this prime: exact for matrices of small
# integers like these (a wrong answer would need the prime to divide a minor of the matrix).
_PRIME = (1 << 61) - 1

Key = Hashable


@dataclasses.dataclass(frozen=True)
class Equation:
    """`total` is the sum of `parts`."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


class SuppressionError(RuntimeError):
    """A small count could not be protected; nothing should be published."""


def suppress(
    values: Mapping[Key, int],
    equations: Sequence[Equation],
    threshold: int,
    fixed: Mapping[Key, str] | None = None,
    protected: Iterable[Key] = (),
) -> dict[Key, str]:
    """The mark (`SHOWN`, `SMALL` or `HIDDEN`) of every key in `values`.

    `protected` keys (a grand total, say) are hidden to protect another count only when no
    other count can do it.
    """
    fixed = dict(fixed or {})
    protected = frozenset(protected)
    marks = {
        key: fixed.get(key) or (SMALL if value < threshold else SHOWN)
        for key, value in values.items()
    }
    by_key: dict[Key, list[Equation]] = {}
    for equation in equations:
        for key in equation.members:
            by_key.setdefault(key, []).append(equation)
    forced: set[Key] = set()
    # A count that is the sum (or difference) of counts already published is no secret.
    for equation in equations:
        open_members = [key for key in equation.members if fixed.get(key) != SHOWN]
        if len(open_members) == 1 and open_members[0] not in fixed:
            key = open_members[0]
            if values[key] >= threshold:
                marks[key], fixed[key] = SHOWN, SHOWN

    def candidate(around: Iterable[Equation]) -> Key | None:
        choices = {
            key
            for equation in around
            for key in equation.members
            if marks[key] == SHOWN and key not in fixed and key not in forced
        }
        if not choices:
            return None
        return min(choices, key=lambda key: (key in protected, values[key], repr(key)))

    accepted: set[Key] = set()
    while True:
        _simple_rule(equations, marks, candidate)
        # The cheap check first: ranges, until nothing is pinned; then the linear algebra.
        exact = set()
        leaks = pinned(values, equations, marks, threshold) - accepted
        if not leaks:
            exact = determined(equations, marks)
            leaks = exact
        if not leaks:
            return marks
        touched: set[int] = set()
        for leak in sorted(leaks, key=repr):
            if any(id(equation) in touched for equation in by_key.get(leak, [])):
                continue  # something beside it was hidden this round: look again first
            choice = candidate(_neighbourhood(leak, by_key, marks))
            if choice is not None:
                marks[choice] = HIDDEN
                touched.update(id(equation) for equation in by_key.get(choice, []))
            elif leak in exact and marks[leak] == HIDDEN and leak not in fixed:
                # Anyone can work it out from what is shown, so hiding it protects nothing.
                marks[leak] = SHOWN
                forced.add(leak)
            elif leak not in exact:
                # Only a range argument pins it, through counts fixed elsewhere: as good as
                # this can do (see the module's docstring).
                accepted.add(leak)
            else:
                raise SuppressionError(f"cannot protect {leak!r}")


def _simple_rule(equations: Sequence[Equation], marks: dict[Key, str], candidate) -> None:
    """A sum with exactly one hidden member: hide its next-smallest member too."""
    changed = True
    while changed:
        changed = False
        for equation in equations:
            hidden = [key for key in equation.members if marks[key] != SHOWN]
            if len(hidden) == 1:
                choice = candidate([equation])
                if choice is not None:
                    marks[choice] = HIDDEN
                    changed = True


def _neighbourhood(
    leak: Key, by_key: Mapping[Key, list[Equation]], marks: Mapping[Key, str]
) -> list[Equation]:
    """The sums around a leaking count: its own first, then those of hidden counts linked to
    it, so there is always somewhere to hide another count if one exists."""
    seen_keys, seen_equations, found, queue = {leak}, set(), [], [leak]
    while queue:
        key = queue.pop()
        for equation in by_key.get(key, []):
            if id(equation) in seen_equations:
                continue
            seen_equations.add(id(equation))
            found.append(equation)
            for member in equation.members:
                if marks[member] != SHOWN and member not in seen_keys:
                    seen_keys.add(member)
                    queue.append(member)
    own = by_key.get(leak, [])
    own_ids = {id(equation) for equation in own}
    return own + [equation for equation in found if id(equation) not in own_ids]


def determined(equations: Sequence[Equation], marks: Mapping[Key, str]) -> set[Key]:
    """Hidden keys whose value follows from the shown ones by the sums alone."""
    rows = []
    for equation in equations:
        row: dict[Key, int] = {}
        if marks[equation.total] != SHOWN:
            row[equation.total] = _PRIME - 1
        for key in equation.parts:
            if marks[key] != SHOWN:
                row[key] = (row.get(key, 0) + 1) % _PRIME
        row = {key: c for key, c in row.items() if c}
        if row:
            rows.append(row)
    return _fixed_by(rows)


def _fixed_by(rows: list[dict[Key, int]]) -> set[Key]:
    """Variables pinned by a homogeneous linear system: those whose unit vector lies in the row
    space, i.e. the pivots of the reduced row echelon form whose row has no other entry."""
    pivots: dict[Key, dict[Key, int]] = {}
    # Which pivot rows mention each non-pivot variable, so eliminating a new pivot touches
    # only the rows that hold it.
    holders: dict[Key, set[Key]] = {}
    for original in rows:
        row = dict(original)
        for key in [key for key in row if key in pivots]:
            factor = row.pop(key, 0)
            if not factor:
                continue
            for other, c in pivots[key].items():
                if other != key:
                    row[other] = (row.get(other, 0) - factor * c) % _PRIME
        row = {key: c for key, c in row.items() if c}
        if not row:
            continue
        pivot = min(row, key=lambda key: (len(holders.get(key, ())), repr(key)))
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        row = {key: c * inverse % _PRIME for key, c in row.items()}
        for holder in holders.pop(pivot, set()):
            target = pivots[holder]
            factor = target.pop(pivot)
            for key, c in row.items():
                if key == pivot:
                    continue
                updated = (target.get(key, 0) - factor * c) % _PRIME
                if updated:
                    target[key] = updated
                    holders.setdefault(key, set()).add(holder)
                else:
                    target.pop(key, None)
                    holders.get(key, set()).discard(holder)
        pivots[pivot] = row
        for key in row:
            if key != pivot:
                holders.setdefault(key, set()).add(pivot)
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def pinned(
    values: Mapping[Key, int],
    equations: Sequence[Equation],
    marks: Mapping[Key, str],
    threshold: int,
) -> set[Key]:
    """Small counts (not zero) whose range of possible values narrows to one, for a reader
    who knows that counts are whole and not negative, that "fewer than N" means 0 to N-1 and
    that a count hidden to protect another is at least N. Ranges are tightened sum by sum
    until they stop changing."""
    low: dict[Key, float] = {}
    high: dict[Key, float] = {}
    small = set()
    for key, mark in marks.items():
        if mark == SMALL:
            low[key], high[key] = 0, threshold - 1
            small.add(key)
        elif mark == HIDDEN:
            low[key], high[key] = threshold, math.inf
    # Each sum as: the signed unknowns add up to `target`.
    systems = []
    around: dict[Key, list[int]] = {}
    for equation in equations:
        terms = [(-1, equation.total)] + [(1, key) for key in equation.parts]
        unknown = [(sign, key) for sign, key in terms if key in low]
        if not unknown:
            continue
        target = -sum(sign * values[key] for sign, key in terms if key not in low)
        for _sign, key in unknown:
            around.setdefault(key, []).append(len(systems))
        systems.append((unknown, target))
    pending = set(range(len(systems)))
    while pending:
        unknown, target = systems[pending.pop()]
        least = [sign * (low[k] if sign > 0 else high[k]) for sign, k in unknown]
        most = [sign * (high[k] if sign > 0 else low[k]) for sign, k in unknown]
        least_sum, least_inf = _finite_sum(least)
        most_sum, most_inf = _finite_sum(most)
        for (sign, key), own_least, own_most in zip(unknown, least, most, strict=True):
            # The other unknowns' signed sum lies in [others_least, others_most].
            others_least = (
                -math.inf
                if least_inf - math.isinf(own_least)
                else (least_sum - (0 if math.isinf(own_least) else own_least))
            )
            others_most = (
                math.inf
                if most_inf - math.isinf(own_most)
                else (most_sum - (0 if math.isinf(own_most) else own_most))
            )
            lowest, highest = target - others_most, target - others_least
            new_low, new_high = (lowest, highest) if sign > 0 else (-highest, -lowest)
            changed = False
            if new_low > low[key]:
                low[key], changed = math.ceil(new_low), True
            if new_high < high[key]:
                high[key], changed = math.floor(new_high), True
            if changed:
                pending.update(around[key])
    # A small count worked out exactly is a leak. A zero is not: it points to nobody (and
    # protecting zeros too would hide most of every table by group). A larger hidden count
    # worked out is not a small count; whatever it protected is checked on its own.
    return {key for key in small if low[key] == high[key] and values[key] > 0}


def _finite_sum(numbers: list[float]) -> tuple[float, int]:
    """The sum of the finite numbers, and how many are infinite."""
    finite = [n for n in numbers if not math.isinf(n)]
    return sum(finite), len(numbers) - len(finite)
