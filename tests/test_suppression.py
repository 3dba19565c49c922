"""Small-count suppression: what is hidden, and that nothing hidden can be worked out again,
by exact linear algebra or by ranges, on hand-made tables and on random ones."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.figures.suppression import HIDDEN, SHOWN, SMALL, Equation, suppress
from tests.figureattack import solve, squeeze


def one_column(values: list[int]) -> tuple[dict, list[Equation]]:
    counts = {("row", i): v for i, v in enumerate(values)}
    counts["total"] = sum(values)
    return counts, [Equation("total", tuple(("row", i) for i in range(len(values))))]


def two_way(grid: list[list[int]]) -> tuple[dict, list[Equation]]:
    """A table with row totals, column totals and a grand total."""
    counts: dict = {}
    equations = []
    rows, columns = len(grid), len(grid[0])
    for r in range(rows):
        for c in range(columns):
            counts[("cell", r, c)] = grid[r][c]
        counts[("row", r)] = sum(grid[r])
        equations.append(Equation(("row", r), tuple(("cell", r, c) for c in range(columns))))
    for c in range(columns):
        counts[("column", c)] = sum(grid[r][c] for r in range(rows))
        equations.append(Equation(("column", c), tuple(("cell", r, c) for r in range(rows))))
    counts["total"] = sum(map(sum, grid))
    equations.append(Equation("total", tuple(("row", r) for r in range(rows))))
    equations.append(Equation("total", tuple(("column", c) for c in range(columns))))
    return counts, equations


def recovered(counts: dict, equations: list[Equation], marks: dict, threshold: int) -> dict:
    """What the attacker gets back, checked against the truth."""
    sums = [(e.parts, e.total) for e in equations]
    known = {k: v for k, v in counts.items() if marks[k] == SHOWN}
    hidden = {k: m for k, m in marks.items() if m != SHOWN}
    squeezed = squeeze(sums, known, hidden, threshold)
    found = {**solve(sums, known), **{k: v for k, v in squeezed.items() if marks[k] == SMALL}}
    for key, value in found.items():
        assert value == counts[key], "the attacker's arithmetic is wrong"
    # A zero worked out from ranges points to nobody (see portal/figures/suppression.py); a count
    # hidden to protect another is at least the threshold, never a small count.
    return {key: value for key, value in found.items() if value or key in solve(sums, known)}


def test_counts_below_the_threshold_are_small_and_zero_is_one_of_them() -> None:
    counts, equations = one_column([12, 3, 0, 15])
    marks = suppress(counts, equations, 10)
    assert [marks[("row", i)] for i in range(4)] == [SHOWN, SMALL, SMALL, SHOWN]
    assert marks["total"] == SHOWN
    assert recovered(counts, equations, marks, 10) == {}


def test_a_lone_small_count_takes_the_next_smallest_with_it() -> None:
    counts, equations = one_column([12, 3, 15, 40])
    marks = suppress(counts, equations, 10)
    # Without the second hidden count, 70 - 12 - 15 - 40 would give the 3 away.
    assert [marks[("row", i)] for i in range(4)] == [HIDDEN, SMALL, SHOWN, SHOWN]
    assert recovered(counts, equations, marks, 10) == {}


def test_totals_follow_the_threshold_too() -> None:
    counts, equations = one_column([3, 4])
    marks = suppress(counts, equations, 10)
    assert set(marks.values()) == {SMALL}


def test_the_simple_rule_alone_would_leak_and_the_audit_catches_it() -> None:
    # A zero beside a count of exactly the threshold: "fewer than 10" + "hidden (10 or more)"
    # = 10 pins both. The audit hides the total as well.
    counts, equations = one_column([0, 10, 25])
    marks = suppress(counts, equations, 10)
    assert marks[("row", 0)] == SMALL
    assert recovered(counts, equations, marks, 10) == {}


def test_two_small_counts_at_their_largest_are_protected() -> None:
    # 9 + 9 = 38 - 20: both "fewer than 10" would have to be 9.
    counts, equations = one_column([9, 9, 20])
    marks = suppress(counts, equations, 10)
    assert recovered(counts, equations, marks, 10) == {}


def test_a_two_way_table_hides_a_rectangle() -> None:
    grid = [[20, 3, 15], [12, 14, 30], [25, 18, 11]]
    counts, equations = two_way(grid)
    marks = suppress(counts, equations, 10)
    assert marks[("cell", 0, 1)] == SMALL
    hidden = [key for key, mark in marks.items() if mark != SHOWN]
    assert len(hidden) >= 4  # a small cell needs partners in its row and its column
    assert recovered(counts, equations, marks, 10) == {}
    # The attacker is not toothless: with only the small cell hidden it finds it at once.
    naive = {key: (SMALL if key == ("cell", 0, 1) else SHOWN) for key in counts}
    assert recovered(counts, equations, naive, 10) == {("cell", 0, 1): 3}


def test_a_year_is_suppressed_together_with_its_published_quarters() -> None:
    quarters = [[12, 3, 15], [20, 20, 20]]
    counts, equations = {}, []
    for number, values in enumerate(quarters):
        part, part_equations = one_column(values)
        counts.update({(number, key): value for key, value in part.items()})
        equations += [
            Equation((number, e.total), tuple((number, p) for p in e.parts)) for e in part_equations
        ]
    published = {}
    for number in range(len(quarters)):
        mine = {k: v for k, v in counts.items() if k[0] == number}
        published.update(suppress(mine, [e for e in equations if e.total[0] == number], 10))
    year_values = [sum(column) for column in zip(*quarters, strict=True)]
    year, year_equations = one_column(year_values)
    counts.update({("year", key): value for key, value in year.items()})
    equations += [
        Equation(("year", e.total), tuple(("year", p) for p in e.parts)) for e in year_equations
    ]
    equations += [
        Equation(("year", key), tuple((n, key) for n in range(len(quarters)))) for key in year
    ]
    # Suppressed alone, the year would show everything (32, 23, 35) and give the 3 away.
    alone = suppress({k[1]: v for k, v in counts.items() if k[0] == "year"}, year_equations, 10)
    assert set(alone.values()) == {SHOWN}
    naive = {**published, **{("year", k): m for k, m in alone.items()}}
    assert recovered(counts, equations, naive, 10)
    marks = suppress(counts, equations, 10, fixed=published)
    assert all(marks[key] == published[key] for key in published)
    assert recovered(counts, equations, marks, 10) == {}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grid=st.integers(2, 4).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 30), min_size=columns, max_size=columns),
            min_size=2,
            max_size=4,
        )
    ),
    threshold=st.integers(5, 10),
)
def test_nothing_hidden_in_a_random_table_can_be_worked_out(
    grid: list[list[int]], threshold: int
) -> None:
    counts, equations = two_way(grid)
    marks = suppress(counts, equations, threshold)
    for key, value in counts.items():
        assert (marks[key] == SMALL) == (value < threshold)
    assert recovered(counts, equations, marks, threshold) == {}


@pytest.mark.parametrize("values", [[0], [5, 0, 0], [100, 0], [10, 10]])
def test_edge_tables(values: list[int]) -> None:
    counts, equations = one_column(values)
    marks = suppress(counts, equations, 10)
    assert recovered(counts, equations, marks, 10) == {}
