"""Shared fixtures: a real SQLite file in tmp_path and a fixed clock."""

from __future__ import annotations

import shutil
from datetime import time
from pathlib import Path

import pytest

from cjcase.domain.clock import Clock
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from tests.helpers import SAMPLE, SAMPLE_TODAY  # noqa: F401  (fixtures below use them)


@pytest.fixture(autouse=True)
def laptop_config(tmp_path, monkeypatch) -> Path:
    """This laptop's config folder (what it remembers apart from any caseload), in tmp_path: no
    test reads or writes the real user's."""
    folder = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder / "cjcase"


@pytest.fixture
def clock() -> Clock:
    return Clock(SAMPLE_TODAY, time(12, 0))


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "caseload.db"


@pytest.fixture
def db(db_path):
    database = open_caseload(db_path)
    yield database
    database.close()


@pytest.fixture
def caseload(db, clock) -> Caseload:
    return Caseload(db, clock)


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the sample caseload, for tests that break it."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def sample_db(db):
    """The database with the shared sample caseload imported."""
    from cjcase.services.importing.importer import import_path

    import_path(db, SAMPLE, SAMPLE_TODAY)
    return db
