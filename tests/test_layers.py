"""The code's layers run one way: pages and commands -> casework, figures, board -> security ->
the base (config, db, clock...). A module importing from a layer above its own fails here, as
does a module over 400 lines, so the layout in README stays true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each part and the parts it may import from (besides itself). The app factory,
# portal/__init__.py, wires everything and is left out.
BASE = "base"
MAY_IMPORT = {
    BASE: {"models"},
    "models": {BASE},
    "security": {BASE, "models"},
    "board": {BASE, "models", "security"},
    "casework": {BASE, "models", "security", "board"},
    "figures": {BASE, "models", "security", "board", "casework"},
    "participant": {BASE, "models", "security", "board", "casework", "figures"},
    "cli": {BASE, "models", "security", "board", "casework", "figures"},
    "review": {BASE, "models", "security", "board", "casework", "figures"},
}


def part_of(module: str) -> str | None:
    """`portal.casework.cases` -> casework; `portal.config` -> base; `review.x` -> review."""
    pieces = module.split(".")
    if pieces[0] == "review":
        return "review"
    if pieces[0] != "portal" or len(pieces) == 1:
        return None
    return pieces[1] if pieces[1] in MAY_IMPORT else BASE


def modules() -> list[Path]:
    found = [*ROOT.glob("portal/**/*.py"), *ROOT.glob("review/*.py")]
    return sorted(p for p in found if p != ROOT / "portal" / "__init__.py")


def imported(path: Path) -> set[str]:
    """Every portal/review module this file imports, at any depth of the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.split(".")[0] in ("portal", "review")}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_runs_back_up_a_layer(path: Path) -> None:
    own = part_of(module_name(path))
    wrong = set()
    for name in imported(path):
        # `from portal import x` names the module portal.x; `portal` alone is the factory.
        part = part_of(name) if name != "portal" else None
        if part is None or part == own:
            continue
        if name.count(".") >= 1 and part == BASE and name.split(".")[1] in MAY_IMPORT:
            continue
        if part not in MAY_IMPORT[own]:
            wrong.add(name)
    assert not wrong, f"{module_name(path)} ({own}) imports from a layer above: {sorted(wrong)}"


def test_portal_reaches_into_review_only_from_the_app_factory() -> None:
    reaching = [
        module_name(p)
        for p in modules()
        if p.parts[-2] != "review"
        and any(n.split(".")[0] == "review" for n in imported(p))
        and module_name(p).startswith("portal")
    ]
    assert reaching == []


def test_the_top_of_portal_stays_small() -> None:
    top = sorted(p.name for p in (ROOT / "portal").glob("*.py"))
    assert len(top) <= 15, top


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 400
