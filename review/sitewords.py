"""The admin's own words in other languages, as the settings page edits them: one box per
setting that participants read, holding the same lines as the English box, in the same
order. Stored as the site's `words`: {language: {English words: their words}}."""

from __future__ import annotations

from dataclasses import dataclass

from portal import choices

# Settings participants read that an admin may give in another language; the boxes of the
# settings form are named `<setting>_<language>`.
ONE_LINE = ("program_name", "neutral_title")
ONE_PER_LINE = ("agencies",)
PLACES = ("help_resources", "danger_lines")
# The parts of a help place that are words (the phone number is the same in every language).
PLACE_KEYS = ("name", "what", "phone", "hours", "address")
PLACE_WORDS = ("name", "what", "hours", "address")
# Every language but the default, whose words are the settings themselves.
LANGUAGES = tuple(lang for lang in choices.LANGUAGES if lang != choices.DEFAULT_LANGUAGE)


def box_names() -> list[str]:
    return [
        f"{setting}_{lang}" for lang in LANGUAGES for setting in ONE_LINE + ONE_PER_LINE + PLACES
    ]


@dataclass
class LinesDoNotMatch(ValueError):
    """A box in another language has more lines than its English box."""

    box: str
    english_lines: int


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _place_parts(line: str) -> list[str]:
    parts = [part.strip() for part in line.split("|")]
    return parts + [""] * (len(PLACE_KEYS) - len(parts))


def _pairer(pairs: dict[str, str]):
    def pair(source: str, translated: str) -> None:
        if source and translated and translated != "-":
            pairs[source] = translated

    return pair


def words_from_boxes(english: dict, boxes: dict[str, str]) -> dict[str, dict[str, str]]:
    """`english`: the settings as they will be saved (agencies a list, places a list of dicts);
    `boxes`: what the admin typed in each other-language box. A line left as "-" or a part
    left empty shows the English words."""
    words: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        pairs: dict[str, str] = {}
        pair = _pairer(pairs)
        for setting in ONE_LINE:
            pair(english[setting], (boxes.get(f"{setting}_{lang}") or "").strip())
        for setting in ONE_PER_LINE:
            box = f"{setting}_{lang}"
            typed = _lines(boxes.get(box))
            if len(typed) > len(english[setting]):
                raise LinesDoNotMatch(box, len(english[setting]))
            for source, translated in zip(english[setting], typed, strict=False):
                pair(source, translated)
        for setting in PLACES:
            box = f"{setting}_{lang}"
            typed = _lines(boxes.get(box))
            if len(typed) > len(english[setting]):
                raise LinesDoNotMatch(box, len(english[setting]))
            for place, line in zip(english[setting], typed, strict=False):
                parts = dict(zip(PLACE_KEYS, _place_parts(line), strict=False))
                for key in PLACE_WORDS:
                    pair(place.get(key, ""), parts[key])
        words[lang] = pairs
    return words


def boxes_from_words(english: dict, words: dict[str, dict[str, str]]) -> dict[str, str]:
    """The other-language boxes for the settings page, from the saved words."""
    boxes: dict[str, str] = {}
    for lang in LANGUAGES:
        own = words.get(lang, {})
        if not own:
            boxes.update({f"{setting}_{lang}": "" for setting in ONE_LINE + ONE_PER_LINE + PLACES})
            continue
        for setting in ONE_LINE:
            boxes[f"{setting}_{lang}"] = own.get(english[setting], "")
        for setting in ONE_PER_LINE:
            boxes[f"{setting}_{lang}"] = "\n".join(own.get(x, "-") for x in english[setting])
        for setting in PLACES:
            lines = []
            for place in english[setting]:
                parts = [
                    place.get(key, "") if key == "phone" else own.get(place.get(key, ""), "")
                    for key in PLACE_KEYS
                ]
                lines.append(" | ".join(parts).rstrip(" |") or "-")
            boxes[f"{setting}_{lang}"] = "\n".join(lines)
    return boxes
