"""Writes a built return as CSV, JSON or XLSX, to a temporary name first, then into place."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from cjcase.returns.build import SUPPRESSED, Cell, ReturnTable

FORMULA_STARTS = ("=", "+", "-", "@")


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
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([cell_text(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def _json_cell(cell: Cell):
    if isinstance(cell, Decimal):
        return float(cell)
    return cell


def to_json(table: ReturnTable) -> bytes:
    """Counts as numbers, rates as numbers or null, suppressed values as "*"."""
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
        "rows": rows,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_xlsx(table: ReturnTable, organisation: str, findings: list[str], generated_at: datetime) -> bytes:
    """A cover sheet (organisation, period, time, suppression, the meaning of *, data quality)
    and one sheet of rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
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
            "Record-level pseudonymised extract: no suppression; pseudo_id is a keyed hash of the client reference."
        )
    consent = []
    if table.template.kind == "extract":
        withheld = table.withheld_count
        consent = [
            (
                "Consent",
                f"{withheld} {'row is' if withheld == 1 else 'rows are'} of clients who did not consent to "
                "sharing: such a row gives only pseudo_id, attended_in_period and dna_in_period."
                if withheld
                else "Every client in this extract consented to sharing.",
            )
        ]
    lines = [
        ("Return", table.template.title),
        ("Organisation", organisation),
        ("Period", f"{table.period.label} ({table.period.start:%d/%m/%Y} to {table.period.end:%d/%m/%Y})"),
        ("Generated at", generated_at.strftime("%d/%m/%Y %H:%M")),
        ("Template", table.template.name),
        ("Suppression", suppression),
        ("*", "A value hidden by small-number suppression." if table.template.kind == "aggregate" else ""),
        *consent,
        (
            "Data quality",
            "No problems found." if not findings else f"{len(findings)} things make these figures doubtful:",
        ),
    ]
    lines += [("", finding) for finding in findings]
    for label, value in lines:
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
    # Printed, the cover fits one page wide, as a commissioner would file it.
    cover.page_setup.fitToWidth = 1
    cover.page_setup.fitToHeight = 0
    cover.sheet_properties.pageSetUpPr.fitToPage = True
    sheet = book.create_sheet("Rows")
    sheet.append(table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = "0.0"
            elif cell.value == SUPPRESSED:
                cell.alignment = Alignment(horizontal="right")
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (44, 36, 10) if table.template.kind == "aggregate" else [18] * 15, strict=False
    ):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(cell: Cell):
    if isinstance(cell, Decimal):
        return float(cell)
    if isinstance(cell, str) and cell != SUPPRESSED:
        return safe_text(cell)
    return cell


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary name beside the target, fsync, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
