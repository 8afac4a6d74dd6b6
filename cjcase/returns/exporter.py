"""Runs an export: build, check for identifiers and data quality, write, audit."""

from __future__ import annotations

import errno
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlite_utils

from cjcase.domain.dates import Period
from cjcase.domain.errors import CjcaseError, IncompleteData, SmallGroupsRefused, UserError
from cjcase.returns import groups, guard, writers
from cjcase.returns.build import ReturnTable, build
from cjcase.returns.groups import SmallGroups
from cjcase.returns.quality import Finding, findings, notes
from cjcase.returns.template import Template
from cjcase.services import keys, settings
from cjcase.services.audit import write_audit
from cjcase.services.caseload import Caseload


@dataclass
class Prepared:
    """A return ready to write: its table (already checked by the guard), its findings and the
    guard's warnings (a label that is also someone's name)."""

    table: ReturnTable
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)
    small_groups: SmallGroups | None = None
    # Data-quality notes: records to put right that change none of this return's figures.
    notes: list[Finding] = field(default_factory=list)


@dataclass
class Written:
    """A return that was written."""

    path: Path
    sha256: str
    format: str
    prepared: Prepared


@dataclass
class ExportRecord:
    """One line of the export history: `at` is the time it was written, in UTC."""

    at: str
    template: str
    detail: str


def threshold_for(template: Template, suppress: int | None, no_suppress: bool) -> int | None:
    """The suppression threshold: the option, else the template's default."""
    if no_suppress and suppress is not None:
        raise UserError(
            "--suppress and --no-suppress contradict each other: give one of them "
            "(--suppress 5 hides counts of 1 to 4; --no-suppress shows every count)."
        )
    if no_suppress:
        return None
    if suppress is not None:
        if suppress < 1:
            raise CjcaseError(
                "--suppress takes a threshold of 1 or more (5 hides counts of 1 to 4); "
                "use --no-suppress to show every count."
            )
        return suppress
    return template.suppression


def prepare(
    db: sqlite_utils.Database, template: Template, period: Period, threshold: int | None, now: datetime
) -> Prepared:
    """Build a return and check it; raises IdentifierInReturn when a cell would identify someone."""
    table = build(db, template, period, threshold)
    warnings = guard.check(table, db)
    return Prepared(table, findings(db, period, now), warnings, groups.check(table), notes(db, period, now))


def prepare_for(
    caseload: Caseload, template: Template, period: Period, threshold: int | None, now: datetime
) -> Prepared:
    """`prepare` for the caseload a screen holds, read on the calling thread's own connection
    (the Returns screen prepares a return off the event loop)."""
    return prepare(caseload.reader().db, template, period, threshold, now)


def write_for(
    caseload: Caseload,
    prepared: Prepared,
    fmt: str,
    path: Path,
    now: datetime,
    allow_incomplete: bool = False,
    allow_small_groups: bool = False,
) -> Written:
    """`write` for the caseload a screen holds."""
    return write(
        caseload.db, prepared, fmt, path, now, allow_incomplete=allow_incomplete, allow_small_groups=allow_small_groups
    )


def default_path(template: Template, period: Period, fmt: str, out: Path | None) -> Path:
    """Where to write: `out`, or a default name inside `out` (a folder) or the current folder."""
    name = f"{template.name}_{re.sub(r'[^A-Za-z0-9-]+', '_', period.label)}.{fmt}"
    if out is None:
        return Path.cwd() / name
    if out.is_dir():
        return out / name
    return out


def organisation(db: sqlite_utils.Database) -> str:
    """The organisation named on return covers."""
    return settings.get(db, "organisation") or "(not set: give it once with --organisation)"


def set_organisation(db: sqlite_utils.Database, name: str) -> None:
    """Remember the organisation's name for return covers."""
    settings.set_value(db, "organisation", name)


