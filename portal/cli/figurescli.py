"""`flask --app wsgi figures --period 2026Q3`: the published figures in the terminal.
`flask --app wsgi figures-release 2026Q3`: a correction, as a new release of a quarter.
`flask --app wsgi figures-recount`: the counts kept for each quarter, rebuilt from the cases.

The same figures as the public page, with the same counts hidden: nothing here shows more
than the web does.
"""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from portal import clock, db, sitesettings
from portal.db import write_transaction
from portal.figures import (
    figurelabels,
    figurereleases,
    figuretally,
    opendata,
    periods,
    transparency,
)
from portal.security import audit


def init_app(app: Flask) -> None:
    app.cli.add_command(figures_command)
    app.cli.add_command(release_command)
    app.cli.add_command(recount_command)


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
        except figurereleases.Unreadable as problem:
            raise click.ClickException(f"{problem} cannot be read") from None
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


@click.command("figures-release")
@click.argument("quarter")
@click.option("--yes", is_flag=True, help="Do not ask before publishing.")
@with_appcontext
def release_command(quarter: str, yes: bool) -> None:
    """Publish QUARTER's figures again, counted afresh, as a new release (a correction).

    The new release replaces the one before on every page and file within the hour, hidden
    by the same rules; the "You said, we did" it carries stay the same.
    """
    try:
        which = periods.Quarter.parse(quarter)
    except periods.PeriodNotPublished:
        raise click.BadParameter("name a quarter such as 2026Q3", param_hint="QUARTER") from None
    now = clock.now()
    if which.end > now.date():
        raise click.BadParameter("that quarter has not ended yet", param_hint="QUARTER")
    if not yes:
        click.confirm(
            f"Count {which.key} again and publish it as a new release? Readers who kept the "
            "last one can compare the two, so do this only to correct a mistake.",
            abort=True,
        )
    session = db.session()
    release = figurereleases.correct(session, which, now)
    with write_transaction(session):
        audit.record(
            session,
            "figures.release",
            account_id=None,
            now=now,
            object_type="quarter",
            object_id=which.key,
            number=release.number,
        )
    click.echo(
        f"Release {release.number} of {which.key} is published; every page shows it within "
        "the hour."
    )


@click.command("figures-recount")
@with_appcontext
def recount_command() -> None:
    """Count every case again into the counts kept for each quarter.

    Triggers keep those counts up to date; this rebuilds them from scratch (after restoring
    a copy of the database made without its triggers, say). Published releases do not move.
    """
    tally = figuretally.recount(db.session())
    click.echo(f"Counted {tally.complaints()} complaints into {len(tally.cases)} sums.")
