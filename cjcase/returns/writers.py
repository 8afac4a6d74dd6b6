"""Writes a built return as CSV, JSON or XLSX, to a temporary name first, then into place."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from cjcase.returns.build import SUPPRESSED, Cell, ReturnTable

# What a spreadsheet reads as the start of a formula (a tab or carriage return before one is
# dropped by some of them, so it counts too).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Escape text a spreadsheet would run as a formula (formula injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except ArithmeticError:
        return False


def cell_text(cell: Cell) -> str:
    """A cell as CSV text: rates with one decimal, empty for none."""
    if cell is None:
        return ""
    return safe_text(str(cell))


def to_csv(table: ReturnTable) -> bytes:
    """UTF-8 without BOM, LF line endings, a header row."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_text(label) for label in table.header])  # labels come from templates
    for row in table.rows:
        writer.writerow([cell_text(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _json_cell(cell: Cell):
    if isinstance(cell, Decimal):
        return float(cell)
    return cell


def to_json(
    table: ReturnTable, organisation: str, findings: list[str], as_at: date, quality_notes: Sequence[str] = ()
) -> bytes:
    """Counts as numbers, rates as numbers or null, suppressed values as "*"; the cover's
    caveats as `notes`, the data-quality problems as `problems` and the data-quality notes
    (records to put right that change none of the figures) as `quality_notes`."""
    if table.template.kind == "aggregate":
        rows = [{"measure": m, "group": g, "value": _json_cell(v)} for m, g, v in table.rows]
    else:
        rows = [
            {column: _json_cell(cell) for column, cell in zip(table.header, row, strict=False)} for row in table.rows
        ]
    document = {
        "template": table.template.name,
        "period": {
            "label": table.period.label,
            "start": table.period.start.isoformat(),
            "end": table.period.end.isoformat(),
        },
        "suppression": table.suppression or None,
        "notes": {
            label: text
            for label, text in cover_lines(table, organisation, findings, as_at, quality_notes)
            if label and text
        },
        "problems": list(findings),
        "quality_notes": list(quality_notes),
        "rows": rows,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 thing`, `2 things`."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def cover_lines(
    table: ReturnTable, organisation: str, findings: list[str], as_at: date, quality_notes: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """What the cover says: the return, who, when, how it was protected, what is doubtful, and
    the data-quality notes (records to put right that change none of these figures; never a
    client reference)."""
    threshold = table.suppression
    suppression = (
        f"Counts from 1 to {threshold - 1} are shown as *; a rate whose numerator or denominator "
        "is hidden is shown as *. Zero is shown. There is no secondary suppression: a hidden "
        "cell may be recoverable from the 'all' row minus the others."
        if threshold and threshold > 1
        else "No small-number suppression was applied."
    )
    if table.template.kind == "extract":
        suppression = (
            "Record-level pseudonymised extract: no suppression; pseudo_id is a keyed hash of the client reference"
            + (f", keyed for {table.template.recipient} alone." if table.template.recipient else ".")
        )
    extra = []
    if table.template.kind == "extract":
        withheld = table.withheld_count
        extra.append(
            (
                "Consent",
                (
                    f"{plural(withheld, 'row is', 'rows are')} of clients who did not consent to NDTMS: "
                    "such a row gives only pseudo_id and CONSENT, as NDTMS does."
                    if table.template.records == "tops"
                    else f"{plural(withheld, 'row is', 'rows are')} of clients who did not consent to "
                    "sharing: such a row gives only pseudo_id, attended_in_period and dna_in_period."
                )
                if withheld
                else (
                    "No client in this extract has said no to NDTMS."
                    if table.template.records == "tops"
                    else "Every client in this extract consented to sharing."
                ),
            )
        )
    else:
        extra.append(("Empty rate", "A rate is left empty when its denominator is 0: there is nothing to divide by."))
    lines = [
        ("Return", table.template.title),
        ("Organisation", organisation),
        ("Period", f"{table.period.label} ({table.period.start:%d/%m/%Y} to {table.period.end:%d/%m/%Y})"),
        ("Figures as at", f"{as_at:%d/%m/%Y}"),
        ("Template", table.template.name),
        ("Suppression", suppression),
        ("*", "A value hidden by small-number suppression." if table.template.kind == "aggregate" else ""),
        *extra,
        *table.notes,
        (
            "Data quality",
            ("No problems found." if not quality_notes else "Nothing makes these figures doubtful.")
            if not findings
            else f"{plural(len(findings), 'thing makes', 'things make')} these figures doubtful:",
        ),
    ]
    lines += [("", finding) for finding in findings]
    if quality_notes:
        lines.append(
            (
                "Data-quality notes",
                f"{plural(len(quality_notes), 'thing', 'things')} to put right in the records "
                "(none of them changes these figures):",
            )
        )
        lines += [("", note) for note in quality_notes]
    return lines


def notes_text(
    table: ReturnTable, organisation: str, findings: list[str], as_at: date, quality_notes: Sequence[str] = ()
) -> bytes:
    """The sidecar of a CSV return (`<name>.notes.txt`): what the XLSX cover says, as text."""
    lines = []
    for label, text in cover_lines(table, organisation, findings, as_at, quality_notes):
        if label:
            lines.append(f"{label}: {text}" if text else f"{label}:")
        else:
            lines.append(f"  - {text}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def notes_path(path: Path) -> Path:
    """Where a CSV return's notes go: beside it, `<name>.notes.txt`."""
    return path.with_name(f"{path.stem}.notes.txt")


def _footer_text(text: str) -> str:
    # In a header or footer, & starts a code (&P, &N): a literal ampersand is &&.
    return text.replace("&", "&&")


def _print_settings(sheet, footer: str, organisation: str, repeat_header: bool) -> None:
    """Fit one page wide, page numbers and the return named in the footer, the header on every page."""
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.left.text = _footer_text(footer)
    sheet.oddFooter.center.text = "Page &P of &N"
    sheet.oddFooter.right.text = _footer_text(organisation)
    if repeat_header:
        sheet.print_title_rows = "1:1"


def _fit_columns(sheet, minimum: int = 8, maximum: int = 80) -> None:
    """Each column as wide as its longest value (within bounds), so no label is cut."""
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        longest = max((len(_shown(value)) for value in column), default=0)
        sheet.column_dimensions[get_column_letter(index)].width = min(maximum, max(minimum, longest + 2))


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def to_xlsx(
    table: ReturnTable, organisation: str, findings: list[str], as_at: date, quality_notes: Sequence[str] = ()
) -> bytes:
    """A cover sheet, one sheet of rows and a sheet of definitions, ready to print; the same
    data gives the same bytes (every timestamp inside the file is the day the figures are as at)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from cjcase.returns.definitions import COLUMN_DEFINITIONS, MEASURE_DEFINITIONS, group_words

    aggregate = table.template.kind == "aggregate"
    footer = f"{table.template.title}, {table.period.label}"
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    for label, value in cover_lines(table, organisation, findings, as_at, quality_notes):
        cover.append([label, safe_text(value)])
    for cell in cover["A"]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    for cell in cover["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        # Spreadsheets do not grow a wrapped row by themselves when opening a file.
        cover.row_dimensions[cell.row].height = 15 * (len(str(cell.value or "")) // 75 + 1)
    cover.column_dimensions["A"].width = 16
    cover.column_dimensions["B"].width = 70
    _print_settings(cover, footer, organisation, repeat_header=False)

    sheet = book.create_sheet("Rows")
    header = list(table.header) + (["group_in_words", "note"] if aggregate else [])
    sheet.append([safe_text(label) for label in header])  # labels come from templates
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        values = [_xlsx_cell(cell) for cell in row]
        if aggregate:
            group, shown = row[1], row[2]
            note = ""
            if shown is None:
                note = "No rate: the denominator is 0."
            elif shown == SUPPRESSED:
                note = "Hidden by small-number suppression."
            values += [group_words(str(group)), note or None]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = "0.0"
            elif cell.value == SUPPRESSED:
                cell.alignment = Alignment(horizontal="right")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(sheet.max_row, 1)}"
    _fit_columns(sheet)
    _print_settings(sheet, footer, organisation, repeat_header=True)

    definitions = book.create_sheet("Definitions")
    definitions.append(["label", "name", "definition"])
    for cell in definitions[1]:
        cell.font = Font(bold=True)
    known = MEASURE_DEFINITIONS if aggregate else COLUMN_DEFINITIONS
    for item in table.template.items:
        definitions.append([safe_text(item.label), item.name, safe_text(item.definition or known.get(item.name, ""))])
    for cell in definitions["C"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    definitions.freeze_panes = "A2"
    _fit_columns(definitions, maximum=90)
    _print_settings(definitions, footer, organisation, repeat_header=True)

    stamp = datetime.combine(as_at, time(0, 0))
    properties = book.properties
    properties.title = safe_text(table.template.title)
    properties.subject = f"{table.period.label} ({table.period.start.isoformat()} to {table.period.end.isoformat()})"
    properties.creator = safe_text(organisation)
    properties.lastModifiedBy = safe_text(organisation)
    properties.description = (
        f"Written by cjcase from the template {table.template.name}; figures as at {as_at.isoformat()}."
    )
    properties.keywords = table.template.name
    properties.created = stamp
    properties.modified = stamp
    return _fixed_zip(book, stamp)


def _fixed_zip(book, stamp: datetime) -> bytes:
    """Save the workbook with every zip entry dated `stamp`, so the bytes depend only on the data.

    openpyxl's save sets the modified time to now and the zip entries to the clock's time;
    its writer is driven here instead, and the archive repacked with fixed dates.
    """
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with ZipFile(raw, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    fixed = io.BytesIO()
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    with ZipFile(raw) as source, ZipFile(fixed, "w", ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def _xlsx_cell(cell: Cell):
    if isinstance(cell, Decimal):
        return float(cell)
    if isinstance(cell, str) and cell != SUPPRESSED:
        return safe_text(cell)
    return cell


SQLITE_HEADER = b"SQLite format 3\x00"


def check_target(path: Path, caseload: Path | None) -> Path:
    """The file an export may write, with links resolved; refuses anything it must not replace.

    An export never writes over the caseload (or its journal and lock), a backup or a file set
    aside by a restore, any SQLite database, or anything that is not a regular file (a device such
    as /dev/full, a folder, a pipe).
    """
    from cjcase.domain.errors import CjcaseError

    target = Path(path).resolve()
    refuse = f"Nothing was written: {path} "
    fix = " Choose another --out, e.g. a new file name ending in .csv, .xlsx or .json."
    if target.exists() and not target.is_file():
        raise CjcaseError(
            refuse + "is not an ordinary file (a device, folder or pipe), so an export cannot go there." + fix
        )
    if caseload is not None:
        live = Path(caseload).resolve()
        for kept in (live, *(live.with_name(live.name + end) for end in ("-wal", "-shm", "-journal", ".lock"))):
            if target == kept:
                raise CjcaseError(refuse + "is the caseload itself (or its journal or lock)." + fix)
        if target.name.startswith(live.name + ".before-restore-"):
            raise CjcaseError(refuse + "is the copy of the caseload kept aside by a restore." + fix)
        if live.parent / "backups" in target.parents:
            raise CjcaseError(refuse + "is in the caseload's backups folder." + fix)
    if target.is_file():
        with open(target, "rb") as handle:
            if handle.read(16) == SQLITE_HEADER:
                raise CjcaseError(refuse + "is a database (a caseload or a backup of one)." + fix)
    return target


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file of its own beside the target, fsync, then rename into place.

    The temporary file is made new (O_EXCL, under a random name, readable by its owner only), so
    a link planted beside the target cannot redirect the write; on failure it is removed."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
