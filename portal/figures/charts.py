"""Charts as plain numbers for an SVG template: no JavaScript, no chart service, no styles.

The template (`templates/public/_figures.html`) draws what these describe with SVG
presentation attributes only, since the content security policy allows no inline styles.
A count that is not shown is drawn as a dashed outline from 0 to the threshold ("fewer than
10") or not at all ("hidden"), never as a bar of a made-up length.
"""

from __future__ import annotations

import dataclasses

from portal.figures import figurelabels as words
from portal.figures.figuretables import ALL
from portal.figures.opendata import cell_text
from portal.figures.transparency import SHOWN, SMALL, Table

WIDTH = 320
LABEL_GAP = 17  # label line above each bar
BAR_HEIGHT = 14
ROW_HEIGHT = 44
VALUE_ROOM = 96  # room right of the longest bar for its value
LINE_HEIGHT = 170


@dataclasses.dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: float
    width: float
    outline: bool  # a dashed range 0..threshold, for "fewer than N"

    @property
    def bar_y(self) -> float:
        return self.y + LABEL_GAP - 10

    @property
    def text_x(self) -> float:
        return self.width + 6


@dataclasses.dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int


def bar_chart(
    table: Table, threshold: int, column: str | None = None, title: str | None = None
) -> BarChart:
    """One horizontal bar per row of a table's column (its first by default), the total
    left out."""
    layout = table.layout
    column = column or layout.columns[0]
    rows = [row for row in layout.rows if row != ALL]
    cells = [table.cell(row, column) for row in rows]
    largest = max([threshold] + [c.value for c in cells if c.mark == SHOWN and c.value])
    scale = (WIDTH - VALUE_ROOM) / largest
    bars = []
    for index, (row, cell) in enumerate(zip(rows, cells, strict=True)):
        if cell.mark == SHOWN:
            width = max(cell.value * scale, 1 if cell.value else 0)
        else:
            width = threshold * scale if cell.mark == SMALL else 0
        bars.append(
            Bar(
                label=words.label(layout.row_dimension, row),
                text=cell_text(cell, threshold),
                y=index * ROW_HEIGHT + LABEL_GAP,
                width=round(width, 1),
                outline=cell.mark == SMALL,
            )
        )
    title = title or str(words.TITLES.get(table.id, table.id))
    return BarChart(str(title), tuple(bars), WIDTH, len(bars) * ROW_HEIGHT + 6)


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float | None  # None when the count is not shown
    top: str  # first line of the label under the axis (Q3)
    bottom: str  # second line (2026)
    text: str  # the value as a reader sees it
    small_y: float  # where the threshold line sits, for a "fewer than N" range


@dataclasses.dataclass(frozen=True)
class LineChart:
    title: str
    points: tuple[Point, ...]
    segments: tuple[str, ...]  # SVG path data, one per run of shown points
    width: int
    height: int
    baseline: float
    top_y: float
    top_text: str


def line_chart(table: Table, threshold: int) -> LineChart:
    """Complaints per quarter: a line through the quarters that are shown, broken where a
    quarter is hidden."""
    layout = table.layout
    column = layout.columns[0]
    cells = [table.cell(row, column) for row in layout.rows]
    top = max([threshold] + [c.value for c in cells if c.mark == SHOWN and c.value])
    left, right, upper, baseline = 48, WIDTH - 24, 14, LINE_HEIGHT - 40
    step = (right - left) / max(len(cells) - 1, 1)

    def y_of(value: float) -> float:
        return round(baseline - (baseline - upper) * value / top, 1)

    points, segments, run = [], [], []
    for index, (row, cell) in enumerate(zip(layout.rows, cells, strict=True)):
        x = round(left + index * step if len(cells) > 1 else (left + right) / 2, 1)
        shown = cell.mark == SHOWN
        year, quarter = row.split("Q")
        points.append(
            Point(
                x,
                y_of(cell.value) if shown else None,
                f"Q{quarter}",
                year,
                cell_text(cell, threshold),
                y_of(threshold),
            )
        )
        if shown:
            run.append(f"{x},{y_of(cell.value)}")
        elif run:
            segments.append(run)
            run = []
    if run:
        segments.append(run)
    paths = tuple("M" + " L".join(points_) for points_ in segments if len(points_) > 1)
    title = str(words.TITLES["quarters"])
    return LineChart(title, tuple(points), paths, WIDTH, LINE_HEIGHT, baseline, upper, f"{top:g}")
