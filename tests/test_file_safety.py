"""The caseload file under attack: exports aimed at it, kills at named moments, a full disk,
damaged and unreadable files, a bypassed lock. Nothing saved is lost, and each failure is one
sentence, never a traceback."""

from __future__ import annotations

import os
import sys

import pytest

from tests.helpers import client_names, run_cjcase, write_sample_caseload

EXPORT = ["export", "quarterly_return", "--period", "2026-27 Q2", "--allow-incomplete"]


@pytest.fixture
def caseload_file(tmp_path):
    return write_sample_caseload(tmp_path / "caseload.db")


def assert_sentence(result, *words):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# 1. An export never writes over the caseload, a backup, a device, or through a planted link.


def test_export_over_the_caseload_itself_is_refused(caseload_file):
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(caseload_file), "--db", str(caseload_file))
    assert_sentence(result, "Nothing was written", "is the caseload itself")
    assert client_names(caseload_file) == before


def test_export_over_a_backup_or_any_database_is_refused(caseload_file, tmp_path):
    from cjcase.store.backups import list_backups

    backup = list_backups(tmp_path / "backups")[0].path
    result = run_cjcase(*EXPORT, "--out", str(backup), "--db", str(caseload_file))
    assert_sentence(result, "backups folder")
    other = tmp_path / "elsewhere.csv"
    other.write_bytes(backup.read_bytes())  # a database by any other name
    result = run_cjcase(*EXPORT, "--out", str(other), "--db", str(caseload_file))
    assert_sentence(result, "is a database")
    assert other.read_bytes() == backup.read_bytes()


def test_export_through_a_symlink_to_the_caseload_is_refused(caseload_file, tmp_path):
    link = tmp_path / "return.csv"
    link.symlink_to(caseload_file)
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(link), "--db", str(caseload_file))
    assert_sentence(result, "is the caseload itself")
    assert client_names(caseload_file) == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_export_to_a_device_is_an_error_not_wrote(caseload_file):
    result = run_cjcase(*EXPORT, "--out", "/dev/full", "--db", str(caseload_file))
    assert_sentence(result, "not an ordinary file")
    assert "Wrote" not in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_a_planted_partial_link_does_not_redirect_the_export(caseload_file, tmp_path):
    out = tmp_path / "return.csv"
    (tmp_path / ".return.csv.partial").symlink_to(caseload_file)
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(out), "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("measure,")
    assert client_names(caseload_file) == before
