"""Handing a client over to a colleague's caseload, and receiving one: a SQLCipher file.

The handover file is a database of the caseload's own schema holding one client's whole record
(every table the schema walk in client_records.py finds) and the audit rows about them, carried
as they were written. It is encrypted with a passphrase derived from the organisation key (the
key `cjcase key export`/`key import` carries), so any laptop of the organisation opens it and no
other can. The sender removes the client only once the file is written, read back and matched
row by row against the caseload; what stays is a handover record and the audit row. Receiving is
one transaction: all or nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from cjcase.domain.errors import CjcaseError, DatabaseError, NotFoundError, PassphraseError
from cjcase.services import client_records as records
from cjcase.services.audit import row_hash, stored_anchor, write_audit
from cjcase.services.erasure import purge_old_values
from cjcase.services.keys import get_key, pseudo_id
from cjcase.store import killpoints
from cjcase.store.files import DATABASE_ERRORS, is_encrypted, open_encrypted
from cjcase.store.migrations import latest_version

AUDIT_COLUMNS = ("id", "at", "action", "entity", "record_id", "client_id", "detail", "prev_hash", "hash")
SOURCE_COLUMNS = ("kind", "label", "handover_uid", "anchor", "row_count", "digest", "carried_at")
FILE_SETTING = "handover_file"


def handover_passphrase(key: bytes) -> str:
    """The passphrase of the organisation's handover files, derived from its key (never the key itself)."""
    return hmac.new(key, b"cjcase handover file", hashlib.sha256).hexdigest()


