"""Erasure and retention: removing every personal value of a client, and remembering it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import DiskFull, NotFoundError
from cjcase.services.audit import write_audit
from cjcase.services.client_records import delete_clients, is_combined, refuse_if_combined
from cjcase.store import killpoints
from cjcase.store.files import is_disk_full

REASONS = ("request", "retention")


@dataclass(frozen=True)
class RetentionCandidate:
    """A client whose last episode closed long enough ago to be erased."""

    client_id: int
    client_ref: str
    last_discharge: date


def ledger_path(path: Path) -> Path:
    """The file beside the database that remembers erasures by pseudonym, across restores."""
    return Path(path).with_name(Path(path).name + ".erasures")


def _pseudonym(db: sqlite_utils.Database, client_ref: str) -> str:
    from cjcase.services.keys import get_key, pseudo_id

    return pseudo_id(get_key(db), client_ref)


def _handed_over(db: sqlite_utils.Database, client_ref: str) -> bool:
    return bool(db.execute("SELECT 1 FROM handovers WHERE client_ref = ?", [client_ref.strip()]).fetchone())


def name_of(db: sqlite_utils.Database, client_ref: str) -> str:
    """The name of the client to erase, for the question before it (refused for an unknown reference)."""
    row = db.execute("SELECT first_name, last_name FROM clients WHERE client_ref = ?", [client_ref.strip()]).fetchone()
    if row is None and _handed_over(db, client_ref):
        return "the handed-over client"  # on a colleague's laptop: only the handover record is here
    if row is None:
        raise NotFoundError(f"No client has the reference {client_ref}.")
    return f"{row[0]} {row[1]}"


def erase(db: sqlite_utils.Database, client_ref: str, path: Path | None, reason: str = "request") -> None:
    """Remove a client and everything recorded about them, leaving a tombstone without
    personal data; then purge the search index, the WAL and freed pages of the values.

    The ledger beside the file remembers the erasure before it commits, so a kill at any moment
    leaves it either done or finished by the next open (`reapply`), and never undone by a restore.
    """
    refuse_if_combined(db, "Erasing from this file")  # erased on the laptop that holds the client
    rows = list(db.query("SELECT id FROM clients WHERE client_ref = ?", [client_ref.strip()]))
    if not rows and not _handed_over(db, client_ref):
        raise NotFoundError(f"No client has the reference {client_ref}: check it with the caseload search.")
    client_id = rows[0]["id"] if rows else None
    pseudonym = _pseudonym(db, client_ref.strip())
    if path is not None:
        try:
            _remember(ledger_path(path), pseudonym, reason)
        except OSError as error:
            if not is_disk_full(error):
                raise
            raise DiskFull(
                f"The disk holding {path} is full, so {client_ref} was not erased: nothing was changed. "
                "Free some space, then erase again."
            ) from None
    killpoints.reached("erase-remembered")
    with db.atomic():
        if client_id is not None:
            delete_clients(db, [client_id])  # every table of the record, children first
        # A client handed over from here leaves a handover record with the reference: it goes too.
        handed = db.execute("DELETE FROM handovers WHERE client_ref = ?", [client_ref.strip()]).rowcount
        db.execute("INSERT OR IGNORE INTO erasures (pseudonym, reason) VALUES (?, ?)", [pseudonym, reason])
        entity = "client" if client_id is not None else "handover"
        write_audit(
            db,
            "erase",
            entity,
            client_id,
            client_id,
            f"reason {reason}" + (f"; handover records {handed}" if handed else ""),
        )
    killpoints.reached("erase-committed")
    purge_old_values(db)


def purge_old_values(db: sqlite_utils.Database) -> None:
    """Leave no old value of a client in the file: after an erase or a change of name.

    secure_delete zeroes what the table frees, but the search index keeps deleted words in old
    segments until they are merged, and the WAL keeps old pages until a checkpoint."""
    with db.atomic():
        db.execute("INSERT INTO clients_fts (clients_fts) VALUES ('optimize')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _remember(ledger: Path, pseudonym: str, reason: str) -> None:
    if pseudonym in remembered_in(ledger):
        return
    with open(ledger, "a", encoding="ascii") as handle:
        handle.write(f"{pseudonym} {reason}\n")
        handle.flush()
        os.fsync(handle.fileno())


def remembered_in(ledger: Path) -> dict[str, str]:
    """The ledger's erasures: pseudonym -> reason (a line of an older ledger has no reason)."""
    try:
        lines = ledger.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return {}
    found = {}
    for line in lines:
        parts = line.split()
        if parts:
            found[parts[0]] = parts[1] if len(parts) > 1 and parts[1] in REASONS else "request"
    return found


def remembered(path: Path) -> set[str]:
    """The pseudonyms of every client erased from this database."""
    return set(remembered_in(ledger_path(path)))


def reapply(db: sqlite_utils.Database, path: Path) -> list[int]:
    """Erase again every client this file still holds that the ledger says was erased (a restored
    older copy, or an erase killed before it committed); returns their ids.

    Cheap when the file already knows every erasure in the ledger, as on almost every open.
    """
    from cjcase.services.keys import get_key, pseudo_id

    if is_combined(db):
        return []  # made again from the caseloads, which carry their erasures
    ledger = remembered_in(ledger_path(path))
    known = {row["pseudonym"] for row in db.query("SELECT pseudonym FROM erasures")}
    lacking = {p: r for p, r in ledger.items() if p not in known}
    if not lacking:
        return []
    key = get_key(db)
    again = [
        (row["id"], row["client_ref"])
        for row in db.query("SELECT id, client_ref FROM clients")
        if pseudo_id(key, row["client_ref"]) in lacking
    ]
    for _, client_ref in again:
        erase(db, client_ref, path, lacking[pseudo_id(key, client_ref)])
    with db.atomic():  # remembered in the file too, so the next open need not look again
        for pseudonym, reason in lacking.items():
            db.execute("INSERT OR IGNORE INTO erasures (pseudonym, reason) VALUES (?, ?)", [pseudonym, reason])
    return [client_id for client_id, _ in again]


def retention_candidates(db: sqlite_utils.Database, years: int, today: date) -> list[RetentionCandidate]:
    """Clients with no open episode whose last episode closed more than `years` years ago."""
    cutoff = (
        today.replace(year=today.year - years)
        if not (today.month == 2 and today.day == 29)
        else date(today.year - years, 2, 28)
    )
    rows = db.query(
        """SELECT c.id, c.client_ref, max(e.discharge_date) AS last_discharge
           FROM clients c JOIN episodes e ON e.client_id = c.id
           GROUP BY c.id
           HAVING sum(e.discharge_date IS NULL) = 0 AND max(e.discharge_date) < ?
           ORDER BY last_discharge""",
        [cutoff.isoformat()],
    )
    return [RetentionCandidate(r["id"], r["client_ref"], date.fromisoformat(r["last_discharge"])) for r in rows]
