"""An organisation's combined file: every keyworker's caseload in one database, for the returns.

Built with SQLite itself: each caseload file (plain or SQLCipher) is ATTACHed in turn to a new
SQLCipher connection and its rows copied with INSERT … SELECT, every id moved past the ids
already there (the tables come from the schema walk in client_records.py, so a record added by a
later migration is combined without being named here). Each file's audit chain is kept as it
was, with its anchor, as one group of carried rows; the combined file's own chain records each
file's length and head, and has its own anchor. Triggers then refuse any edit: a combined file
is read, never edited, and made again when the caseloads change.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import EDIT_COMBINED, CjcaseError, DatabaseError, PassphraseError
from cjcase.services import audit
from cjcase.services import client_records as records
from cjcase.services.client_records import COMBINED_SETTING, is_combined, refuse_if_combined  # noqa: F401
from cjcase.services.erasure import remembered
from cjcase.services.handover import AUDIT_COLUMNS, SOURCE_COLUMNS, digest
from cjcase.services.keys import pseudo_id
from cjcase.store import killpoints
from cjcase.store.files import (
    DATABASE_ERRORS,
    acquire_writer_lock,
    is_encrypted,
    open_connection,
    quote,
    release_writer_lock,
)
from cjcase.store.migrations import latest_version

# Settings that belong to one file, not to the organisation: never copied into a combined file.
FILE_SETTINGS = ("audit_anchor", "copies_outside_backups", "demo_database")


@dataclass(frozen=True)
class Combined:
    """What `combine` wrote: the file, and how many clients and handover records it holds."""

    path: Path
    files: int
    clients: int
    handed_over: int
    in_transit: list[str]  # handed over, and live in none of the files: a handover not yet received


def _inspect(path: Path, passphrase: str | None) -> dict:
    """What combine needs to know of one caseload file, read without changing it."""
    if not path.is_file():
        raise CjcaseError(f"There is no caseload at {path}: check the name. Nothing was written.")
    encrypted = is_encrypted(path)
    if encrypted and not passphrase:
        raise PassphraseError(f"{path} is encrypted: give its passphrase (CJCASE_PASSPHRASE for scripts).")
    try:
        conn = open_connection(path, passphrase if encrypted else None, read_only=True)
    except PassphraseError:
        raise PassphraseError(f"That passphrase does not open {path}. Nothing was written; try again.") from None
    db = sqlite_utils.Database(conn)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = set(db.table_names())
    except DATABASE_ERRORS as error:
        conn.close()
        raise CjcaseError(f"{path} is not a cjcase caseload or is damaged ({error}). Nothing was written.") from None
    try:
        if "clients" not in tables or "settings" not in tables:
            raise CjcaseError(f"{path} is not a cjcase caseload. Nothing was written.")
        if version != latest_version():
            if version > latest_version():
                raise CjcaseError(f"{path} was written by a newer cjcase: install it here, then combine again.")
            raise CjcaseError(
                f"{path} was written by an older cjcase: open it once with this one (`cjcase check --db {path}` "
                "does not change it; `cjcase --db PATH` upgrades it), then combine again. Nothing was written."
            )
        if is_combined(db):
            raise CjcaseError(
                f"{path} is itself a combined file: combine the keyworkers' own caseloads instead. Nothing was written."
            )
        key_row = conn.execute("SELECT value FROM settings WHERE key = ?", [audit.KEY_SETTING]).fetchone()
        if key_row is None:
            raise CjcaseError(f"{path} has no organisation key yet: open it once with cjcase, then combine again.")
        key = bytes.fromhex(key_row[0])
        refs = {row[0]: row[1] for row in conn.execute("SELECT client_ref, id FROM clients")}
        pending = remembered(path) - {r[0] for r in conn.execute("SELECT pseudonym FROM erasures")}
        if pending and any(pseudo_id(key, ref) in pending for ref in refs):
            raise CjcaseError(
                f"{path} has an erasure not yet finished (it was interrupted): open it once with cjcase to finish "
                "it, then combine again. Nothing was written."
            )
        broken = audit.verify(db)
        if broken:
            raise CjcaseError(
                f"The audit log of {path} is broken ({broken[0]}): run `cjcase check` on it and mend it before "
                "combining. Nothing was written."
            )
        anchor = audit.stored_anchor(db)
        chain = [
            dict(zip(("id", "hash"), r, strict=True)) for r in conn.execute("SELECT id, hash FROM audit ORDER BY id")
        ]
    finally:
        conn.close()
    return {
        "path": path,
        "passphrase": passphrase if encrypted else None,
        "key": key,
        "refs": refs,
        "anchor": anchor,
        "chain": chain,
    }


def combine(out: Path, inputs: list[tuple[Path, str | None]], out_passphrase: str | None = None) -> Combined:
    """Write the organisation's combined file from several caseload files; nothing is written when
    any is refused (different keys, a client live in two files, a file that cannot be read)."""
    out = Path(out)
    if not inputs:
        raise CjcaseError("Name the caseload files to combine after the file to write.")
    paths = [Path(p) for p, _ in inputs]
    if len({p.resolve() for p in paths}) != len(paths):
        raise CjcaseError("A caseload file is named twice: name each once. Nothing was written.")
    if out.exists() and any(out.resolve() == p.resolve() for p in paths):
        raise CjcaseError(f"{out} is one of the caseloads to combine: write the combined file elsewhere.")
    if out.is_dir():
        raise CjcaseError(f"{out} is a folder: give the file to write, e.g. {out / 'organisation.db'}.")
    if not out.parent.is_dir():
        raise CjcaseError(f"The folder {out.parent} does not exist: create it first. Nothing was written.")
    files = [_inspect(Path(p), phrase) for p, phrase in inputs]
    keys = {f["key"] for f in files}
    if len(keys) > 1:
        groups: dict[bytes, list[str]] = {}
        for f in files:
            groups.setdefault(f["key"], []).append(str(f["path"]))
        listed = "; ".join(", ".join(names) for names in groups.values())
        raise CjcaseError(
            f"These caseloads were made with different organisation keys ({listed}), so their pseudonyms "
            "differ and they cannot be combined. Give every laptop the organisation's key (`cjcase key export` "
            "on one, `cjcase key import` on the others), then combine again. Nothing was written."
        )
    where: dict[str, list[str]] = {}
    for f in files:
        for ref in f["refs"]:
            where.setdefault(ref, []).append(str(f["path"]))
    twice = {ref: names for ref, names in where.items() if len(names) > 1}
    if twice:
        listed = "; ".join(f"{ref} in {' and '.join(names)}" for ref, names in sorted(twice.items()))
        raise CjcaseError(
            f"{len(twice)} client reference{'s are' if len(twice) != 1 else ' is'} live in more than one "
            f"caseload: {listed}. One person would be counted twice. Keep the client on the laptop of the "
            "keyworker who holds them (hand the record over with `cjcase handover`, or erase the stale copy), "
            "then combine again. Nothing was written."
        )
    if out.exists() and not _is_old_combined(out, out_passphrase):
        raise CjcaseError(
            f"{out} already exists and is not a combined file this passphrase opens: choose another name. "
            "Nothing was written."
        )
    lock = acquire_writer_lock(out)
    staging = out.with_name(f".{out.name}.partial")
    try:
        staging.unlink(missing_ok=True)
        try:
            counts = _build(staging, files, out_passphrase)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
        killpoints.reached("combine-built")
        for leftover in (Path(f"{out}-wal"), Path(f"{out}-shm")):
            leftover.unlink(missing_ok=True)  # an older combined file's: never applied to the new one
        os.replace(staging, out)
    finally:
        release_writer_lock(lock)
    return Combined(out, len(files), *counts)


def _is_old_combined(path: Path, passphrase: str | None) -> bool:
    try:
        conn = open_connection(path, passphrase if is_encrypted(path) else None, read_only=True)
    except (DatabaseError, *DATABASE_ERRORS):
        return False
    try:
        return is_combined(conn)
    finally:
        conn.close()


def _build(staging: Path, files: list[dict], passphrase: str | None) -> tuple[int, int, list[str]]:
    import sqlcipher3

    conn = sqlcipher3.connect(str(staging))
    conn.isolation_level = None
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if passphrase:
            conn.execute(f"PRAGMA key = {quote(passphrase)}")
        first = files[0]
        conn.execute(f"ATTACH DATABASE {quote(str(first['path']))} AS src KEY {quote(first['passphrase'] or '')}")
        statements = records.schema_sql(conn, "src")
        conn.execute("DETACH DATABASE src")
        records.make_schema(conn, statements, latest_version())
        db = sqlite_utils.Database(conn)
        tables = records.client_tables(db)
        key = files[0]["key"]
        for index, f in enumerate(files):
            _add(conn, tables, f, settings=index == 0)
        conn.execute("BEGIN")
        # A handover record of a client erased since (on the laptop that held them) goes too.
        erased = {row[0] for row in conn.execute("SELECT pseudonym FROM erasures")}
        for row_id, ref in conn.execute("SELECT id, client_ref FROM handovers").fetchall():
            if pseudo_id(key, ref) in erased:
                conn.execute("DELETE FROM handovers WHERE id = ?", [row_id])
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            [
                COMBINED_SETTING,
                json.dumps(
                    {"files": [_label(f["path"]) for f in files], "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}
                ),
            ],
        )
        conn.execute("COMMIT")
        audit.anchor(db)
        with db.atomic():
            for f in files:
                head = f["chain"][-1]["hash"] if f["chain"] else audit.GENESIS
                audit.write_audit(
                    db,
                    "import",
                    "combine",
                    None,
                    None,
                    f"file {pseudo_id(key, f['path'].name)}; audit rows {len(f['chain'])}; head {head}; "
                    f"clients {len(f['refs'])}",
                )
        conn.executescript("BEGIN;\n" + _refusing_triggers(db, tables) + "\nCOMMIT;")
        clients = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
        handed = conn.execute(
            "SELECT count(DISTINCT client_ref) FROM handovers WHERE client_ref IN (SELECT client_ref FROM clients)"
        ).fetchone()[0]
        in_transit = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT client_ref FROM handovers WHERE client_ref NOT IN (SELECT client_ref FROM clients) "
                "ORDER BY client_ref"
            )
        ]
        problem = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if problem != ["ok"]:
            raise CjcaseError(
                f"The combined file could not be verified ({'; '.join(problem[:2])}); nothing was written."
            )
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    with open(staging, "rb+") as handle:
        os.fsync(handle.fileno())
    return clients, handed, in_transit


def _add(conn, tables: list[records.ClientTable], f: dict, settings: bool) -> None:
    """Copy one caseload file's rows into the combined file, ids moved past those already there
    (and, from the first file, the organisation's settings)."""
    conn.execute(f"ATTACH DATABASE {quote(str(f['path']))} AS src KEY {quote(f['passphrase'] or '')}")
    try:
        conn.execute("BEGIN")
        if settings:
            conn.execute(
                "INSERT INTO main.settings (key, value) SELECT key, value FROM src.settings WHERE key NOT IN "
                f"({', '.join(quote(k) for k in FILE_SETTINGS)})"
            )
        shift = records.offsets(conn, tables)
        for table in tables:
            columns = ", ".join(records.quote_name(c) for c in table.columns)
            conn.execute(
                f"INSERT INTO main.{records.quote_name(table.name)} ({columns}) "
                f"{records.shifted_select(table, shift, 'src')} ORDER BY rowid"
            )
        conn.execute(
            "INSERT INTO main.handovers (client_ref, handed_over_at, to_whom, handover_uid, returned_at) "
            "SELECT client_ref, handed_over_at, to_whom, handover_uid, returned_at FROM src.handovers ORDER BY id"
        )
        conn.execute(
            "INSERT OR IGNORE INTO main.erasures (erased_at, pseudonym, reason) "
            "SELECT erased_at, pseudonym, reason FROM src.erasures ORDER BY id"
        )
        source_shift = conn.execute("SELECT coalesce(max(id), 0) FROM main.audit_sources").fetchone()[0]
        columns = ", ".join(SOURCE_COLUMNS)
        conn.execute(
            f"INSERT INTO main.audit_sources (id, {columns}, client_id) SELECT id + {int(source_shift)}, {columns}, "
            f"client_id + {int(shift.get('clients', 0))} FROM src.audit_sources ORDER BY id"
        )
        audit_columns = ", ".join(AUDIT_COLUMNS)
        conn.execute(
            f"INSERT INTO main.audit_carried (source_id, {audit_columns}) "
            f"SELECT source_id + {int(source_shift)}, {audit_columns} FROM src.audit_carried ORDER BY source_id, id"
        )
        source_id = conn.execute(
            f"INSERT INTO main.audit_sources ({columns}) VALUES ({', '.join('?' for _ in SOURCE_COLUMNS)})",
            [
                "combine",
                _label(f["path"]),
                None,
                f["anchor"],
                len(f["chain"]),
                digest(f["chain"]),
                datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            ],
        ).lastrowid
        conn.execute(
            f"INSERT INTO main.audit_carried (source_id, {audit_columns}) "
            f"SELECT {int(source_id)}, {audit_columns} FROM src.audit ORDER BY id"
        )
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE src")


def _label(path: Path) -> str:
    """How a combined caseload is named in the carried audit rows: its folder and file name."""
    return f"{path.resolve().parent.name}/{path.name}"


def _refusing_triggers(db, tables: list[records.ClientTable]) -> str:
    """Triggers refusing every change to the records of a combined file (its own audit log and the
    anchor it moves on stay writable, so an export from it is logged as anywhere)."""
    message = EDIT_COMBINED.replace("'", "''")
    sql = []
    names = [t.name for t in tables] + ["handovers", "erasures", "audit_sources", "audit_carried"]
    for name in names:
        for event in ("INSERT", "UPDATE", "DELETE"):
            sql.append(
                f"CREATE TRIGGER combined_no_{event.lower()}_{name} BEFORE {event} ON {records.quote_name(name)} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            )
    for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
        sql.append(
            f"CREATE TRIGGER combined_no_{event.lower()}_settings BEFORE {event} ON settings "
            f"WHEN {row}.key != 'audit_anchor' BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )
    return "\n".join(sql)


def split_by_keyworker(db: sqlite_utils.Database, out_dir: Path, parts: int) -> list[Path]:
    """Write `parts` caseload files, each a copy of this one keeping the clients of some of its
    keyworkers (the keyworkers in name order, dealt out in turn; clients with none go to the
    first): the laptops of one organisation, one key. Each is `laptop-N/caseload.db`, in a folder
    of its own as on a laptop (its backups beside it). Each copy keeps the whole audit chain,
    and records what it removed."""
    from cjcase.store.database import connect

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [row[0] for row in db.execute("SELECT DISTINCT coalesce(keyworker, '') FROM clients ORDER BY 1")]
    group = {name: (index % parts if name else 0) for index, name in enumerate(n for n in names if n)}
    group[""] = 0
    written = []
    for part in range(parts):
        target = out_dir / f"laptop-{part + 1}" / "caseload.db"
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            raise CjcaseError(f"{target} already exists: choose an empty folder for the caseloads.")
        copy = sqlite3.connect(target)
        try:
            db.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        part_db = connect(target)
        try:
            others = [
                cid
                for cid, kw in part_db.execute("SELECT id, coalesce(keyworker, '') FROM clients").fetchall()
                if group.get(kw, 0) != part
            ]
            with part_db.atomic():
                records.delete_clients(part_db, others)
                audit.write_audit(
                    part_db, "delete", "split", None, None, f"part {part + 1} of {parts}; clients removed {len(others)}"
                )
            part_db.execute("VACUUM")
        finally:
            part_db.close()
        written.append(target)
    return written
