"""Importing releases: `releases.csv` with its rules across rows, and the releases that
`episodes.csv`'s v1 column `prison_release_date` still makes (DOMAIN.md "Releases from custody")."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from cjcase.domain.releases import RELEASE
from cjcase.services.importing.sheets import Row, Sheet
from cjcase.store.bulk import query_in

if TYPE_CHECKING:
    from cjcase.services.importing.checks import Checker


def take_v1_dates(episodes: list[Row]) -> list[tuple[str, str]]:
    """Take each episode row's `prison_release_date` out of it (the episode no longer has one),
    as (client_ref, date) pairs in the order of the file."""
    found = []
    for row in episodes:
        day = row.values.pop("prison_release_date", None)
        if day:
            found.append((row.client_ref, day))
    return found


def import_releases(run: Checker, sheet: Sheet) -> None:
    """Check every row of releases.csv, against each other and the database, and write the
    rows that pass (the whole import is rolled back when any row of any file had a problem)."""
    rows = run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet))))
    rows = _across(run, sheet, rows)
    if sheet.writable:
        _write(run, rows)


def _existing(run: Checker, refs) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for row in query_in(
        run.db,
        "SELECT c.client_ref, r.id, r.expected_date, r.actual_date, r.coc_exclusion "
        "FROM releases r JOIN clients c ON c.id = r.client_id WHERE c.client_ref IN ({marks})",
        refs,
    ):
        found[row["client_ref"]].append(row)
    return found


def _across(run: Checker, sheet: Sheet, rows: list[Row]) -> list[Row]:
    """No two releases of a client on the same actual date, and at most one due (both reported
    on the later row; a row replaces the stored release with its key)."""
    by_client: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_client[row.client_ref].append(row)
    existing = _existing(run, by_client)
    kept = []
    for ref, client_rows in by_client.items():
        replaced = {row.values["expected_date"] for row in client_rows}
        placed = [
            {**stored, "_where": "the database"} for stored in existing[ref] if stored["expected_date"] not in replaced
        ]
        for row in client_rows:
            values = row.values
            actual = values.get("actual_date")
            due = not actual and not values.get("coc_exclusion")
            same_day = next((p for p in placed if actual and p["actual_date"] == actual), None)
            other_due = next((p for p in placed if due and not p["actual_date"] and not p["coc_exclusion"]), None)
            if same_day:
                run.problem(
                    sheet,
                    row.line,
                    "actual_date",
                    f"the client already has a release on {actual} ({same_day['_where']}): one release per day",
                )
            elif other_due:
                run.problem(
                    sheet,
                    row.line,
                    "expected_date",
                    f"the client already has a release due, expected {other_due['expected_date']} "
                    f"({other_due['_where']}): a moved date is changed in the program, or the old release "
                    "recorded or excluded",
                )
            else:
                placed.append(
                    {
                        "expected_date": values["expected_date"],
                        "actual_date": actual,
                        "coc_exclusion": values.get("coc_exclusion"),
                        "_where": f"line {row.line}",
                    }
                )
                kept.append(row)
    return sorted(kept, key=lambda row: row.line)


def _write(run: Checker, rows: list[Row]) -> None:
    counts = run.report.counts["releases"]  # type: ignore[attr-defined]
    touched = run.touched  # type: ignore[attr-defined]
    stored = {
        (row["client_id"], row["expected_date"]): row
        for row in query_in(
            run.db,
            "SELECT * FROM releases WHERE client_id IN ({marks})",
            {run.client_ids[row.client_ref] for row in rows},
        )
    }
    for row in rows:
        client_id = run.client_ids[row.client_ref]
        values = {name: row.values.get(name) for name in RELEASE if name in row.values}
        old = stored.get((client_id, values["expected_date"]))
        if old is None:
            run.db.table("releases").insert({**values, "client_id": client_id})
            counts.created += 1
        else:
            changed = {k: v for k, v in values.items() if old.get(k) != v}
            if old["from_v1"]:
                changed["from_v1"] = 0  # given in full by releases.csv now
            if not changed:
                counts.unchanged += 1
                continue
            run.db.table("releases").update(old["id"], {**changed, "updated_at": _now()})
            counts.updated += 1
        touched[client_id]["releases"] = touched[client_id].get("releases", 0) + 1


def write_v1_releases(run: Checker, dates: list[tuple[str, str]]) -> None:
    """The release each v1 date makes, unless the client already has one (stored, or in this
    import's releases.csv) whose expected or actual date is that date: actual = the date, or
    none while it is after today; prison = the client's prison; marked as made from a v1 date."""
    if not dates:
        return
    counts = run.report.counts["releases"]  # type: ignore[attr-defined]
    touched = run.touched  # type: ignore[attr-defined]
    ids = {ref: run.client_ids[ref] for ref, _ in dates if ref in run.client_ids}
    known: set[tuple[int, str]] = set()
    prisons: dict[int, str | None] = {}
    for row in query_in(
        run.db,
        "SELECT c.id, c.prison, r.expected_date, r.actual_date FROM clients c "
        "LEFT JOIN releases r ON r.client_id = c.id WHERE c.id IN ({marks})",
        set(ids.values()),
    ):
        prisons[row["id"]] = (row["prison"] or "").strip() or None
        known.update((row["id"], day) for day in (row["expected_date"], row["actual_date"]) if day)
    today = run.today.isoformat()
    for ref, day in dates:
        client_id = ids.get(ref)
        if client_id is None or (client_id, day) in known:
            continue
        known.add((client_id, day))
        run.db.table("releases").insert(
            {
                "client_id": client_id,
                "prison": prisons.get(client_id),
                "expected_date": day,
                "actual_date": day if day <= today else None,
                "from_v1": 1,
            }
        )
        counts.created += 1
        touched[client_id]["releases"] = touched[client_id].get("releases", 0) + 1


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")