def digest(rows: list[dict[str, Any]]) -> str:
    """A hash over carried audit rows (their ids and seals, in order): what the receiving chain records."""
    text = "".join(f"{row['id']}|{row['hash']}\n" for row in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "(unknown)"


@dataclass(frozen=True)
class HandedOver:
    """What `hand_over` did: the file written and the rows it holds."""

    path: Path
    client_ref: str
    rows: int
    audit_rows: int


@dataclass(frozen=True)
class Received:
    """What `receive` did: the client added, from whom, and whether it came back to this caseload."""

    client_ref: str
    client_id: int
    sender: str
    handed_over_at: str
    taken_back: bool
    rows: int
    audit_rows: int


def _fingerprint(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(repr([sorted(r.items()) for r in rows]).encode("utf-8")).hexdigest()


def _carried_for(db, client_id: int) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The audit rows received with this client before (each group with its source)."""
    found = []
    for source in db.query("SELECT * FROM audit_sources WHERE client_id = ? ORDER BY id", [client_id]):
        rows = list(
            db.query(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_carried WHERE source_id = ? ORDER BY id", [source["id"]]
            )
        )
        found.append((source, rows))
    return found


def _refuse_target(db, out: Path, client_ref: str, passphrase: str) -> None:
    caseload = Path(getattr(db, "path", None) or "")
    if out.is_dir():
        raise CjcaseError(f"{out} is a folder: give the file to write, e.g. {out / (client_ref + '.handover')}.")
    if not out.parent.is_dir():
        raise CjcaseError(f"The folder {out.parent} does not exist: create it first, or write the file elsewhere.")
    if caseload and out.exists() and out.resolve() == caseload.resolve():
        raise CjcaseError(f"{out} is the caseload itself: write the handover file elsewhere.")
    if out.exists():
        # Only a handover file of this client from an earlier run (killed before it finished) is replaced.
        ref = None
        if is_encrypted(out):
            try:
                conn = open_encrypted(out, passphrase, read_only=True)
                try:
                    row = conn.execute("SELECT value FROM settings WHERE key = 'handover_client_ref'").fetchone()
                    ref = row[0] if row else None
                finally:
                    conn.close()
            except (DatabaseError, *DATABASE_ERRORS):
                ref = None
        if ref != client_ref:
            raise CjcaseError(
                f"{out} already exists: choose another name, or remove it first. Nothing was handed over."
            )


def hand_over(db: sqlite_utils.Database, client_ref: str, out: Path, to_whom: str | None = None) -> HandedOver:
    """Write a client's whole record to an encrypted handover file, read it back, then remove the
    client from this caseload, keeping a handover record and the audit row."""
    records.refuse_if_combined(db, "A handover from this file")
    client_ref = client_ref.strip()
    out = Path(out)
    row = db.execute("SELECT id, keyworker FROM clients WHERE client_ref = ?", [client_ref]).fetchone()
    if row is None:
        raise NotFoundError(f"No client has the reference {client_ref}: check it with the caseload search.")
    client_id, keyworker = row
    key = get_key(db)
    passphrase = handover_passphrase(key)
    _refuse_target(db, out, client_ref, passphrase)
    uid = secrets.token_hex(16)
    handed_at = _now()
    wanted = {table.name: rows for table, rows in records.client_rows(db, client_id)}
    own_audit = list(
        db.query(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE client_id = ? ORDER BY id", [client_id])
    )
    carried = _carried_for(db, client_id)
    sender = (keyworker or "").strip() or _os_user()
    caseload_name = Path(getattr(db, "path", None) or "caseload").name
    sources = [
        *carried,
        (
            {
                "kind": "handover",
                "label": f"{caseload_name} ({sender})",
                "handover_uid": uid,
                "anchor": stored_anchor(db),
                "row_count": len(own_audit),
                "digest": digest(own_audit),
                "carried_at": handed_at,
            },
            own_audit,
        ),
    ]
    settings = {
        FILE_SETTING: uid,
        "handover_client_ref": client_ref,
        "handover_from": sender,
        "handover_to": (to_whom or "").strip(),
        "handover_at": handed_at,
        "handover_from_file": pseudo_id(key, caseload_name),
    }
    staging = out.with_name(f".{out.name}.partial")
    staging.unlink(missing_ok=True)
    try:
        schema = (records.schema_sql(db), db.execute("PRAGMA user_version").fetchone()[0])
        _write_file(staging, passphrase, schema, wanted, sources, settings)
        killpoints.reached("handover-written")
        _read_back(staging, passphrase, wanted, sources)
        os.replace(staging, out)
        _fsync_dir(out.parent)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    killpoints.reached("handover-placed")
    audit_rows = sum(len(rows) for _, rows in sources)
    with db.atomic():
        records.delete_clients(db, [client_id])
        db.execute("UPDATE audit_sources SET client_id = NULL WHERE client_id = ?", [client_id])
        handover_id = db.execute(
            "INSERT INTO handovers (client_ref, handed_over_at, to_whom, handover_uid) VALUES (?, ?, ?, ?)",
            [client_ref, handed_at, (to_whom or "").strip() or None, uid],
        ).lastrowid
        write_audit(
            db,
            "export",
            "handover",
            handover_id,
            client_id,
            f"handed over; file {out.resolve().parent}{os.sep}<name {pseudo_id(key, out.name)}>; "
            f"audit rows {audit_rows}; digest {digest(own_audit)}; user {_os_user()}",
        )
        # No old value of the client left in the search index's segments, in this same transaction.
        db.execute("INSERT INTO clients_fts (clients_fts) VALUES ('optimize')")
        killpoints.reached("handover-committing")
    killpoints.reached("handover-committed")
    purge_old_values(db)  # and none in the WAL
    return HandedOver(out, client_ref, sum(len(r) for r in wanted.values()), audit_rows)


def _fsync_dir(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _write_file(staging: Path, passphrase: str, schema, wanted, sources, settings) -> None:
    import sqlcipher3

    conn = sqlcipher3.connect(str(staging))
    try:
        conn.isolation_level = None
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = '{passphrase}'")
        records.make_schema(conn, *schema)
        conn.execute("BEGIN")
        for table, rows in wanted.items():
            for row in rows:
                records.insert_row(conn, table, row)
        for source, rows in sources:
            source_id = conn.execute(
                f"INSERT INTO audit_sources ({', '.join(SOURCE_COLUMNS)}) VALUES ({', '.join('?' for _ in SOURCE_COLUMNS)})",
                [source[c] for c in SOURCE_COLUMNS],
            ).lastrowid
            for row in rows:
                records.insert_row(conn, "audit_carried", {"source_id": source_id, **row})
        for name, value in settings.items():
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [name, value])
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    with open(staging, "rb+") as handle:
        os.fsync(handle.fileno())


def _read_back(staging: Path, passphrase: str, wanted, sources) -> None:
    """Open the written file afresh and check that it holds exactly what was meant to go."""
    conn = open_encrypted(staging, passphrase, read_only=True)
    try:
        problem = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if problem != ["ok"]:
            raise CjcaseError(
                f"The handover file could not be verified ({'; '.join(problem[:2])}); nothing was handed over."
            )
        for table, rows in wanted.items():
            columns = list(rows[0]) if rows else None
            if columns is None:
                found = conn.execute(f"SELECT count(*) FROM {records.quote_name(table)}").fetchone()[0]
                ok = found == 0
            else:
                cursor = conn.execute(
                    f"SELECT {', '.join(records.quote_name(c) for c in columns)} FROM {records.quote_name(table)} ORDER BY rowid"
                )
                ok = _fingerprint([dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]) == _fingerprint(rows)
            if not ok:
                raise CjcaseError(
                    f"The handover file read back does not match the caseload ({table}); nothing was handed over."
                )
        expected = [row for _, rows in sources for row in rows]
        cursor = conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_carried ORDER BY source_id, id")
        if digest([dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in cursor.fetchall()]) != digest(expected):
            raise CjcaseError(
                "The handover file read back does not hold the client's audit rows; nothing was handed over."
            )
    finally:
        conn.close()


def _open_handover(db, file: Path):
    file = Path(file)
    if not file.is_file():
        raise CjcaseError(f"There is no file at {file}: check the name the sender gave it.")
    not_ours = (
        f"{file} is not a handover file of this organisation: it was written on a laptop with another "
        "organisation key (or is not a handover file at all). Both laptops need the organisation's key "
        "(`cjcase key export` on one, `cjcase key import` on the other) before a handover. Nothing was written."
    )
    if not is_encrypted(file):
        raise CjcaseError(not_ours)
    try:
        conn = open_encrypted(file, handover_passphrase(get_key(db)), read_only=True)
    except PassphraseError:
        raise CjcaseError(not_ours) from None
    try:
        settings = dict(conn.execute("SELECT key, value FROM settings").fetchall())
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CjcaseError(f"{file} is damaged: ask the sender to write it again. Nothing was written.")
    except DATABASE_ERRORS:
        conn.close()
        raise CjcaseError(not_ours) from None
    except BaseException:
        conn.close()
        raise
    if FILE_SETTING not in settings:
        conn.close()
        raise CjcaseError(not_ours)
    if version != latest_version():
        conn.close()
        newer = version > latest_version()
        raise CjcaseError(
            f"{file} was written by {'a newer' if newer else 'an older'} cjcase (schema version {version}; this "
            f"one writes {latest_version()}): the two laptops need the same version of cjcase. "
            f"{'Upgrade this one' if newer else 'Upgrade the sender'}, then hand over again. Nothing was written."
        )
    return conn, settings


def receive(db: sqlite_utils.Database, file: Path) -> Received:
    """Add the client in a handover file to this caseload, all or nothing, with the audit rows
    carried as they were and a new one saying when and from whom."""
    records.refuse_if_combined(db, "Receiving into this file")
    conn, settings = _open_handover(db, file)
    try:
        ref = settings["handover_client_ref"]
        uid = settings[FILE_SETTING]
        if db.execute("SELECT 1 FROM clients WHERE client_ref = ?", [ref]).fetchone():
            raise CjcaseError(
                f"{ref} is already a client on this caseload, so the handover file {file} was not received: "
                "two records of one person would count them twice. Nothing was written; if they are two "
                "people, one reference must change on the laptop that holds the other."
            )
        mine = db.execute("SELECT handed_over_at FROM handovers WHERE handover_uid = ?", [uid]).fetchone()
        if mine:
            raise CjcaseError(
                f"{file} is the handover file this caseload wrote on {mine[0]} UTC: it is for the colleague to "
                "receive. Nothing was written."
            )
        before = db.execute("SELECT carried_at FROM audit_sources WHERE handover_uid = ?", [uid]).fetchone()
        if before:
            raise CjcaseError(
                f"{file} was received here already (on {before[0]} UTC), and {ref} has since been handed over "
                "again: receiving it twice would bring back an old copy. Nothing was written."
            )
        tables = records.client_tables(db)
        content = {}
        for table in tables:
            cursor = conn.execute(
                f"SELECT {', '.join(records.quote_name(c) for c in table.columns)} FROM "
                f"{records.quote_name(table.name)} ORDER BY rowid"
            )
            content[table.name] = [dict(zip(table.columns, r, strict=True)) for r in cursor.fetchall()]
        clients = content.get("clients", [])
        if len(clients) != 1 or clients[0]["client_ref"] != ref:
            raise CjcaseError(f"{file} does not hold one client's record as a handover file does. Nothing was written.")
        sources = []
        for source in conn.execute(f"SELECT id, {', '.join(SOURCE_COLUMNS)} FROM audit_sources ORDER BY id").fetchall():
            values = dict(zip(("id", *SOURCE_COLUMNS), source, strict=True))
            cursor = conn.execute(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_carried WHERE source_id = ? ORDER BY id", [values["id"]]
            )
            rows = [dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in cursor.fetchall()]
            broken = [r["id"] for r in rows if r["hash"] != row_hash(r, r["prev_hash"] or "")]
            if broken or digest(rows) != values["digest"] or len(rows) != values["row_count"]:
                raise CjcaseError(
                    f"The audit rows in {file} were changed after it was written (rows {broken[:5] or 'removed'}): "
                    "ask the sender to write it again. Nothing was written."
                )
            sources.append((values, rows))
    finally:
        conn.close()
    killpoints.reached("receive-read")
    handed_back = db.execute(
        "SELECT id FROM handovers WHERE client_ref = ? AND returned_at IS NULL ORDER BY id DESC LIMIT 1", [ref]
    ).fetchone()
    audit_rows = sum(len(rows) for _, rows in sources)
    with db.atomic():
        shift = records.offsets(db, tables)
        for table in tables:
            for row in content[table.name]:
                records.insert_row(db, table.name, records.moved(table, row, shift))
        client_id = clients[0]["id"] + shift.get("clients", 0)
        for source, rows in sources:
            values = {c: source[c] for c in SOURCE_COLUMNS}
            source_id = db.execute(
                f"INSERT INTO audit_sources ({', '.join(SOURCE_COLUMNS)}, client_id) "
                f"VALUES ({', '.join('?' for _ in SOURCE_COLUMNS)}, ?)",
                [*values.values(), client_id],
            ).lastrowid
            for row in rows:
                records.insert_row(db, "audit_carried", {"source_id": source_id, **row})
        if handed_back:
            db.execute("UPDATE handovers SET returned_at = ? WHERE id = ?", [_now(), handed_back[0]])
        last = sources[-1][1] if sources else []
        write_audit(
            db,
            "import",
            "handover",
            client_id,
            client_id,
            f"received from {settings.get('handover_from') or 'unknown'}; handed over {settings.get('handover_at')} UTC; "
            f"{'taken back; ' if handed_back else ''}audit rows {audit_rows}; digest {digest(last)}",
        )
        killpoints.reached("receive-committing")
    killpoints.reached("receive-committed")
    return Received(
        ref,
        client_id,
        settings.get("handover_from") or "",
        settings.get("handover_at") or "",
        bool(handed_back),
        sum(len(rows) for rows in content.values()),
        audit_rows,
    )


def verify_carried(db: sqlite_utils.Database) -> list[str]:
    """Every break in the audit rows carried from elsewhere, as sentences.

    A handover's rows are each checked against their own seal and, together, against the digest
    this file's chain recorded when they arrived; a combined caseload's rows are walked as the
    chain they were, and checked against that caseload's anchor (keyed under the organisation key).
    """
    from cjcase.services.audit import GENESIS, KEY_SETTING, read_anchor

    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "audit_sources" not in tables:
        return []
    key_row = db.execute("SELECT value FROM settings WHERE key = ?", [KEY_SETTING]).fetchone()
    key = bytes.fromhex(key_row[0]) if key_row else b""
    problems = []
    for source in list(db.query("SELECT * FROM audit_sources ORDER BY id")):
        rows = list(
            db.query(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit_carried WHERE source_id = ? ORDER BY id", [source["id"]]
            )
        )
        name = f"the audit rows carried from {source['label']}"
        if len(rows) != source["row_count"] or digest(rows) != source["digest"]:
            problems.append(f"Rows were added to or removed from {name}.")
        if source["kind"] == "handover":
            for row in rows:
                if row["hash"] != row_hash(row, row["prev_hash"] or ""):
                    problems.append(f"Audit row {row['id']} of {name} was changed after it was written.")
            continue
        prev = GENESIS
        for row in rows:
            if row["prev_hash"] != prev or row["hash"] != row_hash(row, prev):
                problems.append(f"Audit row {row['id']} of {name} was changed, or a row before it removed.")
                break
            prev = row["hash"]
        anchored = read_anchor(source["anchor"], key) if source["anchor"] else None
        if source["anchor"] and (anchored is None or anchored != (len(rows), prev)):
            problems.append(f"The anchor of {name} does not match its rows: they are not the chain that file held.")
    return problems
