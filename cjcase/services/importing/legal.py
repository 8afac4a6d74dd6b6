"""Import rules of the legal records: requirements (with those episodes.csv's v1 columns stand for),
community orders and order events (DOMAIN.md "Legal requirements", "Community orders"). Each
rule that reads another record is reported on the row of the later file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Protocol

from cjcase.domain import rules
from cjcase.services.importing.sheets import Row, Sheet
from cjcase.services.importing.writer import write_children
from cjcase.services.requirements import values_from_episode
from cjcase.store.bulk import query_in


class _Import(Protocol):
    """What these rules use of the import under way (importer._Import)."""

    db: Any
    client_ids: dict[str, int]
    report: Any
    progress: Any
    touched: Any

    def problem(self, sheet: Sheet, line: int, column: str, message: str) -> None: ...
    def checked_rows(self, sheet: Sheet) -> Iterator[Row]: ...
    def unique(self, sheet: Sheet, rows: list[Row]) -> list[Row]: ...
    def known_clients(self, sheet: Sheet, rows: list[Row]) -> list[Row]: ...


def split_episodes(run: _Import, rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """The episode rows without their v1 requirement columns, and the requirement rows those
    columns stand for (on the episode's line)."""
    episodes, derived = [], []
    for row in rows:
        values = dict(row.values)
        code = values.pop("legal_requirement", None)
        notify = values.pop("notify_agency", None)
        episodes.append(Row(row.sheet, row.line, row.client_ref, values))
        requirement = values_from_episode(code, notify, values["referral_date"], values.get("discharge_date"))
        if requirement is not None:
            derived.append(Row("requirements", row.line, row.client_ref, requirement))
    return episodes, derived


def write_episode_requirements(run: _Import, sheet: Sheet, derived: list[Row]) -> list[Row]:
    """Create or update the requirements the episodes' v1 columns stand for, each under its key;
    one that would overlap another of its code is a problem on the episode's line. Returns those
    written."""
    kept = _not_overlapping(run, sheet, derived, "legal_requirement")
    if sheet.writable and kept:
        write_children(run.db, "requirements", kept, run.client_ids, run.report, None, run.touched)
    return kept


def import_legal(run: _Import, sheets: dict[str, Sheet], from_episodes: list[Row]) -> None:
    """requirements.csv, orders.csv and order_events.csv, in the order of files."""
    if "requirements" in sheets:
        earlier = (sheets["episodes"].file, from_episodes) if from_episodes else None
        import_requirements(run, sheets["requirements"], earlier)
    if "orders" in sheets:
        import_orders(run, sheets["orders"])
    if "order_events" in sheets:
        import_order_events(run, sheets["order_events"])


def import_requirements(run: _Import, sheet: Sheet, earlier: tuple[str, list[Row]] | None = None) -> None:
    """Check requirements.csv (no two of one code of a client overlap) and write what passes."""
    rows = run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet))))
    if not sheet.writable:
        return  # a required column is missing: its rows are checked on their own only
    kept = _not_overlapping(run, sheet, rows, "requirement", earlier)
    write_children(run.db, "requirements", kept, run.client_ids, run.report, run.progress, run.touched)


def _not_overlapping(
    run: _Import, sheet: Sheet, rows: list[Row], column: str, earlier: tuple[str, list[Row]] | None = None
) -> list[Row]:
    """The rows whose requirement overlaps no other of its code: in the database (leaving out
    the one a row updates), in an earlier file of this import, or on an earlier line."""
    earlier_file, earlier_rows = earlier or ("", [])
    refs = {row.client_ref for row in rows}
    existing: dict[str, list[dict]] = defaultdict(list)
    found: dict
    for found in query_in(
        run.db,
        "SELECT c.client_ref, r.requirement, r.start_date, r.end_date FROM requirements r "
        "JOIN clients c ON c.id = r.client_id WHERE c.client_ref IN ({marks})",
        refs,
    ):
        existing[found["client_ref"]].append(found)
    keys = {(row.client_ref, row.values["requirement"], row.values["start_date"]) for row in rows + earlier_rows}
    placed: dict[str, list[dict]] = defaultdict(list)
    for ref, theirs in existing.items():
        placed[ref] = [r for r in theirs if (ref, r["requirement"], r["start_date"]) not in keys]
    for row in earlier_rows:
        if row.client_ref in refs:
            placed[row.client_ref].append({**row.values, "_where": f"{earlier_file} line {row.line}"})
    kept = []
    for row in sorted(rows, key=lambda r: r.line):
        clash = next((p for p in placed[row.client_ref] if rules.requirements_overlap(p, row.values)), None)
        if clash:
            where = clash.get("_where", "the database")
            until = f"to {clash['end_date']}" if clash.get("end_date") else "with no end date"
            run.problem(
                sheet,
                row.line,
                column,
                f"this {row.values['requirement']} requirement overlaps the one from {clash['start_date']} {until} "
                f"({where}): two of one kind may not overlap, so end the earlier one first",
            )
            continue
        placed[row.client_ref].append({**row.values, "_where": f"line {row.line}"})
        kept.append(row)
    return kept


def import_orders(run: _Import, sheet: Sheet) -> None:
    """Check orders.csv row by row (its own rules) and write what passes."""
    rows = run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet))))
    if sheet.writable:
        write_children(run.db, "orders", rows, run.client_ids, run.report, run.progress, run.touched)


def import_order_events(run: _Import, sheet: Sheet) -> None:
    """Check order_events.csv: each event's order exists (in this import or the database), the
    event falls within it, and a breach outcome follows a breach laid on the same order."""
    rows = run.known_clients(sheet, run.unique(sheet, list(run.checked_rows(sheet))))
    if not sheet.writable:
        return  # a required column is missing: its rows are checked on their own only
    orders = {
        (found["client_ref"], found["sentence_date"]): found["outcome_date"]
        for found in query_in(
            run.db,
            "SELECT c.client_ref, o.sentence_date, o.outcome_date FROM orders o "
            "JOIN clients c ON c.id = o.client_id WHERE c.client_ref IN ({marks})",
            {row.client_ref for row in rows},
        )
    }
    laid: dict[tuple[str, str], list[str]] = defaultdict(list)
    for found in query_in(
        run.db,
        "SELECT c.client_ref, e.sentence_date, e.event_date FROM order_events e "
        "JOIN clients c ON c.id = e.client_id WHERE e.kind = 'breach_laid' AND c.client_ref IN ({marks})",
        {row.client_ref for row in rows},
    ):
        laid[(found["client_ref"], found["sentence_date"])].append(found["event_date"])
    for row in rows:
        if row.values["kind"] == "breach_laid":
            laid[(row.client_ref, row.values["sentence_date"])].append(row.values["date"])
    kept = []
    for row in rows:
        order = (row.client_ref, row.values["sentence_date"])
        if order not in orders:
            run.problem(
                sheet,
                row.line,
                "sentence_date",
                f"{row.client_ref} has no order sentenced on {row.values['sentence_date']}: "
                "add it to orders.csv or correct the date",
            )
            continue
        outcome_date = orders[order]
        if outcome_date and row.values["date"] > outcome_date:
            run.problem(sheet, row.line, "date", f"the event is after the order's outcome date {outcome_date}")
            continue
        if row.values["kind"] == "breach_outcome" and not any(d <= row.values["date"] for d in laid[order]):
            run.problem(
                sheet,
                row.line,
                "kind",
                "a breach outcome needs a breach_laid event on the same order on or before its date: add it first",
            )
            continue
        kept.append(row)
    write_children(run.db, "order_events", kept, run.client_ids, run.report, run.progress, run.touched)
