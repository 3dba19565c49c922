"""Every word a person reads is marked for translation, and every marked string has a Spanish
translation that is neither missing nor fuzzy.

The sources are extracted afresh here, with the mapping in portal/babel.cfg and the keywords
of the Makefile, and compared with portal/translations/es/LC_MESSAGES/messages.po: a string
added anywhere without a translation fails the suite. `make translations` brings the catalog
up to date; README.md ("Languages") says how.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages import mofile, pofile
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
TEMPLATES = ROOT / "templates"
# The same keywords as BABEL_KEYWORDS in the Makefile (checked below).
EXTRA_KEYWORDS = {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "N_": None}
HOW_TO_FIX = "run `make translations`, translate what is empty or fuzzy in {po}, run it again"

# Text in templates that needs no translation: marks and symbols only.
ALLOWED_TEXT = {"—", "#", "·", ":", "-", "(", ")", ",", ".", "|", "/", "%"}
# Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
LETTER = re.compile(r"[^\W\d_]")
# Elements whose text is not words: scripts, styles, and code (file names, column names).
NOT_WORDS = {"script", "style", "code", "kbd", "samp"}
# Stands for a printed value: a digit, so it is never taken for a word and still parses
# inside a tag name (`<h{{ level }}>`) or an attribute.
PLACEHOLDER = "0"


def _po_catalog():
    with PO.open("rb") as handle:
        return pofile.read_po(handle, locale="es")


def _extracted() -> dict[str, list[str]]:
    """msgid -> the files it comes from, from the sources as they are now."""
    with (ROOT / "portal" / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS},
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        key = f"{context}\x04{msgid}" if context else msgid
        found.setdefault(key, []).append(filename)
    return found


def test_makefile_extracts_with_the_same_keywords() -> None:
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^BABEL_KEYWORDS := (.*)$", makefile, re.MULTILINE)
    assert line, "the Makefile has no BABEL_KEYWORDS"
    keywords = {word.split(":")[0] for word in re.findall(r"-k (\S+)", line.group(1))}
    assert keywords == set(EXTRA_KEYWORDS)


def test_every_string_has_a_spanish_translation() -> None:
    catalog = _po_catalog()
    missing, fuzzy = [], []
    for key, files in sorted(_extracted().items()):
        context, _, msgid = key.rpartition("\x04")
        entry = catalog.get(msgid, context=context or None)
        where = f"{msgid!r} ({', '.join(sorted(set(files)))})"
        if entry is None:
            missing.append(where)
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            missing.append(where)
        elif entry.fuzzy:
            fuzzy.append(where)
    problems = [f"missing: {m}" for m in missing] + [f"fuzzy: {f}" for f in fuzzy]
    assert not problems, (
        f"{len(problems)} Spanish strings to write ({HOW_TO_FIX.format(po=PO)}):\n"
        + "\n".join(problems[:60])
    )


def test_translations_keep_their_placeholders() -> None:
    """`%(name)s` in English must be `%(name)s` in Spanish, or the page would break."""
    problems = [
        f"{message.id!r}: {'; '.join(map(str, errors))}"
        for message, errors in _po_catalog().check()
        if errors
    ]
    assert not problems, "\n".join(problems)


def test_spanish_has_two_plural_forms() -> None:
    catalog = _po_catalog()
    assert catalog.num_plurals == 2
    assert catalog.plural_expr == "(n != 1)"


def _hashable(value: object) -> object:
    """Plural entries: a .po gives tuples, a .mo lists."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalog_matches_the_po_file() -> None:
    """The app reads the .mo: it must say what the .po says (`make test` and `make run`
    recompile it; so does `make translations`)."""
    assert MO.exists(), f"no {MO}: run `make translations`"
    with MO.open("rb") as handle:
        compiled = mofile.read_mo(handle)
    want = {
        _hashable(message.id): _hashable(message.string)
        for message in _po_catalog()
        if message.id and message.string and not message.fuzzy
    }
    got = {_hashable(m.id): _hashable(m.string) for m in compiled if m.id}
    stale = sorted(str(key) for key in want.keys() ^ got.keys()) + sorted(
        str(key) for key in want.keys() & got.keys() if want[key] != got[key]
    )
    assert not stale, f"{MO.name} is older than {PO.name}; run `make translations`: {stale[:5]}"


# --- templates: no words outside _() -----------------------------------------------------


