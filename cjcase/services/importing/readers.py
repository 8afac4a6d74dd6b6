"""Reading the sheets of an import: a folder of CSV files or an .xlsx workbook, row by row."""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import zipfile
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
            raise CjcaseError(f"{path} holds none of the import files: {', '.join(n + '.csv' for n in ORDER)}.")
        return sheets
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return _read_xlsx(path, files)
    if not path.exists():
        raise CjcaseError(f"There is no file or folder at {path}.")
    raise CjcaseError(f"{path} is neither a folder of CSV files nor an .xlsx workbook.")


def _check_utf8(file: Path, display: str) -> int:
    """Refuse a file that is not UTF-8 before anything is read from it; count its lines."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line = lines + chunk.count(b"\n", 0, max(error.start, 0)) + 1
                raise _not_utf8(file, display, line, chunk[max(error.start, 0) : error.end]) from None
            lines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CjcaseError(
            f"{display}:{lines + 1}: the file is not UTF-8 text (it ends part way through a character): "
            "save it as 'CSV UTF-8 (Comma delimited)' and import again."
        ) from None
    return lines


def _not_utf8(file: Path, display: str, line: int, bad: bytes) -> CjcaseError:
    """The sentence for a file that is not UTF-8: the line and column of the first character
    that is not, and what the file most likely is (Excel's plain "CSV" is Windows-1252)."""
    with open(file, "rb") as handle:
        raw = list(itertools.islice(handle, line))
    raw[0] = raw[0].removeprefix(codecs.BOM_UTF8)
    texts = [text.decode("cp1252", errors="replace") for text in raw]
    header = [cell.strip() for cell in next(csv.reader([texts[0]]), [])]
    where = texts[-1]
    try:
        character = bad.decode("cp1252")
    except UnicodeDecodeError:
        character = ""
    position = where.find(character) if character else -1
    index = len(next(csv.reader([where[:position]]), [""])) - 1 if position >= 0 else 0
    column = header[index] if line > 1 and index < len(header) and header[index] else f"column {index + 1}"
    if character:
        kind = (
            f"it looks like Windows-1252, as Excel saves a plain 'CSV' file, and the '{character}' here is not "
            "written as UTF-8 writes it"
        )
    else:
        kind = "a character here cannot be read"
    return CjcaseError(
        f"{display}:{line}: {column}: the file is not UTF-8 text ({kind}): save it as 'CSV UTF-8 (Comma "
        "delimited)' and import again."
    )


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
    _check_separator(display, reader.line_num, header)

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


def _check_separator(display: str, line: int, header: list[str]) -> None:
    """Refuse a file whose header is separated by semicolons or tabs, as some spreadsheets save
    "CSV": read with commas it would give a problem for every column and row."""
    text = ",".join(header)
    for separator, called in ((";", "semicolons"), ("\t", "tabs")):
        parts = [part.strip() for part in text.split(separator)]
        if len(parts) > len(header):
            raise CjcaseError(
                f"{display}:{line}: {parts[0] or 'column 1'}: the columns are separated by {called}, not commas: "
                "save the file from your spreadsheet program as 'CSV UTF-8 (Comma delimited)', with a comma as "
                "the list separator, and import again."
            )


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


# A workbook is a zip file, and a small one can unpack to gigabytes. Before it is read, the
# sizes its zip directory declares (no more is ever unpacked than they say) are held to these:
WORKBOOK_MAX_UNPACKED = 1_000_000_000  # bytes, all parts together
WORKBOOK_MAX_RATIO = 100  # unpacked to packed, for any part over a megabyte; real sheets are 10 to 25


def _check_workbook_size(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than the import takes, or to so many times
    their packed size that it can only be a zip bomb, before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip at all: openpyxl's opening says so
    unpacked = sum(part.file_size for part in parts)
    if unpacked > WORKBOOK_MAX_UNPACKED:
        raise CjcaseError(
            f"{path.name} unpacks to {unpacked / 1e6:,.0f} MB, more than the import takes "
            f"({WORKBOOK_MAX_UNPACKED / 1e6:,.0f} MB): save each sheet as a 'CSV UTF-8' file, named after "
            "the sheet, in one folder, and import the folder."
        )
    for part in parts:
        if part.file_size > 1_000_000 and part.file_size > WORKBOOK_MAX_RATIO * max(part.compress_size, 1):
            raise CjcaseError(
                f"{path.name} is not an ordinary workbook: its part {part.filename} unpacks to "
                f"{part.file_size // max(part.compress_size, 1):,} times its size (a spreadsheet's are 10 "
                "to 25 times), so it is not read: open it in your spreadsheet program and save each sheet as "
                "a 'CSV UTF-8' file in one folder, and import the folder."
            )


_COMPOUND_FILE = bytes.fromhex("D0CF11E0A1B11AE1")  # an OLE compound file: old .xls, or encrypted Office


def _check_workbook_kind(path: Path) -> None:
    """Refuse, with what it is, a workbook that is not a plain .xlsx zip: one saved with a
    password (Office encrypts it into a compound file) or an Excel 97-2003 .xls renamed."""
    with open(path, "rb") as handle:
        if handle.read(8) != _COMPOUND_FILE:
            return
        handle.seek(0)
        encrypted = _holds(handle, "EncryptedPackage".encode("utf-16-le"))
    if encrypted:
        raise CjcaseError(
            f"{path.name} is password-protected (encrypted), so it cannot be read: open it in your "
            "spreadsheet program, save a copy without a password (File > Info > Protect Workbook > "
            "Encrypt with Password, and clear the password), and import that copy."
        )
    raise CjcaseError(
        f"{path.name} is an Excel 97-2003 workbook (.xls), not an .xlsx one: open it in your spreadsheet "
        "program, save it as 'Excel Workbook (.xlsx)' and import that."
    )


def _holds(handle, needle: bytes) -> bool:
    """True when the file holds `needle`, read a megabyte at a time."""
    tail = b""
    while chunk := handle.read(1 << 20):
        if needle in tail + chunk:
            return True
        tail = chunk[-len(needle) :]
    return False


def _read_xlsx(path: Path, files: contextlib.ExitStack) -> dict[str, Sheet]:
    import openpyxl

    _check_workbook_kind(path)
    _check_workbook_size(path)
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
