"""Referral and link states are defined once (portal.choices): every one has the board's words
for it, so a state added later never shows as a raw code on the case page."""

from __future__ import annotations

from portal.choices import BOARD_WORDS, LinkState, ReferralState


def test_every_link_state_has_the_boards_words() -> None:
    assert set(BOARD_WORDS["link"]) == set(LinkState)


def test_every_referral_state_has_the_boards_words() -> None:
    assert set(ReferralState) <= set(BOARD_WORDS["state"])
