"""Imports a caseload from the spreadsheet format of DOMAIN.md, all or nothing."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlite_utils

from cjcase import rules
from cjcase.db import INTEGRITY_ERRORS
from cjcase.audit import write_audit
from cjcase.caseload import columns_of
from cjcase.errors import CjcaseError, ValidationError

# file stem -> (table, field rules, key fields after client_ref, required fields)
SHEETS = {
    "clients": ("clients", rules.CLIENT, ("client_ref",)),
    "episodes": ("episodes", rules.EPISODE, ("referral_date",)),
    "sessions": ("sessions", rules.SESSION, ("when", "kind")),
    "goals": ("goals", rules.GOAL, ("domain", "set_date", "description")),
    "court_dates": ("court_dates", rules.COURT_DATE, ("when",)),
    "tops": ("tops", rules.TOP, ("date", "stage")),
    "consents": ("consents", rules.CONSENT, ("agency", "purpose", "given_date")),
}
ORDER = tuple(SHEETS)
# The columns the import format carries: the identifiers added later are accepted too.
IMPORT_COLUMNS = {
    "clients": tuple(rules.CLIENT),
    "episodes": tuple(name for name in rules.EPISODE if name != "transferred_to"),
    **{name: tuple(SHEETS[name][1]) for name in ("sessions", "goals", "court_dates", "tops", "consents")},
}

ProgressCallback = Callable[[str, int, int], None]
_IN_CHUNK = 500  # values per IN (...) list, well under SQLite's limit on parameters


def query_in(db: sqlite_utils.Database, sql: str, values: Iterable) -> Iterable[dict]:
    """Rows of `sql`, whose `{marks}` is an IN list filled from `values` a chunk at a time."""
    values = list(values)
    for start in range(0, len(values), _IN_CHUNK):
        part = values[start:start + _IN_CHUNK]
        yield from db.query(sql.format(marks=",".join("?" * len(part))), part)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the import, where a text editor would find it."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class ImportRejected(CjcaseError):
    """The import had problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            f"Nothing was imported: {len(problems)} problem{'s' if len(problems) != 1 else ''} "
            "to fix first.\n" + "\n".join(str(p) for p in problems)
        )


