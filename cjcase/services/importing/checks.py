"""Checking the rows of an import: each row on its own, a key given twice, a client that does
not exist, episodes that overlap. The problems found are collected, never raised one by one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import sqlite_utils

from cjcase.domain import rules
from cjcase.domain.errors import ValidationError
from cjcase.domain.releases import check_release
from cjcase.services.importing.sheets import HEADER_REQUIRED, IMPORT_COLUMNS, SHEETS, Problem, Row, Sheet
from cjcase.store.bulk import query_in

LISTED = 200  # problems listed in full; a million bad rows are counted, not printed


class Checker:
    """Checks the rows of the sheets against the rules and against what the database and the
    import so far hold; every problem found goes to `problems`."""

    def __init__(self, db: sqlite_utils.Database, today: date):
        self.db = db
        self.today = today
        self.problems: list[Problem] = []
        self.unlisted = 0  # problems past the first LISTED, counted only
        self.client_ids: dict[str, int] = {}

    def problem(self, sheet: Sheet, line: int, column: str, message: str) -> None:
        if len(self.problems) < LISTED:
            self.problems.append(Problem(sheet.file, line, column, message))
        else:
            self.unlisted += 1

    @staticmethod
    def sentence(message: str) -> str:
        """A rule's message as a problem line says it (lower-case first letter, no full stop)."""
        return _lower_first(message)

    def check_header(self, sheet: Sheet) -> bool:
        """Report what is wrong with a sheet's columns; True when nothing is."""
        before = len(self.problems) + self.unlisted
        _, spec, _ = SHEETS[sheet.name]
        allowed = self.allowed(sheet)
        required = [
            n
            for n in allowed
            if n == "client_ref" or (n in spec and spec[n].required) or n in HEADER_REQUIRED.get(sheet.name, ())
        ]
        for column in required:
            if column not in sheet.header:
                self.problem(sheet, 1, column, "required column is missing")
        seen_columns = set()
        for column in sheet.header:
            if column in seen_columns:
                self.problem(sheet, 1, column, "this column appears twice in the header")
            seen_columns.add(column)
            if column not in allowed:
                self.problem(sheet, 1, column or "(empty)", f"unknown column: {sheet.file} takes {', '.join(allowed)}")
        return len(self.problems) + self.unlisted == before

    @staticmethod
    def allowed(sheet: Sheet) -> tuple[str, ...]:
        return IMPORT_COLUMNS[sheet.name] + (() if sheet.name == "clients" else ("client_ref",))

    def checked_rows(self, sheet: Sheet) -> Iterator[Row]:
        """The rows of a sheet that pass their own checks; the others become problems."""
        _, spec, _ = SHEETS[sheet.name]
        allowed = self.allowed(sheet)
        known = [(i, c) for i, c in enumerate(sheet.header) if c in allowed]
        check = None
        for line, cells in sheet.rows:
            if len(cells) != len(sheet.header):
                self.problem(
                    sheet,
                    line,
                    "(row)",
                    f"{len(cells)} cells where the header has {len(sheet.header)}: "
                    "put free text containing commas in double quotes",
                )
                continue
            values = {column: cells[i] for i, column in known}
            client_ref = (
                values.pop("client_ref", "").strip()
                if sheet.name != "clients"
                else values.get("client_ref", "").strip()
            )
            if sheet.name != "clients" and not client_ref and "client_ref" in sheet.header:
                self.problem(sheet, line, "client_ref", "the client reference is required")
                continue
            if check is None:  # the same columns on every row of a sheet
                check = rules.field_checker(
                    {n: f for n, f in spec.items() if n in values or f.required and n in sheet.header}
                )
            clean, problems = check(values)
            problems += self.cross_field(sheet.name, clean, problems)
            for error in problems:
                self.problem(sheet, line, error.field, _lower_first(error.message))
            if not problems:
                yield Row(sheet.name, line, client_ref, clean)

    def cross_field(self, name: str, clean: dict, problems: list) -> list[ValidationError]:
        if problems:
            return []
        if name == "clients":
            return rules.check_client(clean, self.today)
        if name == "episodes":
            return rules.check_episode(clean, self.today)
        if name == "goals":
            return rules.check_goal(clean)
        if name == "consents":
            return rules.check_consent(clean)
        if name == "tops":
            return rules.check_top(clean)
        if name == "sessions":
            return rules.check_session(clean)
        if name == "custody_events":
            return rules.check_custody_event(clean, self.today)
        if name == "releases":
            return check_release(clean, self.today)
        if name == "requirements":
            return rules.check_requirement(clean)
        if name == "orders":
            return rules.check_order(clean, self.today)
        if name == "order_events":
            return rules.check_order_event(clean, self.today)
        return []

    def unique(self, sheet: Sheet, rows: list[Row]) -> list[Row]:
        """The rows whose key no earlier row of the sheet had; a repeat is a problem on its line."""
        key_fields = SHEETS[sheet.name][2]
        label = " + ".join(("client_ref",) + key_fields) if sheet.name != "clients" else "client_ref"

        def repeated(row: Row, earlier_line: int) -> None:
            column = key_fields[-1] if key_fields else "client_ref"  # deaths: one per client
            self.problem(sheet, row.line, column, f"the same {label} is on line {earlier_line} already")

        first: dict[str, Row] = {}
        for row in rows:
            key = sheet.name + "\x1f" + "\x1f".join(repr(value) for value in row.key())
            if key in first:
                repeated(row, first[key].line)
            else:
                first[key] = row
        earlier = {
            found["key"]: found["line"]
            for found in query_in(self.db, "SELECT key, line FROM temp.import_keys WHERE key IN ({marks})", first)
        }
        for key, line in earlier.items():
            repeated(first.pop(key), line)
        self.db.conn.executemany(
            "INSERT INTO temp.import_keys (key, line) VALUES (?, ?)", [(key, row.line) for key, row in first.items()]
        )
        return sorted(first.values(), key=lambda row: row.line)

    def known_clients(self, sheet: Sheet, rows: list[Row]) -> list[Row]:
        """The rows whose client is in the database (imported just now, or there already)."""
        unknown = {row.client_ref for row in rows} - set(self.client_ids)
        for found in query_in(self.db, "SELECT id, client_ref FROM clients WHERE client_ref IN ({marks})", unknown):
            self.client_ids[found["client_ref"]] = found["id"]
        kept = []
        for row in rows:
            if row.client_ref in self.client_ids:
                kept.append(row)
            else:
                self.problem(
                    sheet,
                    row.line,
                    "client_ref",
                    f"no client has the reference {row.client_ref}: add them to clients.csv",
                )
        return kept

    def check_episodes(self, sheet: Sheet, rows: list[Row]) -> list[Row]:
        """The episodes of adults that overlap no other episode of the same client."""
        dob = {
            found["client_ref"]: found["date_of_birth"]
            for found in query_in(
                self.db,
                "SELECT client_ref, date_of_birth FROM clients WHERE client_ref IN ({marks})",
                {row.client_ref for row in rows},
            )
        }
        by_client: dict[str, list[dict]] = defaultdict(list)
        rows_by_line = {}
        for row in rows:
            problem = rules.check_adult(dob[row.client_ref], row.values["referral_date"])
            if problem:
                self.problem(sheet, row.line, "referral_date", _lower_first(problem.message))
                continue
            by_client[row.client_ref].append({**row.values, "_line": row.line})
            rows_by_line[row.line] = row
        existing = self.existing_episodes(by_client)
        kept = []
        for ref, episodes in by_client.items():
            imported_keys = {e["referral_date"] for e in episodes}
            others = [e for e in existing.get(ref, []) if e["referral_date"] not in imported_keys]
            placed: list[dict] = list(others)
            for episode in sorted(episodes, key=lambda e: e["_line"]):
                clash = next((p for p in placed if rules.overlap(p, episode)), None)
                if clash:
                    where = f"line {clash['_line']}" if "_line" in clash else "the database"
                    self.problem(
                        sheet,
                        episode["_line"],
                        "referral_date",
                        f"this episode overlaps the one referred on {clash['referral_date']} "
                        f"({where}): a new referral must come after the earlier discharge",
                    )
                else:
                    placed.append(episode)
                    kept.append(rows_by_line[episode["_line"]])
        return sorted(kept, key=lambda row: row.line)

    def existing_episodes(self, by_client) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = defaultdict(list)
        for row in query_in(
            self.db,
            "SELECT c.client_ref, e.referral_date, e.discharge_date FROM episodes e "
            "JOIN clients c ON c.id = e.client_id WHERE c.client_ref IN ({marks})",
            by_client,
        ):
            found[row["client_ref"]].append(row)
        return found


def _lower_first(message: str) -> str:
    message = message.rstrip(".")
    if message.startswith("A ") and message[2:3].isupper():
        return "a" + message[1:]  # "A TOP item ..." is an article before an acronym
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message
