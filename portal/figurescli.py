"""`flask --app wsgi figures --period 2026Q3`: the published figures in the terminal.

The same figures as the public page, with the same counts hidden: nothing here shows more
than the web does.
"""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from portal import clock, db, figurelabels, opendata, periods, sitesettings, transparency


def init_app(app: Flask) -> None:
    app.cli.add_command(figures_command)


def render_text(figures: transparency.Figures) -> str:
    """Every table as aligned columns of text."""
    key = figures.period.key
    lines = [
        f"Public figures for {key}: complaints received {figures.period.start:%d %B %Y} "
        f"to {figures.period.last_day:%d %B %Y}, as they stand on {figures.built_at:%d %B %Y}.",
        f"Counts below {figures.threshold} read 'fewer than {figures.threshold}'; 'hidden' "
        "counts protect a small one.",
    ]
    show = lambda cell: opendata.cell_text(cell, figures.threshold)  # noqa: E731
    for table in figures.tables.values():
        layout = table.layout
        header = [""] + [figurelabels.label(layout.column_dimension, c) for c in layout.columns]
        body = [
            [figurelabels.label(layout.row_dimension, r)]
            + [show(table.cell(r, c)) for c in layout.columns]
            for r in layout.rows
        ]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        lines += ["", str(figurelabels.TITLES.get(table.id, table.id))]
        for row in [header, *body]:
            first = row[0].ljust(widths[0])
            cells = zip(row[1:], widths[1:], strict=True)
            rest = "  ".join(cell.rjust(width) for cell, width in cells)
            lines.append(f"  {first}  {rest}".rstrip())
    lines += ["", "You said, we did"]
    for story in figures.stories or ():
        lines.append(f"  {story.quarter}  You said: {story.board_said}")
        lines.append(f"          We did: {story.program_did or 'waiting for an answer'}")
    if not figures.stories:
        lines.append("  nothing for this period yet")
    return "\n".join(lines)


@click.command("figures")
@click.option(
    "--period",
    default=periods.LAST_12_MONTHS,
    show_default=True,
    help="A quarter that has ended, such as 2026Q3, or last-12-months.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
)
@with_appcontext
def figures_command(period: str, output: str) -> None:
    """Print the public figures for a period, with the same counts hidden as on the web."""
    cache = current_app.extensions.setdefault(transparency.CACHE_KEY, {})
    with force_locale("en"):
        threshold = sitesettings.current().suppression_threshold
        try:
            figures = transparency.for_key(db.session(), period, threshold, clock.now(), cache)
        except periods.PeriodNotPublished:
            raise click.BadParameter(
                "no figures are published for that period: use a quarter that has ended and "
                "has complaints (such as 2026Q3), or last-12-months",
                param_hint="--period",
            ) from None
        if output == "csv":
            click.echo(opendata.to_csv(opendata.rows(figures)), nl=False)
        elif output == "json":
            click.echo(json.dumps(opendata.to_json(figures), indent=2, ensure_ascii=False))
        else:
            click.echo(render_text(figures))
