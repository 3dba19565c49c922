"""Claim codes: the format people see, forgiving input, typo detection and hashing."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.security import claimcodes
from portal.security.claimcodes import (
    ALPHABET,
    ClaimCodeMalformed,
    ClaimCodeTypo,
    CodeHasher,
    check_character,
    new_code,
    parse,
)

CHEAP = (1, 8, 1)


def test_a_new_code_is_five_groups_of_four_from_the_alphabet() -> None:
    code = new_code()
    groups = code.display.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4, 4]
    assert set("".join(groups)) <= set(ALPHABET)
    assert groups[0] == code.locator


def test_codes_do_not_repeat() -> None:
    secrets = {new_code().secret for _ in range(2000)}
    assert len(secrets) == 2000


@given(st.text(alphabet=ALPHABET, min_size=19, max_size=19))
def test_every_code_reads_back_as_itself(body: str) -> None:
    compact = body + check_character(body)
    code = parse(compact)
    assert code.compact == compact
    assert parse(code.display) == code


def test_known_luhn_mod_32_check_character() -> None:
    # Worked by hand: Luhn mod N over the alphabet 0-9A-Z less I, L, O, U.
    assert check_character("1") == "Y"  # 1 doubled = 2 -> (32 - 2) % 32 = 30 -> "Y"
    assert check_character("0" * 19) == "0"


@pytest.mark.parametrize(
    "typed",
    [
        "{code}",
        "{code_lower}",
        "  {code}  ",
        "{compact}",
        "{spaced}",
        "{compact_lower_spaced}",
    ],
)
def test_input_ignores_case_spaces_and_dashes(typed: str) -> None:
    code = new_code()
    text = typed.format(
        code=code.display,
        code_lower=code.display.lower(),
        compact=code.compact,
        spaced=code.display.replace("-", " "),
        compact_lower_spaced=" ".join(code.compact.lower()),
    )
    assert parse(text) == code


def test_letters_that_look_like_digits_are_read_as_digits() -> None:
    body = "0110" + "0" * 15
    code = body + check_character(body)
    assert parse("O" + "IL" + "0" + code[4:]).compact == code
    assert parse("o" + "il" + "0" + code[4:]).compact == code


def test_every_single_wrong_character_is_caught() -> None:
    code = new_code().compact
    for position, replacement in itertools.product(range(len(code)), ALPHABET):
        if code[position] == replacement:
            continue
        typo = code[:position] + replacement + code[position + 1 :]
        with pytest.raises(ClaimCodeTypo):
            parse(typo)


def test_most_swaps_of_neighbours_are_caught() -> None:
    caught = total = 0
    for _ in range(200):
        code = new_code().compact
        for i in range(len(code) - 1):
            if code[i] == code[i + 1]:
                continue
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            total += 1
            try:
                parse(swapped)
            except ClaimCodeTypo:
                caught += 1
    assert caught / total > 0.9


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "K7QM",
        "K7QM-2XPA-9HDR-T4WE-8NC",
        "K7QM-2XPA-9HDR-T4WE-8NCBX",
        "K7QM-2XPA-9HDR-T4WE-8NC!",
    ],
)
def test_wrong_length_or_characters_are_malformed(typed: str) -> None:
    with pytest.raises(ClaimCodeMalformed):
        parse(typed)


def test_input_over_64_characters_is_refused_before_any_work() -> None:
    code = new_code().display
    padding = claimcodes.MAX_INPUT_LENGTH - len(code)
    assert parse(code + " " * padding) is not None
    with pytest.raises(ClaimCodeMalformed):
        parse(code + " " * (padding + 1))


def test_repr_never_shows_the_secret() -> None:
    code = new_code()
    assert code.secret not in repr(code)
    assert code.secret not in str(code)


@pytest.mark.parametrize(
    ("template", "found"),
    [
        ("my code is {code} please help", True),
        ("my code {code}", True),
        ("code {spaced}", True),
        ("abcd efgh {code}", True),
        ("{compact}", True),
        ("about {spaced} from before", True),
        ("badge 4471, car 12, on 3rd and Pine", False),
        ("a long word: abcdefghijklmnopqrstuvwxyz", False),
    ],
)
def test_finds_a_claim_code_inside_text(template: str, found: bool) -> None:
    code = new_code()
    text = template.format(
        code=code.display, compact=code.compact, spaced=code.display.replace("-", " ")
    )
    assert claimcodes.find_in_text(text) is found


def test_a_code_shaped_string_with_a_wrong_check_character_is_not_flagged() -> None:
    code = new_code().compact
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
    assert not claimcodes.find_in_text("ref " + code[:-1] + wrong)


def test_hash_verifies_only_the_right_secret() -> None:
    hasher = CodeHasher(b"pepper", *CHEAP)
    code = new_code()
    stored = hasher.hash(code)
    assert code.secret not in stored
    assert hasher.verify(stored, code)
    assert not hasher.verify(stored, new_code(code.locator))


def test_the_pepper_is_part_of_the_hash() -> None:
    code = new_code()
    stored = CodeHasher(b"pepper-one", *CHEAP).hash(code)
    assert not CodeHasher(b"pepper-two", *CHEAP).verify(stored, code)


def test_no_stored_hash_still_costs_one_verification_and_fails() -> None:
    hasher = CodeHasher(b"pepper", *CHEAP)
    assert hasher.verify(None, new_code()) is False
    assert hasher.verify_calls == 1


def test_a_hasher_needs_a_pepper() -> None:
    with pytest.raises(ValueError, match="pepper"):
        CodeHasher(b"", *CHEAP)


@pytest.mark.parametrize(("look_alike", "digit"), sorted(claimcodes.LOOK_ALIKES.items()))
def test_a_printed_key_forgives_the_same_look_alikes_as_a_claim_code(
    look_alike: str, digit: str
) -> None:
    from portal.security import crypto

    key = bytes(32)  # prints as all zeros: every 0 can be typed as O
    printed = crypto.printable(key).replace("0", digit)
    typed = printed.replace(digit, look_alike.lower())
    assert crypto.from_printable(typed) == crypto.from_printable(printed)
    code = claimcodes.new_code(locator=digit * 4)
    assert claimcodes.parse(code.display.replace(digit, look_alike)) == code
