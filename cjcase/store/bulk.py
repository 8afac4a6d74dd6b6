"""Many rows in and out of SQLite at once: the bulk insert and the chunked IN query. Plain SQL
over tables and columns given by the caller; no rule of any record lives here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

import sqlite_utils

_IN_CHUNK = 500  # values per IN (...) list, well under SQLite's limit on parameters


def query_in(db: sqlite_utils.Database, sql: str, values: Iterable) -> Iterator[dict]:
    """Rows of `sql`, whose `{marks}` is an IN list filled from `values` a chunk at a time."""
    values = list(values)
    for start in range(0, len(values), _IN_CHUNK):
        part = values[start : start + _IN_CHUNK]
        yield from db.query(sql.format(marks=",".join("?" * len(part))), part)


def insert_many(db: sqlite_utils.Database, table: str, rows: list[dict]) -> None:
    """Insert `rows` (dicts keyed by column) into `table`; a column a row lacks is NULL."""
    columns = sorted({c for row in rows for c in row})
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    values: Iterable[Any]
    if len(columns) > 1 and all(len(row) == len(columns) for row in rows):
        values = map(itemgetter(*columns), rows)  # every row has every column: the quick way
    else:
        values = ([row.get(c) for c in columns] for row in rows)
    db.conn.executemany(sql, values)


def rows_by_key(db: sqlite_utils.Database, table: str, key_columns: list[str], keys: Iterable[tuple]) -> Iterator[dict]:
    """The rows of `table` whose `key_columns` hold one of `keys` (tuples in that order), each
    found through the table's unique index on those columns: the cost grows with the keys asked
    for, not with the rows stored."""
    names = [f"k{i}" for i in range(len(key_columns))]
    db.execute("DROP TABLE IF EXISTS temp.bulk_keys")
    db.execute(f"CREATE TEMP TABLE bulk_keys ({', '.join(names)})")
    try:
        db.conn.executemany(f"INSERT INTO temp.bulk_keys VALUES ({', '.join('?' * len(names))})", keys)
        # CROSS JOIN keeps the keys as the outer loop: one index look-up each.
        match = " AND ".join(f"t.{column} = k.{name}" for column, name in zip(key_columns, names, strict=True))
        yield from db.query(f"SELECT t.* FROM temp.bulk_keys k CROSS JOIN {table} t ON {match}")
    finally:
        db.execute("DROP TABLE IF EXISTS temp.bulk_keys")
