"""Where the caseload file is, and whether that place is safe for an SQLite file. No imports
beyond the standard library, so the CLI can ask before anything heavy is loaded."""

from __future__ import annotations

import os
from pathlib import Path

SYNCED_FOLDER_MARKERS = (
    "onedrive",
    "dropbox",
    "google drive",
    "googledrive",
    "my drive",
    "icloud",
    "mobile documents",
    "box sync",
    "nextcloud",
    "owncloud",
)


def default_db_path() -> Path:
    """The caseload file in the platform's user-data folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cjcase", appauthor=False)) / "caseload.db"


def chosen_db_path(option: str | os.PathLike | None) -> Path | None:
    """The database file someone chose: `--db`, else CJCASE_DB; None when neither is given.
    The one place CJCASE_DB is read."""
    chosen = option or os.environ.get("CJCASE_DB")
    return Path(chosen).expanduser() if chosen else None


def resolve_db_path(option: str | os.PathLike | None) -> Path:
    """The database file to use: `--db`, else CJCASE_DB, else the default."""
    return chosen_db_path(option) or default_db_path()


def db_path_origin(option: str | os.PathLike | None) -> str:
    """What named the database file `resolve_db_path` gives: "--db", "CJCASE_DB" or "default"."""
    if option:
        return "--db"
    return "CJCASE_DB" if chosen_db_path(None) else "default"


def synced_folder_warning(path: Path) -> str | None:
    """A warning when the database sits in a cloud-synced or network folder."""
    text = str(Path(path).expanduser().absolute())
    lowered = text.lower()
    reason = None
    if text.startswith(("\\\\", "//")):
        reason = "a network (UNC) path"
    elif any(marker in lowered for marker in SYNCED_FOLDER_MARKERS):
        reason = "a cloud-synced folder"
    else:
        filesystem = _filesystem_of(Path(text))
        if filesystem and filesystem.startswith(("nfs", "cifs", "smb", "fuse.sshfs", "9p")):
            reason = f"a network drive ({filesystem})"
    if reason is None:
        return None
    return (
        f"Warning: the caseload {path} is in {reason}. Syncing or sharing an open SQLite file "
        "can corrupt it: keep the caseload on this computer's own disk and let cjcase's backups "
        "go to the synced folder instead."
    )


def _filesystem_of(path: Path) -> str | None:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    best, kind = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return kind


SQLITE_HEADER = b"SQLite format 3\x00"


def file_kind(path: Path) -> str:
    """What is at a caseload's path, from its first bytes, before SQLite is asked to open it:

    "missing"; "empty" (0 bytes); "unreadable" (a folder, or a file that cannot be read);
    "plain" (the SQLite header); "damaged" (the rest of an SQLite header, its first bytes
    overwritten); or "encrypted" (neither: SQLCipher, or a file damaged past recognising).
    """
    path = Path(path)
    try:
        if not path.exists() and not path.is_symlink():
            return "missing"
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError:
        return "unreadable"
    if not head:
        return "empty"
    if head[:16] == SQLITE_HEADER:
        return "plain"
    # Bytes 21-23 of every SQLite header are 64, 32, 32; SQLCipher encrypts them with the rest.
    if len(head) == 100 and head[21:24] == bytes([64, 32, 32]):
        return "damaged"
    return "encrypted"


def is_encrypted(path: Path) -> bool:
    """True for an existing database file that is not plain SQLite (SQLCipher encrypts the header),
    and not a plain one whose header was damaged."""
    return file_kind(path) == "encrypted"
