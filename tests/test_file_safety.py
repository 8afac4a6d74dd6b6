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
def test_export_to_a_device_is_an_error_not_wrote(caseload_file, tmp_path):
    # Through a link of the test's own: were the export to rename over its target, it would
    # replace the link, never the machine's /dev/full.
    device = tmp_path / "full"
    device.symlink_to("/dev/full")
    result = run_cjcase(*EXPORT, "--out", str(device), "--db", str(caseload_file))
    assert_sentence(result, "not an ordinary file")
    assert "Wrote" not in result.stdout
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = run_cjcase(*EXPORT, "--out", str(fifo), "--db", str(caseload_file))
    assert_sentence(result, "not an ordinary file")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_a_planted_partial_link_does_not_redirect_the_export(caseload_file, tmp_path):
    out = tmp_path / "return.csv"
    (tmp_path / ".return.csv.partial").symlink_to(caseload_file)
    before = client_names(caseload_file)
    result = run_cjcase(*EXPORT, "--out", str(out), "--db", str(caseload_file))
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("measure,")
    assert client_names(caseload_file) == before


# 4. An empty or unreadable caseload is refused, never made into a new empty one.


def test_an_empty_caseload_file_is_refused_with_the_newest_backup(caseload_file, tmp_path):
    from cjcase.store.backups import latest_verified

    newest = latest_verified(tmp_path / "backups")
    caseload_file.write_bytes(b"")
    for command in (["check"], ["backup"], ["agenda"]):
        result = run_cjcase(*command, "--db", str(caseload_file))
        assert_sentence(result, "is empty", str(newest.path))
        assert caseload_file.stat().st_size == 0  # never upgraded into a new empty caseload


def test_an_unreadable_caseload_path_is_refused(tmp_path):
    target = tmp_path / "caseload.db"
    target.mkdir()
    result = run_cjcase("agenda", "--db", str(target))
    assert_sentence(result, "cannot be read", "no verified backup")
    assert target.is_dir() and not any(target.iterdir())


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_a_caseload_without_read_permission_is_refused(caseload_file):
    caseload_file.chmod(0)
    result = run_cjcase("agenda", "--db", str(caseload_file))
    assert_sentence(result, "cannot be read")


# 18. A damaged header is damaged, not "encrypted"; neither header nor passphrase: damaged or encrypted.


def test_a_damaged_header_byte_is_reported_as_damage_with_the_backup(caseload_file, tmp_path):
    from cjcase.store.backups import latest_verified

    newest = latest_verified(tmp_path / "backups")
    data = bytearray(caseload_file.read_bytes())
    data[3] ^= 0xFF
    caseload_file.write_bytes(bytes(data))
    result = run_cjcase("check", "--db", str(caseload_file), stdin="")
    assert_sentence(result, "is damaged", str(newest.path))
    assert "encrypted" not in result.stderr and "passphrase" not in result.stderr.lower()


def test_neither_header_nor_passphrase_is_damaged_or_encrypted_with_the_backup(caseload_file, tmp_path):
    from cjcase.store.backups import latest_verified

    newest = latest_verified(tmp_path / "backups")
    data = bytearray(caseload_file.read_bytes())
    data[:100] = os.urandom(100)
    caseload_file.write_bytes(bytes(data))
    result = run_cjcase("check", "--db", str(caseload_file), stdin="")
    assert_sentence(result, "encrypted caseload, or a damaged one", "If it is damaged", str(newest.path))
