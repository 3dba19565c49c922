"""Counts behind the public figures, shared by every server process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class FigureSnapshot(Base):
    """A quarter's counts as last counted, before anything is hidden (portal.figuresnapshots).

    Any server process may use them within the hour instead of counting again, a new one
    included. They hold counts and the board's public summaries only: nothing the complaint
    table does not already hold in the clear.
    """

    __tablename__ = "figure_snapshot"

    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)  # "2026Q3"
    counted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    counts: Mapped[str] = mapped_column(Text)  # JSON
