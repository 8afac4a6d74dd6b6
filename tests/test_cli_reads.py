"""Commands that read a caseload: never from a file they made themselves, alongside an open
editing session, and the agenda's printouts (issue 16, items 13 to 15)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cjcase.services.caseload_file import open_caseload
from tests.helpers import SAMPLE

PERIOD = ("--period", "2026-27 Q2")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CJCASE_TODAY": "2026-11-20", **(env or {})}
    environment.pop("CJCASE_DB", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cjcase", *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def fresh_machine(tmp_path) -> tuple[dict, object]:
    """A user with no caseload yet: the environment, and where the default caseload would be."""
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    return env, home / "data" / "cjcase" / "caseload.db"


@pytest.mark.parametrize(
    "command",
    [
        ("export", "quarterly_return", *PERIOD),
        ("export", "--history"),
        ("check",),
        ("agenda",),
        ("backup",),
        ("retention",),
        ("settings",),
        ("erase", "CJ-1", "--yes"),
        ("key", "export", "key.txt"),
    ],
)
def test_a_command_that_reads_a_caseload_refuses_when_there_is_none_and_makes_none(fresh_machine, command):
    env, default = fresh_machine
    result = run(*command, env=env)
    assert result.returncode == 1, result.stdout
    assert f"There is no caseload at {default}" in result.stderr
    assert "--db" in result.stderr and "CJCASE_DB" in result.stderr
    assert "Traceback" not in result.stderr
    assert not default.exists()


@pytest.mark.parametrize(
    "command", [("export", "quarterly_return", *PERIOD, "--allow-incomplete"), ("check",), ("agenda",)]
)
def test_an_empty_default_caseload_made_by_an_earlier_run_is_refused_naming_its_path(fresh_machine, command):
    env, default = fresh_machine
    open_caseload(default).close()  # what `cjcase export` without --db left behind before
    result = run(*command, env=env)
    assert result.returncode == 1, result.stdout
    assert f"The caseload at {default} holds no clients" in result.stderr
    assert "--db" in result.stderr and "CJCASE_DB" in result.stderr
    assert "No problems" not in result.stdout and "passed" not in result.stdout


def test_an_export_of_an_empty_caseload_never_passes_silently(tmp_path):
    empty = tmp_path / "empty.db"
    open_caseload(empty).close()
    out = tmp_path / "q.csv"
    result = run("--db", str(empty), "export", "quarterly_return", *PERIOD, "--out", str(out), "--allow-incomplete")
    assert result.returncode == 1
    assert f"The caseload at {empty} holds no clients" in result.stderr
    assert "--db named that file" in result.stderr
    assert not out.exists()
    by_env = run("export", "quarterly_return", *PERIOD, "--out", str(out), env={"CJCASE_DB": str(empty)})
    assert by_env.returncode == 1 and "CJCASE_DB named that file" in by_env.stderr
    assert not out.exists()


def test_a_missing_db_named_by_option_is_not_made(tmp_path):
    typo = tmp_path / "caseloda.db"
    result = run("--db", str(typo), "agenda")
    assert result.returncode == 1
    assert f"There is no caseload at {typo}" in result.stderr
    assert not typo.exists()


def test_commands_that_fill_a_caseload_still_start_one_and_export_list_needs_none(fresh_machine, tmp_path):
    env, default = fresh_machine
    listed = run("export", "--list", env=env)
    assert listed.returncode == 0 and "quarterly_return" in listed.stdout
    assert not default.exists()
    imported = run("import", str(SAMPLE), env=env)
    assert imported.returncode == 0, imported.stderr
    assert default.exists()
    assert run("check", env=env).returncode == 0
