"""Encryption at rest: converting a caseload (and every backup of it) to SQLCipher."""

from __future__ import annotations

import os
from pathlib import Path

from cjcase.domain.errors import DatabaseError
from cjcase.store.backups import _encrypt_file, list_backups, verify_file
from cjcase.store.files import acquire_writer_lock, backup_dir, is_encrypted, release_writer_lock

MIN_PASSPHRASE = 10


def check_passphrase(passphrase: str) -> None:
    """A passphrase long enough to protect health and offending data on a laptop."""
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise DatabaseError(f"Use a passphrase of at least {MIN_PASSPHRASE} characters, e.g. three unrelated words.")


def shred(path: Path) -> None:
    """Overwrite a file with zeros, flush it to disk, then remove it."""
    if not path.exists():
        return
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        remaining = size
        while remaining > 0:
            chunk = min(remaining, 1 << 20)
            handle.write(b"\0" * chunk)
            remaining -= chunk
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def encrypt(path: Path, passphrase: str) -> list[Path]:
    """Convert a database to SQLCipher in place, and encrypt its backups and set-aside copies.

    The caller has opened it once first (migrated, sealed, backed up). The plain file and its WAL
    are overwritten before removal. Returns the backups encrypted.
    """
    check_passphrase(passphrase)
    path = Path(path)
    if not path.exists():
        raise DatabaseError(f"There is no database at {path} to encrypt.")
    if is_encrypted(path):
        raise DatabaseError(f"{path} is already encrypted.")
    lock = acquire_writer_lock(path)
    try:
        staging = path.with_name(f".{path.name}.encrypting")
        _encrypt_file(path, staging, passphrase)
        problem = verify_file(staging, passphrase)
        if problem:
            shred(staging)
            raise DatabaseError(f"The encrypted copy could not be verified ({problem}); nothing was changed.")
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            shred(leftover)
        shred(path)
        staging.replace(path)
        encrypted = []
        copies = [b.path for b in list_backups(backup_dir(path))] + sorted(
            path.parent.glob(f"{path.name}.before-restore-*")
        )
        for copy in copies:
            if copy.name.endswith(("-wal", "-shm")) or is_encrypted(copy):
                continue
            staged = copy.with_name(f".{copy.name}.encrypting")
            _encrypt_file(copy, staged, passphrase)
            for leftover in (Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                shred(leftover)
            shred(copy)
            staged.replace(copy)
            encrypted.append(copy)
    finally:
        release_writer_lock(lock)
    return encrypted