def _markup(node: nodes.Node, constants: list[str]) -> Iterator[str]:
    """The template's own markup in document order, with PLACEHOLDER where a value is
    printed. Strings printed as they are (`{{ "word" }}`) go to `constants`."""
    if isinstance(node, nodes.TemplateData):
        yield node.data
        return
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                yield child.data
            else:
                constants.extend(_printed_constants(child))
                yield PLACEHOLDER
        return
    for child in node.iter_child_nodes():
        if not isinstance(child, nodes.Expr):
            yield from _markup(child, constants)


def _printed_constants(expr: nodes.Expr) -> Iterator[str]:
    """Literal strings that end up on the page as they are (not inside a call or filter
    argument, where they are names, formats or separators)."""
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, nodes.CondExpr):
        yield from _printed_constants(expr.expr1)
        if expr.expr2 is not None:
            yield from _printed_constants(expr.expr2)
    elif isinstance(expr, nodes.And | nodes.Or | nodes.Concat | nodes.Add):
        for child in expr.iter_child_nodes():
            yield from _printed_constants(child)
    elif isinstance(expr, nodes.Filter) and expr.node is not None:
        yield from _printed_constants(expr.node)


class _Text(HTMLParser):
    """Collects the text and the read-aloud attributes of a template's markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOT_WORDS:
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                name == "value" and values.get("type") in ("submit", "button", "reset")
            )
            if read and value:
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in NOT_WORDS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def _words(text: str) -> str | None:
    bare = " ".join(text.replace(PLACEHOLDER, " ").split())
    if not LETTER.search(bare):
        return None
    attribute = re.fullmatch(r'[\w-]+="(.*)"', bare)
    if attribute and not LETTER.search(attribute.group(1).replace(PLACEHOLDER, "")):
        return None
    return None if bare in ALLOWED_TEXT else bare


def _environment() -> Environment:
    """Only for parsing: nothing is rendered, so autoescape does not matter."""
    return Environment(extensions=["jinja2.ext.i18n"], autoescape=True)


def _untranslated(path: Path) -> list[str]:
    environment = _environment()
    tree = environment.parse(path.read_text(encoding="utf-8"), name=path.name)
    constants: list[str] = []
    parser = _Text()
    parser.feed("".join(_markup(tree, constants)))
    parser.close()
    words = [_words(text) for text in parser.found + constants]
    return [word for word in words if word]


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize(
    "path", TEMPLATE_FILES, ids=[str(p.relative_to(TEMPLATES)) for p in TEMPLATE_FILES]
)
def test_template_has_no_words_outside_gettext(path: Path) -> None:
    found = _untranslated(path)
    assert not found, f"{path.relative_to(ROOT)}: text not marked with _(): {found}"


def test_the_template_check_finds_words() -> None:
    """The check itself: words in markup, in read-aloud attributes and printed as literals
    are found; marked strings, names and symbols are not."""
    sample = TEMPLATES.parent / "tests" / "_sample.html"
    text = (
        '<p class="x">{{ _("Fine") }} — #{{ n }}</p><nav aria-label="Board">'
        '<a href="{{ url_for(\'a\') }}">Home</a></nav>{{ x or "Nobody" }}'
        "{{ value | dateformat('medium') }}<td>{{ n }} · {{ m }}</td>"
    )
    environment = _environment()
    constants: list[str] = []
    parser = _Text()
    parser.feed("".join(_markup(environment.parse(text, name=sample.name), constants)))
    words = [w for w in (_words(t) for t in parser.found + constants) if w]
    assert words == ['aria-label="Board"', "Home", "Nobody"]


# --- Python: no bare English where a person reads it ---------------------------------------

PYTHON_FILES = sorted([*(ROOT / "portal").rglob("*.py"), *(ROOT / "review").rglob("*.py")])
# Exceptions whose message is shown to a person as it is.
SHOWN_EXCEPTIONS = {
    "AccountError",
    "CaseActionError",
    "NotPublishable",
    "PasswordRejected",
    "PersonFacingError",
    "WrongPassword",
}


def _is_bare_text(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def _bare_strings(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            errors_append = (
                name == "append"
                and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "errors"
            )
            if (name in {"flash"} | SHOWN_EXCEPTIONS or errors_append) and _is_bare_text(
                node.args[0]
            ):
                yield node


@pytest.mark.parametrize("path", PYTHON_FILES, ids=[str(p.relative_to(ROOT)) for p in PYTHON_FILES])
def test_python_shows_no_bare_english(path: Path) -> None:
    """flash(), form errors and the exceptions whose text is shown take marked strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"line {node.lineno}: {ast.unparse(node)[:80]}" for node in _bare_strings(tree)]
    assert not found, f"{path.relative_to(ROOT)}: unmarked text shown to people: {found}"
