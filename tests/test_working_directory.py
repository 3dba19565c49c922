"""Nothing lands in the folder a command happens to be run from.

A database or a development secret left in the working directory is a copy nobody knows to
guard or delete: the instance folder must be named, and files go where they are told.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_INI = ROOT / "migrations" / "alembic.ini"


def _environ(**settings: str | None) -> dict[str, str]:
    """This process's environment without any PORTAL_* setting, plus `settings` (None: unset)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environ.update(PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    environ.update({k: v for k, v in settings.items() if v is not None})
    return environ


def _run(command: list[str], cwd: Path, environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (this Python, with fixed arguments)
        [sys.executable, "-m", *command],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


FLASK_DB_UPGRADE = ["flask", "--app", "wsgi", "db-upgrade"]
ALEMBIC_UPGRADE = ["alembic", "-c", str(MIGRATIONS_INI), "upgrade", "head"]


UNNAMED = pytest.mark.parametrize("instance", ["", "   ", None], ids=["empty", "blank", "unset"])


@UNNAMED
def test_an_unnamed_instance_folder_is_refused_with_how_to_fix_it(
    instance: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    environ = {} if instance is None else {"PORTAL_INSTANCE_PATH": instance}
    with pytest.raises(ConfigError, match="PORTAL_INSTANCE_PATH=./instance"):
        Config.from_env(environ)
    assert list(tmp_path.iterdir()) == []


@UNNAMED
def test_db_upgrade_with_an_unnamed_instance_folder_writes_nothing_where_it_runs(
    instance: str | None, tmp_path: Path
) -> None:
    ran = _run(FLASK_DB_UPGRADE, tmp_path, _environ(PORTAL_INSTANCE_PATH=instance))
    assert ran.returncode != 0
    assert "PORTAL_INSTANCE_PATH is not set" in ran.stderr
    assert list(tmp_path.iterdir()) == []


def test_alembic_upgrade_of_a_sqlite_url_writes_only_that_database(tmp_path: Path) -> None:
    database = tmp_path / "portal.sqlite3"
    ran = _run(ALEMBIC_UPGRADE, tmp_path, _environ(PORTAL_DATABASE_URL=f"sqlite:///{database}"))
    assert ran.returncode == 0, ran.stderr
    assert [path.name for path in tmp_path.iterdir()] == [database.name]


def test_alembic_without_a_database_or_instance_folder_writes_nothing(tmp_path: Path) -> None:
    ran = _run(ALEMBIC_UPGRADE, tmp_path, _environ())
    assert ran.returncode != 0
    assert "PORTAL_INSTANCE_PATH is not set" in ran.stderr
    assert list(tmp_path.iterdir()) == []
