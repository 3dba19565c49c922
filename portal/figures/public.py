"""Pages for the public and for operators: the figures, their open data, and the health check.

The views only wire a period to `portal.figures.transparency.figures` and a template or file; what
is
counted and what is hidden is decided there.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, db, sitesettings, siteurl
from portal.figures import (
    charts,
    figurelabels,
    figurerefresh,
    figurereleases,
    figuretables,
    opendata,
    periods,
    transparency,
)

bp = Blueprint("public", __name__)


def published(period_key: str) -> transparency.Figures:
    """The figures for a period named in a URL, or 404."""
    threshold = sitesettings.current().suppression_threshold
    try:
        return figurerefresh.figures_for(period_key, threshold)
    except periods.PeriodNotPublished:
        abort(404)
    except figurereleases.Unreadable:  # never counted again in its place: that would move it
        current_app.logger.error("a release of the public figures cannot be read")
        abort(HTTPStatus.SERVICE_UNAVAILABLE)


def _quarters() -> list[periods.Quarter]:
    now = clock.now()
    cache = current_app.extensions.setdefault(transparency.CACHE_KEY, {})
    return periods.published_quarters(
        transparency.first_day_cached(db.session(), now, cache), now.date()
    )


def figure_context(figures: transparency.Figures) -> dict[str, object]:
    """What the figure templates (`public/_figures.html`) need besides the figures."""
    return {
        "figures": figures,
        "quarters": _quarters(),
        "LAST_12_MONTHS": periods.LAST_12_MONTHS,
        "words": figurelabels,
        "show": lambda cell: opendata.cell_text(cell, figures.threshold),
        "bar_chart": lambda table, **options: charts.bar_chart(table, figures.threshold, **options),
        "line_chart": lambda table: charts.line_chart(table, figures.threshold),
    }


def _page(template: str, figures: transparency.Figures) -> str:
    return render_template(template, **figure_context(figures))


@bp.get("/figures")
def figures() -> str:
    return _page("public/figures.html", published(periods.LAST_12_MONTHS))


@bp.get("/figures/<period>")
def period_figures(period: str) -> str:
    return _page("public/figures.html", published(period))


@bp.get("/figures/equity")
def equity() -> str:
    return _page("public/equity.html", published(periods.LAST_12_MONTHS))


@bp.get("/figures/about")
def about() -> str:
    return render_template(
        "public/figures_about.html",
        layouts=figuretables.LAYOUTS,
        words=figurelabels,
        columns=opendata.CSV_COLUMNS,
        threshold=sitesettings.current().suppression_threshold,
        LAST_12_MONTHS=periods.LAST_12_MONTHS,
    )


@bp.get("/figures/<period>.csv")
def figures_csv(period: str) -> Response:
    figures_ = published(period)
    return Response(
        opendata.to_csv(opendata.rows(figures_)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="figures-{figures_.period.key}.csv"'
        },
    )


@bp.get("/figures/<period>.json")
def figures_json(period: str) -> ResponseReturnValue:
    document = opendata.to_json(published(period))
    document["data_dictionary"] = siteurl.external_url("public.about")
    return document


@bp.get("/too-large")
def too_large() -> ResponseReturnValue:
    """What nginx shows for a request over its size limit (deploy/nginx-lead-portal.conf):
    the portal's own calm page, in the person's language, with its security headers."""
    abort(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


@bp.get("/unavailable")
def unavailable() -> ResponseReturnValue:
    """What nginx shows when an app server failed to answer (deploy/nginx-lead-portal.conf,
    `error_page 502 504`), fetched from a server that is up: the portal's calm "try again"
    page, in the person's language, with its security headers, instead of nginx's bare one."""
    abort(HTTPStatus.SERVICE_UNAVAILABLE)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """For operators and load balancers: is the database answering? Holds no data."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "database unavailable"}, HTTPStatus.SERVICE_UNAVAILABLE
    return {"status": "ok"}
