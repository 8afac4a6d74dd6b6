"""Writing checked rows: each row created, updated or found unchanged by its key."""

from __future__ import annotations

from datetime import datetime

from cjcase.domain import rules
from cjcase.services.caseload import columns_of
from cjcase.services.importing.sheets import SHEETS, Row
from cjcase.store.bulk import insert_many, query_in, rows_by_key

_BATCH = 5000  # rows per insert, so progress moves


def write_clients(db, rows: list[Row], report, touched) -> dict[str, int]:
    spec = rules.CLIENT
    existing = {
        row["client_ref"]: row
        for row in query_in(db, "SELECT * FROM clients WHERE client_ref IN ({marks})", (r.client_ref for r in rows))
    }
    counts = report.counts["clients"]
    ids: dict[str, int] = {}
    inserts = []
    for _done, row in enumerate(rows, start=1):
        values = columns_of(spec, row.values)
        old = existing.get(row.client_ref)
        if old is None:
            inserts.append(values)
            continue
        ids[row.client_ref] = old["id"]
        changed = {k: v for k, v in values.items() if old.get(k) != v}
        if changed:
            counts.updated += 1
            touched[old["id"]]["clients"] = 1
            db.table("clients").update(old["id"], {**changed, "updated_at": _now()})
        else:
            counts.unchanged += 1
    if inserts:
        insert_many(db, "clients", inserts)
        counts.created += len(inserts)
        for created in query_in(
            db, "SELECT id, client_ref FROM clients WHERE client_ref IN ({marks})", (v["client_ref"] for v in inserts)
        ):
            ids[created["client_ref"]] = created["id"]
            touched[created["id"]]["clients"] = 1
    return ids


def write_children(db, name, rows: list[Row], client_ids, report, progress, touched) -> None:
    table, spec, key_fields = SHEETS[name]
    key_columns = ["client_id", *((spec[k].column or k) for k in key_fields)]
    records = [{**columns_of(spec, row.values), "client_id": client_ids[row.client_ref]} for row in rows]
    existing = {
        tuple(row[c] for c in key_columns): row
        for row in rows_by_key(db, table, key_columns, (tuple(values[c] for c in key_columns) for values in records))
    }
    counts = report.counts[name]
    inserts, updates = [], []
    for values in records:
        client_id = values["client_id"]
        old = existing.get(tuple(values[c] for c in key_columns))
        if old is None:
            inserts.append(values)
            touched[client_id][table] = touched[client_id].get(table, 0) + 1
            continue
        changed = {k: v for k, v in values.items() if old.get(k) != v}
        if changed:
            updates.append((old["id"], changed))
            touched[client_id][table] = touched[client_id].get(table, 0) + 1
        else:
            counts.unchanged += 1
    # Discharges first, so an episode closed and a new one opened in one import never meet
    # the one-open-episode index half way.
    updates.sort(key=lambda u: "discharge_date" not in u[1])
    for record_id, changed in updates:
        db.table(table).update(record_id, {**changed, "updated_at": _now()})
    counts.updated += len(updates)
    for start in range(0, len(inserts), _BATCH):
        insert_many(db, table, inserts[start : start + _BATCH])
        if progress:
            progress(name, min(start + _BATCH, len(inserts)), len(inserts))
    counts.created += len(inserts)


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")
