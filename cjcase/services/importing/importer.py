"""Imports a caseload from the spreadsheet format of DOMAIN.md, all or nothing."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlite_utils

from cjcase.domain.errors import CjcaseError, ImportRejected
from cjcase.services.audit import write_audit
from cjcase.services.importing import legal, tops
from cjcase.services.importing.checks import Checker
from cjcase.services.importing.deaths import import_deaths
from cjcase.services.importing.interventions import import_interventions
from cjcase.services.importing.linked import check_linked
from cjcase.services.importing.readers import read_sheets
from cjcase.services.importing.releases import import_releases, take_v1_dates, write_v1_releases
from cjcase.services.importing.safeguarding import import_safeguarding
from cjcase.services.importing.sheets import ORDER, Sheet
from cjcase.services.importing.writer import write_children, write_clients
from cjcase.store.bulk import page_cache
from cjcase.store.database import INTEGRITY_ERRORS

ProgressCallback = Callable[[str, int, int], None]
IMPORT_CACHE_KIB = 64 * 1024  # SQLite's page cache during an import; its default is 2 MB


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


# Every sheet but episodes is checked and written a batch at a time; episodes are checked
# whole, against each other, and are few beside sessions.
STREAMED = ("custody_events", "sessions", "goals", "court_dates", "tops", "consents")
_BATCH = 5000


class _Import(Checker):
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
        super().__init__(db, today)
        self.sheets = sheets
        self.report = report
        self.progress = progress
        self.touched: dict[int, dict[str, int]] = defaultdict(dict)

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
            from_episodes: list = []
            if "episodes" in self.sheets:
                sheet = self.sheets["episodes"]
                episodes = self.known_clients(sheet, self.unique(sheet, list(self.checked_rows(sheet))))
                episodes, derived = legal.split_episodes(self, self.check_episodes(sheet, episodes))
                v1_dates = take_v1_dates(episodes) if sheet.writable else []
                if sheet.writable:
                    write_children(
                        self.db, "episodes", episodes, self.client_ids, self.report, self.progress, self.touched
                    )
                from_episodes = legal.write_episode_requirements(self, sheet, derived)
            if "releases" in self.sheets:
                import_releases(self, self.sheets["releases"])
            if "episodes" in self.sheets:
                write_v1_releases(self, v1_dates)
            legal.import_legal(self, self.sheets, from_episodes)
            for name in STREAMED:
                if name in self.sheets:
                    self.stream(self.sheets[name])
            # The clinical records, in DOMAIN.md's order: deaths last, as they are checked
            # against everything else the client has.
            for name, import_sheet in (
                ("interventions", import_interventions),
                ("safeguarding", import_safeguarding),
                ("deaths", import_deaths),
            ):
                if name in self.sheets:
                    import_sheet(self, self.sheets[name])
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
                    self.client_ids.update(write_clients(self.db, kept, self.report, self.touched))
            else:
                kept = check_linked(self, sheet, self.known_clients(sheet, kept))
                if sheet.name == "tops":
                    kept = tops.with_discharge(self, sheet, kept)
                if sheet.writable:
                    write_children(self.db, sheet.name, kept, self.client_ids, self.report, None, self.touched)
            done += len(batch)
            if self.progress:
                self.progress(sheet.name, done, max(done, sheet.size_hint))


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
        # A file in date order writes beside every client's rows in the client-first indexes in
        # every batch: the cache holds those pages (about 24 MB at 3,000 clients) between batches.
        files.enter_context(page_cache(db, IMPORT_CACHE_KIB))
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
        raise ImportRejected(run.problems, run.unlisted)
    return report


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a rejected import."""
