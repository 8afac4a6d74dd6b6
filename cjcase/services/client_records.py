"""Which tables hold a client's record, found from the schema itself, and copying one client's rows.

A table belongs to a client when it has a `client_id` column, or a foreign key to a table that
does (`goal_reviews.goal_id` → `goals`, `order_events.order_id` → `orders`): the walk follows
the foreign keys, so a record added by a later migration travels with a handover and a combine
without being named here. Every other table is named once, in ORGANISATION_TABLES, with what a
handover and a combine do with it; a test checks that every table of the schema is one or the
other, so a new table that is neither fails it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cjcase.domain.errors import EDIT_COMBINED, CjcaseError

# The tables that are not one client's record: the organisation's, or the file's own.
ORGANISATION_TABLES = {
    "settings": "the organisation's settings and key: a combine takes them from the first file",
    "audit": "the file's own chain: a handover or combine carries it as audit_carried rows",
    "audit_sources": "where carried audit rows came from: carried with them",
    "audit_carried": "audit rows kept as they were written elsewhere: carried with their source",
    "erasures": "tombstones without personal data: a combine keeps every file's",
    "handovers": "the record of a client handed over (reference, when, to whom): kept by the sender",
}


COMBINED_SETTING = "combined_from"  # the setting that marks an organisation's combined file


def is_combined(db) -> bool:
    """Whether a database is an organisation's combined file (read, never edited)."""
    try:
        return bool(db.execute("SELECT 1 FROM settings WHERE key = ?", [COMBINED_SETTING]).fetchone())
    except Exception:  # a file with no settings table is no combined file
        return False


def refuse_if_combined(db, doing: str) -> None:
    """Refuse an edit of a combined file with the sentence that says where to make it."""
    if is_combined(db):
        raise CjcaseError(f"{doing} is refused: {EDIT_COMBINED}")


@dataclass(frozen=True)
class ClientTable:
    """A table of a client's record: how its rows are found from the client, and its links."""

    name: str
    columns: tuple[str, ...]
    owner_column: str  # `id` for clients, `client_id`, or the link to the parent table
    parent: str | None  # None for clients and for a table with a client_id column
    has_id: bool  # an INTEGER PRIMARY KEY `id`, renumbered when copied into another file
    links: dict[str, str] = field(default_factory=dict)  # column -> client table whose id it holds
    owner_key: str = "id"  # the parent's column that owner_column holds


def _tables(db) -> list[str]:
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    shadow = {f"{v}_{suffix}" for v in virtual for suffix in ("data", "idx", "content", "docsize", "config")}
    return sorted(name for name, _ in rows if name not in shadow and name not in virtual)


def virtual_tables(db) -> list[str]:
    """The virtual tables (the search index), kept in step by triggers: never copied."""
    return [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND upper(sql) LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]


def all_tables(db) -> list[str]:
    """Every ordinary table of the schema (not SQLite's own, not a search index or its shadows)."""
    return _tables(db)


def client_tables(db) -> list[ClientTable]:
    """The tables of a client's record, parents before children (clients first)."""
    names = [n for n in _tables(db) if n not in ORGANISATION_TABLES]
    info = {n: [row[1] for row in db.execute(f"PRAGMA table_info({_q(n)})")] for n in names}
    pk = {
        n: [(row[1], row[2]) for row in db.execute(f"PRAGMA table_info({_q(n)})") if row[5]] == [("id", "INTEGER")]
        for n in names
    }
    # (table pointed at, column, column pointed at: None means its primary key)
    fks = {n: [(row[2], row[3], row[4]) for row in db.execute(f"PRAGMA foreign_key_list({_q(n)})")] for n in names}
    # Every table a row must find already there (any foreign key): parents before children.
    needs = {n: {row[2] for row in db.execute(f"PRAGMA foreign_key_list({_q(n)})")} - {n} for n in names}
    found: dict[str, ClientTable] = {}
    order: list[str] = []
    if "clients" in names:
        found["clients"] = ClientTable("clients", tuple(info["clients"]), "id", None, pk["clients"])
        order.append("clients")
    changed = True
    while changed:
        changed = False
        for name in names:
            if name in found:
                continue
            owner: tuple[str, str | None, str] | None = None
            if any(target in names and target not in found for target in needs[name]):
                continue  # its parent table first
            if "client_id" in info[name]:
                owner = ("client_id", None, "id")
            else:
                for target, column, to in fks[name]:
                    if target in found and target != name:
                        owner = (column, target, to or "id")
                        break
            if owner is None:
                continue
            found[name] = ClientTable(name, tuple(info[name]), owner[0], owner[1], pk[name], owner_key=owner[2])
            order.append(name)
            changed = True
    result = []
    for name in order:
        # Only a link to a renumbered id moves with the ids; a link by another key (a reference) is kept.
        links = {
            column: target
            for target, column, to in fks[name]
            if target in found and (to or "id") == "id" and pk[target]
        }
        if name != "clients" and "client_id" in info[name]:
            links.setdefault("client_id", "clients")
        table = found[name]
        result.append(
            ClientTable(
                table.name, table.columns, table.owner_column, table.parent, table.has_id, links, table.owner_key
            )
        )
    return result


