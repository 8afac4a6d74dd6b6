"""Reading the sheets of an import: a folder of CSV files or an .xlsx workbook, row by row."""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cjcase.domain.errors import CjcaseError
from cjcase.services.importing.sheets import ORDER, Sheet


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
    # Strict: a quoted field must close before the next comma or line end, so a quote left open
    # is an error rather than a cell that swallows the rows after it.
    reader = csv.reader(handle, strict=True)
    header: list[str] = []
    try:
        for cells in reader:
            header = [cell.strip() for cell in cells]
            if header:
                break
    except csv.Error as error:
        raise _unreadable(file, display, reader.line_num, 1, None, error) from None

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
            raise _unreadable(file, display, reader.line_num, last_line + 1, header, error) from None

    return Sheet(file.stem, display, header, rows(), max(lines - 1, 0))


def _unreadable(
    file: Path, display: str, stopped: int, began: int, header: list[str] | None, error: csv.Error
) -> CjcaseError:
    """The sentence for a file the CSV reader cannot parse: `began` is the line the record it
    stopped in began on, `stopped` the line it stopped on."""
    with open(file, encoding="utf-8-sig", newline="") as again:
        text = next(itertools.islice(again, began - 1, None), "")
    index = _field_at_fault(text)
    if header is None:
        column = f"column {index + 1}"
    else:
        column = header[index] if index < len(header) and header[index] else f"column {index + 1}"
    where = f"{display}:{began}: {column}"
    reason = str(error)
    if reason == "unexpected end of data" or (reason.startswith("',' expected") and stopped > began):
        later = f" (the next double quote is on line {stopped})" if reason.startswith("',' expected") else ""
        return CjcaseError(
            f"{where}: the double quote that opens this field is never closed{later}, so the lines after it "
            "would be read into this one cell: add the closing double quote (a double quote inside a field is "
            'written twice, "") and import again.'
        )
    if reason.startswith("',' expected"):
        return CjcaseError(
            f"{where}: the double quote that opens this field closes before the field ends (text follows "
            "the closing quote): add the missing closing double quote, or write a double quote inside the "
            'field twice (""), and import again.'
        )
    if reason.startswith("field larger than field limit"):
        return CjcaseError(
            f"{where}: this field runs on for more than {csv.field_size_limit():,} characters, most likely "
            "because the double quote that opens it is never closed: add the closing double quote and "
            "import again."
        )
    return CjcaseError(
        f"{where}: the CSV cannot be read ({reason}): save it from the spreadsheet as 'CSV UTF-8 (comma "
        "delimited)' and import again."
    )


def _field_at_fault(text: str) -> int:
    """The index of the field of a CSV line where strict reading fails: the one with text after
    its closing quote, or the quoted one still open at the end of the line."""
    index, in_quotes, at_start, closed = 0, False, True, False
    for char in text:
        if in_quotes:
            if char == '"':
                in_quotes, closed = False, True
        elif closed:
            if char == '"':  # a doubled quote inside the field
                in_quotes, closed = True, False
            elif char == ",":
                index, at_start, closed = index + 1, True, False
            elif char in "\r\n":
                break
            else:
                return index
        elif char == ",":
            index, at_start = index + 1, True
        else:
            in_quotes = char == '"' and at_start
            at_start = False
    return index


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
