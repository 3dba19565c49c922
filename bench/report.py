"""What every benchmark section hands back, and how lines are printed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """One goal, whether it was met, and the figure that decided it."""

    goal: str
    met: bool
    figure: str


def say(line: str = "") -> None:
    """Print at once: a run takes a while, and the figures should appear as they come."""
    print(line, flush=True)