def unclassified_tables(db) -> list[str]:
    """Tables that are neither a client's record (by the walk) nor named in ORGANISATION_TABLES."""
    mine = {t.name for t in client_tables(db)}
    return [n for n in _tables(db) if n not in mine and n not in ORGANISATION_TABLES]


def owned_ids_sql(table: ClientTable, by_table: dict[str, ClientTable], schema: str = "main") -> str:
    """SQL selecting the rowids of `table` that belong to the clients named by `:client_ids`
    (a table of ids given as `temp.chosen_clients`)."""
    return f"SELECT rowid FROM {schema}.{_q(table.name)} WHERE {_owner_condition(table, by_table, schema)}"


def _owner_condition(table: ClientTable, by_table: dict[str, ClientTable], schema: str) -> str:
    if table.name == "clients":
        return "id IN (SELECT id FROM temp.chosen_clients)"
    if table.parent is None:
        return "client_id IN (SELECT id FROM temp.chosen_clients)"
    parent = by_table[table.parent]
    return (
        f"{_q(table.owner_column)} IN (SELECT {_q(table.owner_key)} FROM {schema}.{_q(parent.name)} "
        f"WHERE {_owner_condition(parent, by_table, schema)})"
    )


def choose_clients(db, client_ids: Iterable[int]) -> None:
    """Name the clients the next owned-rows query is about (a temporary table on this connection)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS chosen_clients (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.chosen_clients")
    for client_id in client_ids:
        db.execute("INSERT OR IGNORE INTO temp.chosen_clients (id) VALUES (?)", [client_id])


def client_rows(db, client_id: int) -> Iterator[tuple[ClientTable, list[dict[str, Any]]]]:
    """Every row of one client's record, table by table (parents first), in id order."""
    tables = client_tables(db)
    by_table = {t.name: t for t in tables}
    choose_clients(db, [client_id])
    for table in tables:
        cursor = db.execute(
            f"SELECT {', '.join(_q(c) for c in table.columns)} FROM {_q(table.name)} "
            f"WHERE rowid IN ({owned_ids_sql(table, by_table)}) ORDER BY rowid"
        )
        yield table, [dict(zip(table.columns, row, strict=True)) for row in cursor.fetchall()]


def delete_clients(db, client_ids: Iterable[int]) -> dict[str, int]:
    """Delete clients and every row of their records, children first (not left to cascades, so a
    table whose key has no ON DELETE CASCADE goes too). Call inside a transaction."""
    tables = client_tables(db)
    by_table = {t.name: t for t in tables}
    choose_clients(db, client_ids)
    counts = {}
    for table in reversed(tables):
        counts[table.name] = db.execute(
            f"DELETE FROM {_q(table.name)} WHERE rowid IN ({owned_ids_sql(table, by_table)})"
        ).rowcount
    return counts


def offsets(db, tables: list[ClientTable], schema: str = "main") -> dict[str, int]:
    """How far each table's ids move when rows are added to it: past its highest id."""
    return {
        t.name: db.execute(f"SELECT coalesce(max(id), 0) FROM {schema}.{_q(t.name)}").fetchone()[0]
        for t in tables
        if t.has_id
    }


def moved(table: ClientTable, row: dict[str, Any], shift: dict[str, int]) -> dict[str, Any]:
    """A row with its id and its links to other client tables moved by those tables' offsets."""
    out = dict(row)
    if table.has_id and out.get("id") is not None:
        out["id"] = out["id"] + shift.get(table.name, 0)
    for column, target in table.links.items():
        if out.get(column) is not None:
            out[column] = out[column] + shift.get(target, 0)
    return out


def shifted_select(table: ClientTable, shift: dict[str, int], schema: str) -> str:
    """`SELECT` of every column of `schema.table`, ids and links moved by the offsets (for INSERT … SELECT)."""
    parts = []
    for column in table.columns:
        if column == "id" and table.has_id:
            parts.append(f"id + {int(shift.get(table.name, 0))}")
        elif column in table.links:
            parts.append(f"{_q(column)} + {int(shift.get(table.links[column], 0))}")
        else:
            parts.append(_q(column))
    return f"SELECT {', '.join(parts)} FROM {schema}.{_q(table.name)}"


def insert_row(db, table: str, row: dict[str, Any]) -> None:
    """Insert one row as it is (every column named)."""
    columns = list(row)
    db.execute(
        f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


quote_name = _q


def schema_sql(db, schema: str = "main") -> list[str]:
    """The statements that make a file's schema anew: tables, then indexes, views and triggers
    (a search index's own tables are made by it). A handover or combined file is given exactly
    the schema of the caseload it came from, whatever migrations made it."""
    rows = db.execute(
        f"SELECT type, name, sql FROM {schema}.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid"
    ).fetchall()
    virtual = [name for kind, name, sql in rows if kind == "table" and sql.upper().startswith("CREATE VIRTUAL TABLE")]
    shadow = {f"{v}_{suffix}" for v in virtual for suffix in ("data", "idx", "content", "docsize", "config")}
    return [sql for kind, name, sql in rows if name not in shadow]


def make_schema(conn, statements: list[str], version: int) -> None:
    """Create a schema in an empty file, at the given version."""
    conn.executescript("BEGIN;\n" + ";\n".join(statements) + f";\nPRAGMA user_version = {int(version)};\nCOMMIT;")
