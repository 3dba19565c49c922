"""The public figures' releases: what was published for each quarter, kept as published."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class FigureRelease(Base):
    """One release of a quarter's figures (portal.figures.figurereleases): the counts as they were
    when first published after the quarter ended, before anything is hidden. Never changed:
    a correction is a new row with the next number, and the newest number is the one
    published.

    `stories` lists the complaints whose "You said, we did" came out with this release; their
    words are read afresh from the complaint each time, so a summary deleted since (a
    withdrawal, say) does not live on here or in the backups.
    """

    __tablename__ = "figure_release"

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)  # "2026Q3"
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1, then corrections
    released_at: Mapped[dt.datetime] = mapped_column(DateTime)
    counts: Mapped[str] = mapped_column(Text)  # JSON
    stories: Mapped[str] = mapped_column(Text)  # JSON list of complaint ids


# Kept by triggers (migration 0024), never written by the application except by
# `portal.figures.figuretally.recount`: the sums each quarter's figures are made of
# (`portal.figures.figuretally` says which). A missing value is stored as ''.


def _empty(table: str) -> Index:
    """The sums a change just brought to nothing, which the triggers delete."""
    return Index(
        f"ix_{table}_empty",
        "quarter",
        sqlite_where=text("n = 0"),
        postgresql_where=text("n = 0"),
    )


class FigureTally(Base):
    """Complaints received in `quarter` whose `facet` (race or gender) is `grp`, by `margin`:
    kind (`a`), actor (`a`), outcome (status `a`, disposition `b`), or answers (answered `a`
    and decided `b`, '0' or '1')."""

    __tablename__ = "figure_tally"
    __table_args__ = (_empty("figure_tally"),)

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    facet: Mapped[str] = mapped_column(String(10), primary_key=True)
    grp: Mapped[str] = mapped_column(String(20), primary_key=True)
    margin: Mapped[str] = mapped_column(String(10), primary_key=True)
    a: Mapped[str] = mapped_column(String(30), primary_key=True)
    b: Mapped[str] = mapped_column(String(30), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class FigureTallyDays(Base):
    """Complaints answered (or decided) `days` after they came in, over all, by race or by
    gender (`facet` all, race or gender)."""

    __tablename__ = "figure_tally_days"
    __table_args__ = (_empty("figure_tally_days"),)

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    measure: Mapped[str] = mapped_column(String(10), primary_key=True)  # response, resolution
    facet: Mapped[str] = mapped_column(String(10), primary_key=True)
    grp: Mapped[str] = mapped_column(String(20), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class FigureTallyReferral(Base):
    """Referrals the person agreed to, by the quarter their complaint came in."""

    __tablename__ = "figure_tally_referral"
    __table_args__ = (_empty("figure_tally_referral"),)

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    body: Mapped[str] = mapped_column(String(30), primary_key=True)
    race: Mapped[str] = mapped_column(String(20), primary_key=True)
    gender: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
