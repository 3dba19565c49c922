"""The repository never takes in development secrets or databases, wherever they were made."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from portal.config import DEV_SECRETS_FILE

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "path",
    [
        f"instance/{DEV_SECRETS_FILE}",
        f"elsewhere/{DEV_SECRETS_FILE}",
        DEV_SECRETS_FILE,
        "portal.sqlite3",
        "demo/portal.sqlite3",
        "demo/portal.sqlite3-wal",
        "demo/portal.sqlite3-shm",
        "bench/copy.sqlite",
        "scratch/old.db",
    ],
)
def test_git_ignores_development_secrets_and_databases(path: str) -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    done = subprocess.run(  # noqa: S603 (git check-ignore on a fixed path)
        [git, "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
    )
    assert done.returncode == 0, f"{path} is not ignored"