@dataclass
class Counts:
    """What an import did (or would do) to one table."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """The outcome of an import: counts per table; problems when rejected."""

    counts: dict[str, Counts] = field(default_factory=lambda: {name: Counts() for name in ORDER})
    dry_run: bool = False

    @property
    def changed(self) -> int:
        """Records created or updated."""
        return sum(c.created + c.updated for c in self.counts.values())


@dataclass
class Sheet:
    """One table of the import: its file name, header and (line, cells) rows."""

    name: str
    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class Row:
    """A checked row, ready to write."""

    sheet: str
    line: int
    client_ref: str
    values: dict[str, Any]  # cleaned, keyed by import field name

    def key(self) -> tuple:
        return (self.client_ref, *(self.values.get(k) for k in SHEETS[self.sheet][2]))


# ---------------------------------------------------------------- reading


def read_sheets(path: Path) -> dict[str, Sheet]:
    """The sheets of a folder of CSV files or of an .xlsx workbook, by entity name."""
    path = Path(path)
    if path.is_dir():
        sheets = {}
        for name in ORDER:
            file = path / f"{name}.csv"
            if file.exists():
                sheets[name] = _read_csv(file, file.name)
        if not sheets:
            raise CjcaseError(
                f"{path} holds none of the import files: clients.csv, episodes.csv, sessions.csv, "
                "goals.csv, court_dates.csv, tops.csv, consents.csv.")
        return sheets
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return _read_xlsx(path)
    if not path.exists():
        raise CjcaseError(f"There is no file or folder at {path}.")
    raise CjcaseError(f"{path} is neither a folder of CSV files nor an .xlsx workbook.")


def _read_csv(file: Path, display: str) -> Sheet:
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CjcaseError(
            f"{display} is not UTF-8 text (byte {error.start}): save it as 'CSV UTF-8' and import again."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for cells in reader:
            first_line = last_line + 1
            last_line = reader.line_num
            if not header:
                header = [cell.strip() for cell in cells]
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, as spreadsheets leave at the end
            rows.append((first_line, cells))
    except csv.Error as error:
        raise CjcaseError(f"{display}:{reader.line_num}: the CSV cannot be read ({error}).") from None
    return Sheet(file.stem, display, header, rows)


def _read_xlsx(path: Path) -> dict[str, Sheet]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise CjcaseError(f"{path.name} cannot be opened as a workbook ({error}).") from None
    sheets = {}
    try:
        for name in ORDER:
            if name not in book.sheetnames:
                continue
            header: list[str] = []
            rows = []
            for line, values in enumerate(book[name].iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                while cells and cells[-1] == "":
                    cells.pop()
                if not header:
                    header = [c.strip() for c in cells]
                    continue
                if any(c.strip() for c in cells):
                    rows.append((line, cells + [""] * (len(header) - len(cells))))
            sheets[name] = Sheet(name, f"{path.name}[{name}]", header, rows)
    finally:
        book.close()
    if not sheets:
        raise CjcaseError(f"{path.name} has none of the sheets clients, episodes, sessions, goals, "
                          "court_dates, tops.")
    return sheets


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() and not (
            value.hour or value.minute) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- checking


class _Checker:
    """Checks every sheet and collects every problem, so one report lists them all."""

    def __init__(self, db: sqlite_utils.Database, sheets: dict[str, Sheet], today: date):
        self.db = db
        self.sheets = sheets
        self.today = today
        self.problems: list[Problem] = []
        self.rows: dict[str, list[Row]] = {name: [] for name in ORDER}

    def problem(self, sheet: Sheet, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(sheet.file, line, column, message))

    def run(self) -> None:
        for name in ORDER:
            if name in self.sheets:
                self.check_sheet(self.sheets[name])
        self.check_client_refs()
        self.check_episodes()

    def check_sheet(self, sheet: Sheet) -> None:
        _, spec, key_fields = SHEETS[sheet.name]
        allowed = IMPORT_COLUMNS[sheet.name] + (() if sheet.name == "clients" else ("client_ref",))
        required = [n for n in allowed if n == "client_ref" or (n in spec and spec[n].required)]
        for column in required:
            if column not in sheet.header:
                self.problem(sheet, 1, column, "required column is missing")
        seen_columns = set()
        for column in sheet.header:
            if column in seen_columns:
                self.problem(sheet, 1, column, "this column appears twice in the header")
            seen_columns.add(column)
            if column not in allowed:
                self.problem(sheet, 1, column or "(empty)",
                             f"unknown column: {sheet.file} takes {', '.join(allowed)}")
        known = [(i, c) for i, c in enumerate(sheet.header) if c in allowed]
        keys: dict[tuple, int] = {}
        for line, cells in sheet.rows:
            if len(cells) != len(sheet.header):
                self.problem(sheet, line, "(row)",
                             f"{len(cells)} cells where the header has {len(sheet.header)}: "
                             "put free text containing commas in double quotes")
                continue
            values = {column: cells[i] for i, column in known}
            client_ref = values.pop("client_ref", "").strip() if sheet.name != "clients" else \
                values.get("client_ref", "").strip()
            if sheet.name != "clients" and not client_ref and "client_ref" in sheet.header:
                self.problem(sheet, line, "client_ref", "the client reference is required")
                continue
            clean, problems = rules.check_fields(
                {n: f for n, f in spec.items() if n in values or f.required and n in sheet.header},
                values)
            problems += self.cross_field(sheet.name, clean, problems)
            for error in problems:
                self.problem(sheet, line, error.field, _lower_first(error.message))
            if problems:
                continue
            row = Row(sheet.name, line, client_ref, clean)
            key = row.key()
            if key in keys:
                self.problem(sheet, line, key_fields[-1],
                             f"the same {' + '.join(('client_ref',) + key_fields) if sheet.name != 'clients' else 'client_ref'} "
                             f"is on line {keys[key]} already")
                continue
            keys[key] = line
            self.rows[sheet.name].append(row)

    def cross_field(self, name: str, clean: dict, problems: list) -> list[ValidationError]:
        if problems:
            return []
        if name == "clients":
            return rules.check_client(clean, self.today)
        if name == "episodes":
            return rules.check_episode(clean)
        if name == "goals":
            return rules.check_goal(clean)
        if name == "consents":
            return rules.check_consent(clean)
        return []

    def check_client_refs(self) -> None:
        imported = {row.client_ref: row for row in self.rows["clients"]}
        refs = {ref for name in ORDER[1:] for ref in (r.client_ref for r in self.rows[name])}
        existing = self.existing_clients(refs - set(imported))
        self.dob = {ref: row["date_of_birth"] for ref, row in existing.items()}
        self.dob.update({ref: row.values["date_of_birth"] for ref, row in imported.items()})
        for name in ORDER[1:]:
            kept = []
            for row in self.rows[name]:
                if row.client_ref in self.dob:
                    kept.append(row)
                else:
                    self.problem(self.sheets[name], row.line, "client_ref",
                                 f"no client has the reference {row.client_ref}: add them to clients.csv")
            self.rows[name] = kept

    def existing_clients(self, refs: Iterable[str]) -> dict[str, dict]:
        return {row["client_ref"]: row for row in query_in(
            self.db, "SELECT id, client_ref, date_of_birth FROM clients WHERE client_ref IN ({marks})", refs)}

    def check_episodes(self) -> None:
        sheet = self.sheets.get("episodes")
        if sheet is None:
            return
        by_client: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows["episodes"]:
            problem = rules.check_adult(self.dob[row.client_ref], row.values["referral_date"])
            if problem:
                self.problem(sheet, row.line, "referral_date", _lower_first(problem.message))
                continue
            by_client[row.client_ref].append({**row.values, "_line": row.line})
        existing = self.existing_episodes(by_client)
        for ref, episodes in by_client.items():
            imported_keys = {e["referral_date"] for e in episodes}
            others = [e for e in existing.get(ref, []) if e["referral_date"] not in imported_keys]
            placed: list[dict] = list(others)
            for episode in sorted(episodes, key=lambda e: e["_line"]):
                clash = next((p for p in placed if rules.overlap(p, episode)), None)
                if clash:
                    where = f"line {clash['_line']}" if "_line" in clash else "the database"
                    self.problem(sheet, episode["_line"], "referral_date",
                                 f"this episode overlaps the one referred on {clash['referral_date']} "
                                 f"({where}): a new referral must come after the earlier discharge")
                else:
                    placed.append(episode)

    def existing_episodes(self, by_client) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = defaultdict(list)
        for row in query_in(
            self.db, "SELECT c.client_ref, e.referral_date, e.discharge_date FROM episodes e "
            "JOIN clients c ON c.id = e.client_id WHERE c.client_ref IN ({marks})", by_client):
            found[row["client_ref"]].append(row)
        return found


def _lower_first(message: str) -> str:
    message = message.rstrip(".")
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message


# ---------------------------------------------------------------- writing


def import_path(
    db: sqlite_utils.Database,
    path: Path,
    today: date,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check and import a folder or workbook in one transaction; raise ImportRejected with
    every problem. With `dry_run`, check and count what would change, writing nothing."""
    sheets = read_sheets(path)
    checker = _Checker(db, sheets, today)
    checker.run()
    if checker.problems:
        raise ImportRejected(checker.problems)
    report = ImportReport(dry_run=dry_run)
    try:
        with db.atomic():
            _write(db, checker.rows, report, progress)
            if dry_run:
                # Counting needs the same comparisons as writing: doing the work and rolling
                # it back is the surest way for a dry run to report what a real run does.
                raise _RollBack()
    except _RollBack:
        pass
    except INTEGRITY_ERRORS as error:
        raise CjcaseError(f"Nothing was imported: the database refused a row ({error}).") from None
    return report


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run."""


def _write(db, rows: dict[str, list[Row]], report: ImportReport, progress) -> None:
    touched: dict[int, dict[str, int]] = defaultdict(dict)
    client_ids = _write_clients(db, rows["clients"], report, progress, touched)
    refs = {r.client_ref for name in ORDER[1:] for r in rows[name]} - set(client_ids)
    for row in query_in(db, "SELECT id, client_ref FROM clients WHERE client_ref IN ({marks})", refs):
        client_ids[row["client_ref"]] = row["id"]
    for name in ORDER[1:]:
        _write_children(db, name, rows[name], client_ids, report, progress, touched)
    for client_id, tables in touched.items():
        write_audit(db, "import", "client", client_id, client_id,
                    ", ".join(f"{table} {n}" for table, n in sorted(tables.items())))
    summary = ", ".join(f"{name} +{c.created} ~{c.updated}" for name, c in report.counts.items())
    write_audit(db, "import", "import", None, None, summary)


def _existing(db, table: str, key_columns: list[str], client_ids: Iterable[int]) -> dict[tuple, dict]:
    column = "id" if table == "clients" else "client_id"
    return {tuple(row[c] for c in key_columns): row
            for row in query_in(db, f"SELECT * FROM {table} WHERE {column} IN ({{marks}})", client_ids)}


def _write_clients(db, rows: list[Row], report, progress, touched) -> dict[str, int]:
    spec = rules.CLIENT
    existing = {row["client_ref"]: row for row in query_in(
        db, "SELECT * FROM clients WHERE client_ref IN ({marks})", (r.client_ref for r in rows))}
    counts = report.counts["clients"]
    ids: dict[str, int] = {}
    inserts = []
    for done, row in enumerate(rows, start=1):
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
        _insert_many(db, "clients", inserts)
        counts.created += len(inserts)
        for row in query_in(db, "SELECT id, client_ref FROM clients WHERE client_ref IN ({marks})",
                            (v["client_ref"] for v in inserts)):
            ids[row["client_ref"]] = row["id"]
            touched[row["id"]]["clients"] = 1
    if progress:
        progress("clients", len(rows), len(rows))
    return ids


def _write_children(db, name, rows: list[Row], client_ids, report, progress, touched) -> None:
    table, spec, key_fields = SHEETS[name]
    key_columns = ["client_id", *((spec[k].column or k) for k in key_fields)]
    existing = _existing(db, table, key_columns, {client_ids[r.client_ref] for r in rows})
    counts = report.counts[name]
    inserts, updates = [], []
    for row in rows:
        client_id = client_ids[row.client_ref]
        values = {**columns_of(spec, row.values), "client_id": client_id}
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
    batch = 5000
    for start in range(0, len(inserts), batch):
        _insert_many(db, table, inserts[start:start + batch])
        if progress:
            progress(name, min(start + batch, len(inserts)), len(inserts))
    counts.created += len(inserts)


def _insert_many(db, table: str, rows: list[dict]) -> None:
    columns = sorted({c for row in rows for c in row})
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    db.conn.executemany(sql, [[row.get(c) for c in columns] for row in rows])


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")
