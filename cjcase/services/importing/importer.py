"""Imports a caseload from the spreadsheet format of DOMAIN.md, all or nothing."""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlite_utils

from cjcase.domain import rules
from cjcase.domain.errors import CjcaseError, ImportRejected, ValidationError
from cjcase.services.audit import write_audit
from cjcase.services.caseload import columns_of
from cjcase.store.database import INTEGRITY_ERRORS

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
        part = values[start : start + _IN_CHUNK]
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
    """One table of the import: its file name, header, and its (line, cells) rows, read as the
    import goes so that a large file is never held in memory whole."""

    name: str
    file: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size_hint: int = 0  # about how many rows, for progress
    writable: bool = True  # False when its columns are wrong: checked for the report only


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


def read_sheets(path: Path, files: contextlib.ExitStack) -> dict[str, Sheet]:
    """The sheets of a folder of CSV files or of an .xlsx workbook, by entity name; the files
    stay open on `files` while the rows are read."""
    path = Path(path)
    if path.is_dir():
        sheets = {}
        for name in ORDER:
            file = path / f"{name}.csv"
            if file.exists():
                sheets[name] = _read_csv(file, file.name, files)
        if not sheets:
            raise CjcaseError(
                f"{path} holds none of the import files: clients.csv, episodes.csv, sessions.csv, "
                "goals.csv, court_dates.csv, tops.csv, consents.csv."
            )
        return sheets
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return _read_xlsx(path, files)
    if not path.exists():
        raise CjcaseError(f"There is no file or folder at {path}.")
    raise CjcaseError(f"{path} is neither a folder of CSV files nor an .xlsx workbook.")


def _check_utf8(file: Path, display: str) -> int:
    """Refuse a file that is not UTF-8 before anything is read from it; count its lines."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise CjcaseError(
                    f"{display} is not UTF-8 text (byte {offset + error.start}): save it as 'CSV UTF-8' "
                    "and import again."
                ) from None
            offset += len(chunk)
            lines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CjcaseError(
            f"{display} is not UTF-8 text (it ends part way through a character): "
            "save it as 'CSV UTF-8' and import again."
        ) from None
    return lines


def _read_csv(file: Path, display: str, files: contextlib.ExitStack) -> Sheet:
    lines = _check_utf8(file, display)
    handle = files.enter_context(open(file, encoding="utf-8-sig", newline=""))
    reader = csv.reader(handle)
    header: list[str] = []
    try:
        for cells in reader:
            header = [cell.strip() for cell in cells]
            if header:
                break
    except csv.Error as error:
        raise _unreadable(display, reader, error) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        last_line = reader.line_num
        try:
            for cells in reader:
                first_line = last_line + 1
                last_line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines, as spreadsheets leave at the end
                yield first_line, cells
        except csv.Error as error:
            raise _unreadable(display, reader, error) from None

    return Sheet(file.stem, display, header, rows(), max(lines - 1, 0))


def _unreadable(display: str, reader, error: csv.Error) -> CjcaseError:
    """The sentence for a file the CSV reader cannot parse, at the line it stopped on."""
    return CjcaseError(f"{display}:{reader.line_num}: the CSV cannot be read ({error}).")


def _read_xlsx(path: Path, files: contextlib.ExitStack) -> dict[str, Sheet]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise CjcaseError(f"{path.name} cannot be opened as a workbook ({error}).") from None
    files.callback(book.close)
    sheets = {}
    for name in ORDER:
        if name not in book.sheetnames:
            continue
        worksheet = book[name]
        lines = enumerate(worksheet.iter_rows(values_only=True), start=1)
        header: list[str] = []
        for _line, values in lines:
            header = [cell.strip() for cell in _row_text(values)]
            if header:
                break
        sheets[name] = Sheet(
            name, f"{path.name}[{name}]", header, _xlsx_rows(lines, len(header)), max((worksheet.max_row or 1) - 1, 0)
        )
    if not sheets:
        raise CjcaseError(f"{path.name} has none of the sheets clients, episodes, sessions, goals, court_dates, tops.")
    return sheets


def _xlsx_rows(lines, width: int) -> Iterator[tuple[int, list[str]]]:
    for line, values in lines:
        cells = _row_text(values)
        if any(cell.strip() for cell in cells):
            yield line, cells + [""] * (width - len(cells))


def _row_text(values) -> list[str]:
    """A worksheet row as text, without the empty cells a spreadsheet leaves after the last."""
    cells = [_cell_text(value) for value in values]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d")
            if value.time() == datetime.min.time() and not (value.hour or value.minute)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- checking and writing

# Every sheet but episodes is checked and written a batch at a time; episodes are checked
# whole, against each other, and are few beside sessions.
STREAMED = ("sessions", "goals", "court_dates", "tops", "consents")
_BATCH = 5000


class _Import:
    """Checks every row and writes the rows that pass, inside the caller's transaction, which
    is rolled back when any row had a problem: one report lists every problem, and nothing is
    half imported. Rows are read, checked and written in batches, so memory stays flat however
    long the history."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        sheets: dict[str, Sheet],
        today: date,
        report: ImportReport,
        progress: ProgressCallback | None,
    ):
        self.db = db
        self.sheets = sheets
        self.today = today
        self.report = report
        self.progress = progress
        self.problems: list[Problem] = []
        self.client_ids: dict[str, int] = {}
        self.touched: dict[int, dict[str, int]] = defaultdict(dict)

    def problem(self, sheet: Sheet, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(sheet.file, line, column, message))

    def run(self) -> None:
        for name in ORDER:
            if name in self.sheets and not self.check_header(self.sheets[name]):
                # Its rows are still checked, for the report, but never written: a missing
                # column would otherwise reach the database as an empty required field.
                self.sheets[name].writable = False
        # Keys already seen in this import, to find a row given twice, kept out of memory.
        self.db.execute("CREATE TEMP TABLE import_keys (key TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")
        try:
            if "clients" in self.sheets:
                self.stream(self.sheets["clients"])
            if "episodes" in self.sheets:
                sheet = self.sheets["episodes"]
                episodes = self.known_clients(sheet, self.unique(sheet, list(self.checked_rows(sheet))))
                episodes = self.check_episodes(sheet, episodes)
                if sheet.writable:
                    _write_children(
                        self.db, "episodes", episodes, self.client_ids, self.report, self.progress, self.touched
                    )
            for name in STREAMED:
                if name in self.sheets:
                    self.stream(self.sheets[name])
        finally:
            self.db.execute("DROP TABLE IF EXISTS temp.import_keys")
        if not self.problems:
            for client_id, tables in self.touched.items():
                write_audit(
                    self.db,
                    "import",
                    "client",
                    client_id,
                    client_id,
                    ", ".join(f"{table} {n}" for table, n in sorted(tables.items())),
                )
            summary = ", ".join(f"{name} +{c.created} ~{c.updated}" for name, c in self.report.counts.items())
            write_audit(self.db, "import", "import", None, None, summary)

    def stream(self, sheet: Sheet) -> None:
        done = 0
        rows = self.checked_rows(sheet)
        while batch := list(itertools.islice(rows, _BATCH)):
            kept = self.unique(sheet, batch)
            if sheet.name == "clients":
                if sheet.writable:
                    self.client_ids.update(_write_clients(self.db, kept, self.report, self.touched))
            else:
                kept = self.known_clients(sheet, kept)
                if sheet.writable:
                    _write_children(self.db, sheet.name, kept, self.client_ids, self.report, None, self.touched)
            done += len(batch)
            if self.progress:
                self.progress(sheet.name, done, max(done, sheet.size_hint))

    def check_header(self, sheet: Sheet) -> bool:
        """Report what is wrong with a sheet's columns; True when nothing is."""
        before = len(self.problems)
        _, spec, _ = SHEETS[sheet.name]
        allowed = self.allowed(sheet)
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
                self.problem(sheet, 1, column or "(empty)", f"unknown column: {sheet.file} takes {', '.join(allowed)}")
        return len(self.problems) == before

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
            return rules.check_episode(clean)
        if name == "goals":
            return rules.check_goal(clean)
        if name == "consents":
            return rules.check_consent(clean)
        return []

    def unique(self, sheet: Sheet, rows: list[Row]) -> list[Row]:
        """The rows whose key no earlier row of the sheet had; a repeat is a problem on its line."""
        key_fields = SHEETS[sheet.name][2]
        label = " + ".join(("client_ref",) + key_fields) if sheet.name != "clients" else "client_ref"

        def repeated(row: Row, earlier_line: int) -> None:
            self.problem(sheet, row.line, key_fields[-1], f"the same {label} is on line {earlier_line} already")

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
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message


