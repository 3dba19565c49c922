"""Links between a new complaint and an earlier one whose code was lost (portal.casework.linking).

A link must never become a way to read someone else's complaint: two board members, never
one who filed either complaint from their own signed-in browser; the new code sees only that
the earlier case exists, its status, and what the board writes after the link; and the link
ends when a member behind it is disabled or steps away.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.casework import linkrule
from portal.models import Account, CaseLink, Complaint, LinkCopy
from portal.security import claimcodes, crypto, sealing
from tests.board import Board, csrf
from tests.builders import act, approve, complainant_page, file_directly, link_id, signed_in
from tests.conftest import Participant, board_keyring

EARLIER = {
    "narrative": "PLANTED-NARRATIVE the officer pushed me behind the shelter",
    "officer": "PLANTED-BADGE 4471",
    "where_text": "PLANTED-PLACE Fifth and Main",
    "wants": "PLANTED-WANTS an apology",
}
OWN_FILING = "You were signed in on the browser one of these complaints was sent from"


def link_state(app: Flask, new_locator: str) -> str:
    with app.app_context():
        return db.session().get(CaseLink, link_id(app, new_locator)).state


def say_yes(person: FlaskClient, app: Flask, new_code: str) -> str:
    """The person opens their new case and says the earlier one is theirs."""
    complainant_page(person, new_code)
    person.post(
        "/case/link",
        data={
            "csrf_token": csrf(person, "/case"),
            "question": str(link_id(app, new_code[:4])),
            "answer": "yes",
        },
    )
    return person.get("/case").get_data(as_text=True)


def write_on(board_member: FlaskClient, locator: str, words: str) -> None:
    response = act(board_member, locator, "message", body=words)
    assert response.status_code == HTTPStatus.SEE_OTHER


def reply_as(person: FlaskClient, code: str, words: str) -> None:
    complainant_page(person, code)
    person.post("/case/reply", data={"csrf_token": csrf(person, "/case"), "body": words})


@pytest.fixture
def two(app: Flask, board: Board) -> tuple[FlaskClient, FlaskClient]:
    """A reviewer and the chair, each in a browser of their own."""
    return signed_in(app, board, Role.REVIEWER, "rev"), signed_in(app, board, Role.ADMIN, "chair")


# --- attack 1: a reviewer files as a participant, then links it to someone else's case ----


def test_a_reviewer_cannot_link_a_complaint_filed_from_their_own_signed_in_browser(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, chair = two
    victim = file_directly(app, clock, **EARLIER)[:4]
    # The reviewer, still signed in, files a complaint of their own on the same browser.
    own = Participant(reviewer).file_and_get_code(
        narrative="something", lost_code_note="the shelter, last month"
    )
    refused = act(reviewer, own[:4], "link", earlier=victim)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert OWN_FILING in refused.get_data(as_text=True)
    # Another member proposes it; the reviewer may not be the one who approves it either.
    act(chair, own[:4], "link", earlier=victim)
    page = reviewer.get(f"/review/cases/{own[:4]}").get_data(as_text=True)
    assert "Approve: ask the person" not in page
    refused = approve(reviewer, app, own[:4])
    assert OWN_FILING in refused.get_data(as_text=True)
    assert link_state(app, own[:4]) == linkrule.PROPOSED
    assert "Is this your earlier complaint?" not in complainant_page(app.test_client(), own)


def test_a_link_ends_when_a_member_behind_it_is_disabled(
    app: Flask, clock, board: Board, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, chair = two
    victim = file_directly(app, clock, **EARLIER)[:4]
    # Filed from another browser, so nothing marks it as the reviewer's.
    own = file_directly(app, clock, narrative="mine", lost_code_note="the shelter")
    act(reviewer, own[:4], "link", earlier=victim)
    approve(chair, app, own[:4])
    attacker = app.test_client()
    page = say_yes(attacker, app, own)
    assert f"reference {victim}" in page
    write_on(chair, victim, "AFTER-LINK we spoke to the program")
    assert "AFTER-LINK we spoke to the program" in attacker.get("/case").get_data(as_text=True)

    with app.app_context():
        rev_id = db.session().scalar(select(Account.id).where(Account.username == "rev"))
    chair.post(
        f"/review/admin/accounts/{rev_id}/disable",
        data={"csrf_token": csrf(chair, "/review/admin/accounts")},
    )
    write_on(chair, victim, "LATER-STILL the letter is coming")
    page = attacker.get("/case").get_data(as_text=True)
    assert f"reference {victim}" not in page
    assert "AFTER-LINK" not in page
    assert "LATER-STILL" not in page
    board_page = chair.get(f"/review/cases/{own[:4]}").get_data(as_text=True)
    assert "ended: a board member behind it left or stepped away" in board_page


@pytest.mark.parametrize("who_steps_away", [0, 1], ids=["proposer", "approver"])
@pytest.mark.parametrize("from_which", ["new", "earlier"])
def test_a_link_ends_when_a_member_behind_it_steps_away_from_either_case(
    app: Flask, clock, board: Board, who_steps_away: int, from_which: str
) -> None:
    members = (
        signed_in(app, board, Role.REVIEWER, "rev"),
        signed_in(app, board, Role.REVIEWER, "rev2"),
    )
    signed_in(app, board, Role.ADMIN, "chair")  # someone can still open both cases
    earlier = file_directly(app, clock, narrative="earlier")[:4]
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    act(members[0], new_code[:4], "link", earlier=earlier)
    approve(members[1], app, new_code[:4])
    person = app.test_client()
    assert f"reference {earlier}" in say_yes(person, app, new_code)
    locator = new_code[:4] if from_which == "new" else earlier
    act(members[who_steps_away], locator, "recuse", confirm="y")
    assert f"reference {earlier}" not in person.get("/case").get_data(as_text=True)


# --- attack 2: someone who knows the incident writes a lost-code note ---------------------


def test_an_officer_who_knows_the_incident_never_reads_the_earlier_complaint(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, chair = two
    victim_code = file_directly(app, clock, **EARLIER)
    victim = victim_code[:4]
    act(reviewer, victim, "status", target="in_review", reason="PLANTED-REASON we read it")
    write_on(reviewer, victim, "PLANTED-MESSAGE did he say anything?")
    reply_as(app.test_client(), victim_code, "PLANTED-REPLY yes, he said my name")
    # The officer files with a note that describes the incident, and the board links it.
    officer_code = file_directly(
        app, clock, narrative="I lost my code", lost_code_note="pushed behind the shelter"
    )
    act(reviewer, officer_code[:4], "link", earlier=victim)
    approve(chair, app, officer_code[:4])
    officer = app.test_client()
    page = say_yes(officer, app, officer_code)
    # After the link: the board's later words show; the victim's own later words never do.
    write_on(chair, victim, "AFTER-LINK we are still working on it")
    reply_as(app.test_client(), victim_code, "VICTIM-LATER he came back to the shelter")
    act(
        chair,
        victim,
        "decide",
        disposition="policy_recommendation",
        letter="AFTER-LINK-LETTER we asked for a change",
        confirm="y",
    )
    page = complainant_page(officer, officer_code)
    assert f"reference {victim}" in page
    assert "AFTER-LINK we are still working on it" in page
    assert "AFTER-LINK-LETTER we asked for a change" in page
    assert "PLANTED" not in page
    assert "VICTIM-LATER" not in page


# --- attack 3: one member proposing and approving --------------------------------------------


def test_a_link_proposed_and_approved_by_the_same_member_is_refused(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, _chair = two
    earlier = file_directly(app, clock, **EARLIER)[:4]
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    act(reviewer, new_code[:4], "link", earlier=earlier)
    assert "Approve: ask the person" not in reviewer.get(f"/review/cases/{new_code[:4]}").get_data(
        as_text=True
    )
    refused = approve(reviewer, app, new_code[:4])
    assert "A second board member must approve a link you proposed." in refused.get_data(
        as_text=True
    )
    assert link_state(app, new_code[:4]) == linkrule.PROPOSED
    person = app.test_client()
    assert "Is this your earlier complaint?" not in complainant_page(person, new_code)
    # Answering anyway (a forged form) changes nothing.
    page = say_yes(person, app, new_code)
    assert "This question is no longer open. Nothing was changed." in page
    assert f"reference {earlier}" not in page
    assert link_state(app, new_code[:4]) == linkrule.PROPOSED


def test_a_second_member_turns_a_link_down_and_the_person_is_never_asked(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, chair = two
    earlier = file_directly(app, clock, narrative="earlier")[:4]
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    act(reviewer, new_code[:4], "link", earlier=earlier)
    act(chair, new_code[:4], f"links/{link_id(app, new_code[:4])}/decline")
    assert link_state(app, new_code[:4]) == linkrule.DECLINED
    assert "Is this your earlier complaint?" not in complainant_page(app.test_client(), new_code)


# --- the rule itself ----------------------------------------------------------------------


def test_a_new_code_sees_the_earlier_cases_status_and_later_words_only(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    """The invariant, checked on the one function every page goes through."""
    reviewer, chair = two
    earlier_code = file_directly(app, clock, **EARLIER)
    earlier = earlier_code[:4]
    act(reviewer, earlier, "status", target="in_review", reason="PLANTED-REASON")
    write_on(reviewer, earlier, "PLANTED-MESSAGE before")
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    act(reviewer, new_code[:4], "link", earlier=earlier)
    approve(chair, app, new_code[:4])
    say_yes(app.test_client(), app, new_code)
    # All in the same hour as the person's yes: only what came after it counts.
    write_on(chair, earlier, "LATER board message")
    act(chair, earlier, "status", target="waiting", reason="LATER reason")

    with app.app_context():
        session = db.session()
        new = session.scalar(select(Complaint).where(Complaint.locator == new_code[:4]))
        code_key = app.extensions["portal.hasher"].code_key(claimcodes.parse(new_code))
        seen = linkrule.what_the_new_code_sees(session, new.id, sealing.key_for_code(new, code_key))
    assert [(case.locator, case.status) for case in seen] == [(earlier, "waiting")]
    assert {(item.kind, item.text) for item in seen[0].later} == {
        ("status", "LATER reason"),
        ("from_board", "LATER board message"),
    }
    # Nothing else is carried: no words, no files, no earlier messages, reasons or letters.
    assert set(vars(seen[0])) == {"locator", "status", "later"}
    assert "PLANTED" not in repr(seen)


def test_a_database_copy_and_the_new_code_open_nothing_of_the_earlier_complaint(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    """The new code reaches its own case's key and the link's key; neither opens a word of
    the earlier complaint, and the earlier key is stored nowhere it could reach."""
    reviewer, chair = two
    earlier_code = file_directly(app, clock, **EARLIER)
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    act(reviewer, new_code[:4], "link", earlier=earlier_code[:4])
    approve(chair, app, new_code[:4])
    say_yes(app.test_client(), app, new_code)
    with app.app_context():
        session = db.session()
        new = session.scalar(select(Complaint).where(Complaint.locator == new_code[:4]))
        earlier = session.scalar(select(Complaint).where(Complaint.locator == earlier_code[:4]))
        link = session.get(CaseLink, link_id(app, new_code[:4]))
        code_key = app.extensions["portal.hasher"].code_key(claimcodes.parse(new_code))
        new_key = sealing.key_for_code(new, code_key)
        link_key = crypto.decrypt(new_key, link.link_key_new, sealing.LINK_KEY_NEW)
        earlier_key = sealing.key_for_board(earlier, board_keyring(app))
        assert earlier_key not in (new_key, link_key)
        for key in (new_key, link_key):
            with pytest.raises(crypto.DecryptionFailed):
                sealing.unlock(key, earlier.narrative, "complaint.narrative")
        assert (
            sealing.unlock(earlier_key, earlier.narrative, "complaint.narrative")
            == (EARLIER["narrative"])
        )


@pytest.mark.parametrize(
    ("role", "marked"),
    [(Role.REVIEWER, True), (Role.ADMIN, True), (Role.ADVOCATE, False), (None, False)],
)
def test_a_complaint_filed_on_a_signed_in_browser_names_only_a_case_worker_and_only_sealed(
    app: Flask, board: Board, role: Role | None, marked: bool
) -> None:
    """An admin's or reviewer's own filing is marked so they can never link it; an advocate
    helps someone else file, and a complaint never records which advocate helped. The mark
    is encrypted with the complaint's key and always present, so a database copy cannot tell
    a board member's own complaint from anyone else's."""
    from tests.test_advocates import assisted_filing

    if role is None:
        Participant(app.test_client()).file_and_get_code()
    elif role == Role.ADVOCATE:
        assert assisted_filing(signed_in(app, board, role, "member")).status_code == HTTPStatus.OK
    else:
        Participant(signed_in(app, board, role, "member")).file_and_get_code()
    with app.app_context():
        session = db.session()
        complaint = session.scalar(select(Complaint))
        member_id = session.scalar(select(Account.id).where(Account.username == "member"))
        stored = complaint.filed_by_member
        key = sealing.key_for_board(complaint, board_keyring(app))
        opened = sealing.unlock(key, stored, sealing.FILED_BY)
    assert stored is not None
    assert stored.startswith(crypto.TEXT_PREFIX)
    assert opened == (str(member_id) if marked else "")


def test_deleting_the_earlier_complaint_deletes_what_was_copied_for_the_new_code(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, chair = two
    earlier_code = file_directly(app, clock, narrative="earlier")
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    act(reviewer, new_code[:4], "link", earlier=earlier_code[:4])
    approve(chair, app, new_code[:4])
    person = app.test_client()
    say_yes(person, app, new_code)
    write_on(chair, earlier_code[:4], "COPIED-WORDS about the earlier case")
    assert "COPIED-WORDS" in person.get("/case").get_data(as_text=True)
    earlier_person = app.test_client()
    complainant_page(earlier_person, earlier_code)
    earlier_person.post(
        "/case/withdraw",
        data={"csrf_token": csrf(earlier_person, "/case"), "how": "delete", "confirm": "yes"},
    )
    with app.app_context():
        assert db.session().scalars(select(LinkCopy)).all() == []
    assert "COPIED-WORDS" not in person.get("/case").get_data(as_text=True)


def test_the_board_sees_what_a_link_will_and_will_not_show_before_proposing(
    app: Flask, clock, two: tuple[FlaskClient, FlaskClient]
) -> None:
    reviewer, _chair = two
    new_code = file_directly(app, clock, narrative="new", lost_code_note="lost it")
    page = reviewer.get(f"/review/cases/{new_code[:4]}").get_data(as_text=True)
    shows = page.index("What a link shows the person")
    form = page.index("Propose the link")
    assert shows < form
    explained = page[shows:form]
    for words in (
        "where it stands now",
        "after they say yes",
        "It will never show:",
        "what the earlier complaint says, or its files",
        "written on it before they say yes",
        "A second board member must approve the link",
    ):
        assert words in explained


def test_an_ended_link_cannot_be_used_to_keep_the_board_away_from_the_earlier_case(
    app: Flask, clock, board: Board, two: tuple[FlaskClient, FlaskClient]
) -> None:
    # Whoever holds the new code asks to keep someone away: while the link stands the earlier
    # case is held too (the person said it is theirs); once the link has ended it is not.
    reviewer, chair = two
    victim = file_directly(app, clock, **EARLIER)[:4]
    own = file_directly(app, clock, narrative="mine", lost_code_note="the shelter")
    act(reviewer, own[:4], "link", earlier=victim)
    approve(chair, app, own[:4])
    holder = app.test_client()
    say_yes(holder, app, own)
    with app.app_context():
        rev_id = db.session().scalar(select(Account.id).where(Account.username == "rev"))
    chair.post(
        f"/review/admin/accounts/{rev_id}/disable",
        data={"csrf_token": csrf(chair, "/review/admin/accounts")},
    )
    holder.post(
        "/case/keep-away",
        data={"csrf_token": csrf(holder, "/case"), "keep_away": "Every reviewer"},
    )
    with app.app_context():
        held = dict(db.session().execute(select(Complaint.locator, Complaint.held_for_chair)).all())
    assert held[own[:4]] is True
    assert held[victim] is False