def write(
    db: sqlite_utils.Database,
    prepared: Prepared,
    fmt: str,
    path: Path,
    now: datetime,
    allow_incomplete: bool = False,
    allow_small_groups: bool = False,
) -> Written:
    """Write a prepared return and record it in the audit log with the file's SHA-256."""
    table = prepared.table
    if fmt not in table.template.formats:
        raise CjcaseError(
            f"The template {table.template.name} is written as {', '.join(table.template.formats)}, not {fmt}."
        )
    if prepared.findings and not allow_incomplete:
        raise IncompleteData(prepared.findings)
    small = prepared.small_groups
    if small and not allow_small_groups:
        raise SmallGroupsRefused(f"Nothing was written: {small.sentence()}")
    table.notes = _group_notes(table, small)
    org = organisation(db)
    problems = [f.message for f in prepared.findings]
    # The notes go on the cover as notes, apart from the problems: their message only, since a
    # client reference is never written into a return.
    quality_notes = [f.message for f in prepared.notes]
    notes = None
    if fmt == "csv":
        content = writers.to_csv(table)
        # The CSV stays the contract's three columns; its caveats go in a sidecar beside it.
        notes = writers.notes_text(table, org, problems, now.date(), quality_notes)
    elif fmt == "json":
        content = writers.to_json(table, org, problems, now.date(), quality_notes)
    else:
        content = writers.to_xlsx(table, org, problems, now.date(), quality_notes)
    target = writers.check_target(path, getattr(db, "path", None))
    notes_target = writers.check_target(writers.notes_path(target), getattr(db, "path", None)) if notes else None
    try:
        if notes is not None and notes_target is not None:
            writers.write_atomically(notes_target, notes)
        writers.write_atomically(target, content)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise CjcaseError(
                f"Could not write {path}: the disk is full. Nothing was written; free some space "
                "or choose another --out on a disk with room."
            ) from None
        raise CjcaseError(
            f"Could not write {path} ({error.strerror}); nothing was written: choose another --out."
        ) from None
    digest = hashlib.sha256(content).hexdigest()
    # The file is kept only once its audit row has committed: beside an editing session the row
    # waits its turn, and a return that could not be recorded is not left behind.
    try:
        with db.atomic():
            write_audit(
                db,
                "export",
                table.template.name,
                None,
                None,
                f"period {table.period.label}; format {fmt}; "
                f"suppression {table.suppression or 'none'}; sha256 {digest}; file {logged_path(db, path)}; "
                + (f"notes {logged_path(db, writers.notes_path(path))}; " if notes is not None else "")
                + f"organisation {org}; user {os_user()}; "
                f"allow_incomplete {'yes' if allow_incomplete else 'no'}; "
                + (
                    f"min_group {table.template.min_group}; small_group_rows {small.rows if small else 0}; "
                    f"allow_small_groups {'yes' if allow_small_groups else 'no'}; "
                    if table.template.kind == "extract"
                    else ""
                )
                + f"problems {' | '.join(problems) if problems else 'none'}",
            )
    except BaseException as error:
        for written in (target, notes_target):
            if written is not None:
                written.unlink(missing_ok=True)
        if isinstance(error, CjcaseError):
            raise CjcaseError(
                f"{error} The return was not kept ({path}): every export is recorded in the caseload's "
                "log, and this one could not be. Try again in a moment."
            ) from None
        raise
    return Written(path, digest, fmt, prepared)


def _group_notes(table: ReturnTable, small: SmallGroups | None) -> list[tuple[str, str]]:
    """The cover's words on small groups, for an extract."""
    template = table.template
    if template.kind != "extract":
        return []
    if not template.min_group:
        return [("Small groups", f"Not checked (min_group = 0): {template.min_group_reason}")]
    if small:
        return [
            (
                "Small groups",
                f"Written with --allow-small-groups: {small.rows} row{' is' if small.rows == 1 else 's are'} "
                f"in groups smaller than {small.min_group} (rows sharing every value but pseudo_id and the "
                "counts), so those people could be singled out.",
            )
        ]
    return [
        (
            "Small groups",
            f"Every combination of values other than pseudo_id and the counts is shared by at least "
            f"{template.min_group} rows.",
        )
    ]


def os_user() -> str:
    """The operating-system user writing the return, for the export log."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "(unknown)"


def logged_path(db: sqlite_utils.Database, path: Path) -> str:
    """How the export log names a file: its folder and the keyed hash of its name, never the name,
    which may hold a client's (and would outlive their erasure). `name_hash` finds it again."""
    return f"{path.resolve().parent}{os.sep}<name {name_hash(db, path.name)}>"


def name_hash(db: sqlite_utils.Database, name: str) -> str:
    """The keyed hash the export log keeps of a file's name."""
    return keys.pseudo_id(keys.get_key(db), name)


def history(db: sqlite_utils.Database) -> list[ExportRecord]:
    """Every export written, latest first."""
    return [
        ExportRecord(row["at"], row["entity"], row["detail"])
        for row in db.query(
            "SELECT at, entity, detail FROM audit WHERE action = 'export' AND entity != 'pseudonym_key' "
            "ORDER BY id DESC"
        )
    ]
