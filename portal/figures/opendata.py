"""The published figures as open data: one CSV row per table cell, and the same in JSON.

Codes (table, row, column, status) are stable and described on the data dictionary page;
labels follow the reader's language. A hidden cell has no value, only its status.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from portal.figures import figurelabels as words
from portal.figures.transparency import HIDDEN, SHOWN, SMALL, TOO_FEW, Cell, Figures

CSV_COLUMNS = (
    "period",
    "table",
    "row",
    "row_label",
    "column",
    "column_label",
    "value",
    "status",
)
STATUSES = (SHOWN, SMALL, HIDDEN, TOO_FEW)


def cell_text(cell: Cell, threshold: int) -> str:
    """What a reader sees in a cell."""
    if cell.mark == SMALL:
        return str(words.SMALL_TEXT) % {"n": threshold}
    if cell.mark == HIDDEN:
        return str(words.HIDDEN_TEXT)
    if cell.mark == TOO_FEW or cell.value is None:
        return str(words.TOO_FEW_TEXT)
    return number_text(cell.value)


def number_text(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def rows(figures: Figures) -> Iterator[dict[str, object]]:
    """Every published cell, table by table, then 'You said, we did'."""
    for table in figures.tables.values():
        layout = table.layout
        for row in layout.rows:
            for column in layout.columns:
                cell = table.cell(row, column)
                yield {
                    "period": figures.period.key,
                    "table": table.id,
                    "row": row,
                    "row_label": words.label(layout.row_dimension, row),
                    "column": column,
                    "column_label": words.label(layout.column_dimension, column),
                    "value": cell.value if cell.mark == SHOWN else None,
                    "status": cell.mark,
                }
    yield from story_rows(figures.period.key, figures.stories)


def story_rows(period: str, stories: Iterable) -> Iterator[dict[str, object]]:
    for number, story in enumerate(stories, start=1):
        for column, label, value in (
            ("quarter", words.STORY_COLUMNS["quarter"], story.quarter),
            ("board_said", words.STORY_COLUMNS["board_said"], story.board_said),
            ("program_did", words.STORY_COLUMNS["program_did"], story.program_did),
        ):
            yield {
                "period": period,
                "table": "you_said_we_did",
                "row": str(number),
                "row_label": str(number),
                "column": column,
                "column_label": str(label),
                "value": value,
                "status": SHOWN,
            }


def to_csv(records: Iterable[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else _safe(v) for k, v in record.items()})
    return out.getvalue()


def _safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_json(figures: Figures) -> dict[str, object]:
    tables = []
    for table in figures.tables.values():
        layout = table.layout
        tables.append(
            {
                "id": table.id,
                "title": str(words.TITLES.get(table.id, table.id)),
                "rows": [
                    {"code": r, "label": words.label(layout.row_dimension, r)} for r in layout.rows
                ],
                "columns": [
                    {"code": c, "label": words.label(layout.column_dimension, c)}
                    for c in layout.columns
                ],
                "cells": [
                    {
                        "row": row,
                        "column": column,
                        "value": table.cell(row, column).value,
                        "status": table.cell(row, column).mark,
                    }
                    for row in layout.rows
                    for column in layout.columns
                ],
            }
        )
    return {
        "period": figures.period.key,
        "first_day": figures.period.start.isoformat(),
        "last_day": figures.period.last_day.isoformat(),
        "figures_as_of": figures.built_at.date().isoformat(),
        "releases": dict(figures.releases),
        "suppression_threshold": figures.threshold,
        "tables": tables,
        "you_said_we_did": [
            {"quarter": s.quarter, "board_said": s.board_said, "program_did": s.program_did}
            for s in figures.stories
        ],
    }
