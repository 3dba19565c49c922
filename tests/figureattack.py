"""An attacker for the published figures, written apart from `portal.figures.suppression` so that
the
two do not share a mistake.

It reads what was published (JSON), writes down every sum a reader can know (rows and columns
adding up to their totals, cells that are the same count in two tables, a year adding up its
quarters) and tries to work out each hidden cell:

- `solve`: exact linear algebra over fractions (Gaussian elimination): a hidden cell is
  recovered when the equations pin it to one value;
- `squeeze`: ranges, knowing counts are whole and not negative, "fewer than N" is 0..N-1 and
  a "hidden" count is at least N: a hidden cell is recovered when its range is one value.
  (Tests allow a zero recovered this way: it points to nobody. See portal/figures/suppression.py.)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from fractions import Fraction

from portal.figures import figuretables as ft

Var = Hashable
# (parts, total): sum(parts) == total
Sum = tuple[tuple[Var, ...], Var]


def solve(sums: Iterable[Sum], known: dict[Var, int]) -> dict[Var, Fraction]:
    """Every unknown the sums pin to one value, with that value."""
    unknowns: dict[Var, int] = {}
    rows: list[tuple[dict[int, Fraction], Fraction]] = []
    for parts, total in sums:
        row: dict[int, Fraction] = {}
        rhs = Fraction(0)
        for var, sign in [*((p, 1) for p in parts), (total, -1)]:
            if var in known:
                rhs -= sign * known[var]
            else:
                column = unknowns.setdefault(var, len(unknowns))
                row[column] = row.get(column, Fraction(0)) + sign
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append((row, rhs))
    # Reduced row echelon form.
    pivots: list[tuple[int, dict[int, Fraction], Fraction]] = []
    for row, rhs in rows:
        row = dict(row)
        for column, prow, prhs in pivots:
            factor = row.pop(column, Fraction(0))
            if factor:
                for c, v in prow.items():
                    if c != column:
                        row[c] = row.get(c, Fraction(0)) - factor * v
                rhs -= factor * prhs
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        column = min(row)
        scale = row[column]
        row = {c: v / scale for c, v in row.items()}
        rhs /= scale
        reduced = []
        for pcolumn, prow, prhs in pivots:
            factor = prow.pop(column, Fraction(0))
            if factor:
                for c, v in row.items():
                    if c != column:
                        prow[c] = prow.get(c, Fraction(0)) - factor * v
                prow = {c: v for c, v in prow.items() if v}
                prhs -= factor * rhs
            reduced.append((pcolumn, prow, prhs))
        pivots = [*reduced, (column, row, rhs)]
    names = {column: var for var, column in unknowns.items()}
    return {names[column]: rhs for column, prow, rhs in pivots if set(prow) == {column}}


def squeeze(
    sums: Iterable[Sum], known: dict[Var, int], marks: dict[Var, str], threshold: int
) -> dict[Var, int]:
    """Every unknown whose possible range narrows to one whole number, with that number."""
    low = {v: (0 if m == "small" else threshold) for v, m in marks.items()}
    high = {v: (threshold - 1 if m == "small" else math.inf) for v, m in marks.items()}
    sums = list(sums)
    for _round in range(500):
        changed = False
        for parts, total in sums:
            terms = [(1, p) for p in parts] + [(-1, total)]
            constant = sum(s * known[v] for s, v in terms if v in known)
            open_terms = [(s, v) for s, v in terms if v not in known]
            for sign, var in open_terms:
                rest_low = rest_high = -constant
                for s, v in open_terms:
                    if v == var:
                        continue
                    # subtract s*v, whose range is [s*low, s*high] (flipped when s < 0)
                    lo, hi = (low[v], high[v]) if s > 0 else (-high[v], -low[v])
                    rest_low -= hi
                    rest_high -= lo
                lo, hi = (rest_low, rest_high) if sign > 0 else (-rest_high, -rest_low)
                if lo > low[var]:
                    low[var], changed = math.ceil(lo), True
                if hi < high[var]:
                    high[var], changed = math.floor(hi), True
        if not changed:
            break
    return {v: low[v] for v in marks if low[v] == high[v]}


# --- reading published figures -------------------------------------------------------------


def table_sums(table: dict, prefix: Hashable = ()) -> list[Sum]:
    """The sums a reader sees in one published table: rows and columns add up to 'total'."""
    rows = [r["code"] for r in table["rows"]]
    columns = [c["code"] for c in table["columns"]]
    additive = [c for c in columns if not c.startswith("median")]

    def var(row: str, column: str) -> Var:
        return (prefix, table["id"], row, column)

    sums: list[Sum] = []
    if ft.ALL in columns:
        for row in rows:
            parts = tuple(var(row, c) for c in columns if c != ft.ALL)
            sums.append((parts, var(row, ft.ALL)))
    if ft.ALL in rows:
        for column in additive:
            parts = tuple(var(r, column) for r in rows if r != ft.ALL)
            sums.append((parts, var(ft.ALL, column)))
    return sums


def same_counts(document: dict, prefix: Hashable = ()) -> list[Sum]:
    """Cells that are the same count in two tables (the data dictionary says which), as
    one-part sums."""
    first: dict[tuple, Var] = {}
    sums: list[Sum] = []
    for table in document["tables"]:
        layout = ft.LAYOUTS.get(table["id"])
        if layout is None:
            continue
        for (row, column), (kind, key) in layout.sources.items():
            if kind != "count":
                continue
            here = (prefix, table["id"], row, column)
            if key in first:
                sums.append(((here,), first[key]))
            else:
                first[key] = here
    return sums


def cells(document: dict, prefix: Hashable = ()) -> tuple[dict[Var, int], dict[Var, str]]:
    """Known values, and the marks of the hidden counts (medians left out)."""
    known: dict[Var, int] = {}
    hidden: dict[Var, str] = {}
    for table in document["tables"]:
        for cell in table["cells"]:
            var = (prefix, table["id"], cell["row"], cell["column"])
            if cell["status"] == "shown":
                known[var] = cell["value"]
            elif cell["status"] in ("small", "hidden"):
                hidden[var] = cell["status"]
    return known, hidden


def year_adds_up_quarters(year: dict, quarters: list[dict]) -> list[Sum]:
    """A year's counts are the sums of its quarters' (the data dictionary says so), and the
    year's total is the sum of its quarter series."""
    in_quarters = [
        {(t["id"], c["row"], c["column"]) for t in q["tables"] for c in t["cells"]}
        for q in quarters
    ]
    sums: list[Sum] = []
    for table in year["tables"]:
        if table["id"] == "quarters":
            parts = tuple(("year", "quarters", r["code"], "complaints") for r in table["rows"])
            sums.append((parts, ("year", "kind", ft.ALL, "complaints")))
            continue
        for cell in table["cells"]:
            place = (table["id"], cell["row"], cell["column"])
            if cell["column"].startswith("median") or not all(place in q for q in in_quarters):
                continue
            parts = tuple((q["period"], *place) for q in quarters)
            sums.append((parts, ("year", *place)))
    return sums