def import_path(
    db: sqlite_utils.Database,
    path: Path,
    today: date,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check and import a folder or workbook in one transaction; raise ImportRejected with
    every problem. With `dry_run`, check and count what would change, writing nothing."""
    report = ImportReport(dry_run=dry_run)
    with contextlib.ExitStack() as files:
        sheets = read_sheets(path, files)
        run = _Import(db, sheets, today, report, progress)
        try:
            with db.atomic():
                run.run()
                if run.problems or dry_run:
                    # A dry run does the work and rolls it back: the surest way for it to count
                    # what a real run would do.
                    raise _RollBack()
        except _RollBack:
            pass
        except INTEGRITY_ERRORS as error:
            raise CjcaseError(f"Nothing was imported: the database refused a row ({error}).") from None
    if run.problems:
        raise ImportRejected(run.problems)
    return report


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a rejected import."""


def _existing(db, table: str, key_columns: list[str], client_ids: Iterable[int]) -> dict[tuple, dict]:
    column = "id" if table == "clients" else "client_id"
    return {
        tuple(row[c] for c in key_columns): row
        for row in query_in(db, f"SELECT * FROM {table} WHERE {column} IN ({{marks}})", client_ids)
    }


def _write_clients(db, rows: list[Row], report, touched) -> dict[str, int]:
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
        _insert_many(db, "clients", inserts)
        counts.created += len(inserts)
        for created in query_in(
            db, "SELECT id, client_ref FROM clients WHERE client_ref IN ({marks})", (v["client_ref"] for v in inserts)
        ):
            ids[created["client_ref"]] = created["id"]
            touched[created["id"]]["clients"] = 1
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
    for start in range(0, len(inserts), _BATCH):
        _insert_many(db, table, inserts[start : start + _BATCH])
        if progress:
            progress(name, min(start + _BATCH, len(inserts)), len(inserts))
    counts.created += len(inserts)


def _insert_many(db, table: str, rows: list[dict]) -> None:
    columns = sorted({c for row in rows for c in row})
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    values: Iterable[Any]
    if len(columns) > 1 and all(len(row) == len(columns) for row in rows):
        values = map(itemgetter(*columns), rows)  # every row has every column: the quick way
    else:
        values = ([row.get(c) for c in columns] for row in rows)
    db.conn.executemany(sql, values)


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")
