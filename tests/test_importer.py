"""The importer: the sample imports cleanly, re-imports change nothing, problems reject it all."""

import csv
from datetime import date

import openpyxl
import pytest

from cjcase.domain.errors import ImportRejected
from cjcase.services.importing.importer import import_path
from tests.helpers import SAMPLE, SAMPLE_TODAY

TABLES = ("clients", "episodes", "sessions", "goals", "court_dates", "tops")
SAMPLE_COUNTS = {"clients": 40, "episodes": 49, "sessions": 1014, "goals": 166, "court_dates": 56, "tops": 76}


def counts(db):
    return {t: db.table(t).count for t in TABLES}


def rewrite(path, edit):
    """Apply `edit` to the rows (a list of lists, header first) of a CSV file."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def problems_of(db, path):
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, path, SAMPLE_TODAY)
    return [str(p) for p in rejected.value.problems]


def test_the_sample_imports_with_every_row(db):
    report = import_path(db, SAMPLE, SAMPLE_TODAY)
    assert counts(db) == SAMPLE_COUNTS
    assert {t: c.created for t, c in report.counts.items() if t in TABLES} == SAMPLE_COUNTS


def test_a_second_import_of_the_same_files_changes_nothing(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    snapshot = {t: list(db.query(f"SELECT * FROM {t} ORDER BY id")) for t in TABLES}
    report = import_path(db, SAMPLE, SAMPLE_TODAY)
    assert report.changed == 0
    assert {t: c.unchanged for t, c in report.counts.items() if t in TABLES} == SAMPLE_COUNTS
    assert {t: list(db.query(f"SELECT * FROM {t} ORDER BY id")) for t in TABLES} == snapshot


def test_a_changed_value_updates_the_record(db, sample_copy):
    import_path(db, sample_copy, SAMPLE_TODAY)

    def change_phone(rows):
        rows[1][rows[0].index("phone")] = "07700 900999"

    rewrite(sample_copy / "clients.csv", change_phone)
    report = import_path(db, sample_copy, SAMPLE_TODAY)
    assert report.counts["clients"].updated == 1 and report.changed == 1
    assert db.execute("SELECT count(*) FROM clients WHERE phone = '07700 900999'").fetchone()[0] == 1
    assert counts(db) == SAMPLE_COUNTS


def test_dates_in_both_forms_are_stored_as_iso(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    row = next(db.query("SELECT date_of_birth FROM clients WHERE client_ref = 'CJ-17429'"))
    assert row["date_of_birth"] == "1993-01-18"
    court = next(db.query("SELECT hearing_at FROM court_dates ORDER BY hearing_at LIMIT 1"))
    assert court["hearing_at"] == "2025-04-02 10:30"


def test_a_dry_run_counts_and_writes_nothing(db):
    report = import_path(db, SAMPLE, SAMPLE_TODAY, dry_run=True)
    assert report.counts["sessions"].created == 1014
    assert counts(db) == dict.fromkeys(TABLES, 0)
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'import'").fetchone()[0] == 0


def test_a_broken_copy_writes_nothing_and_names_file_line_and_column(db, sample_copy):
    def break_episode(rows):
        rows[3][rows[0].index("pathway")] = "probation_office"

    def break_date(rows):
        rows[5][rows[0].index("when")] = "31/02/2026 10:00"

    rewrite(sample_copy / "episodes.csv", break_episode)
    rewrite(sample_copy / "sessions.csv", break_date)
    problems = problems_of(db, sample_copy)
    assert any(p.startswith("episodes.csv:4: pathway: ") for p in problems), problems
    assert any(p.startswith("sessions.csv:6: when: ") for p in problems), problems
    assert counts(db) == dict.fromkeys(TABLES, 0)


def test_a_missing_required_column_is_reported_on_line_1(db, sample_copy):
    def drop_status(rows):
        index = rows[0].index("status")
        for row in rows:
            del row[index]

    rewrite(sample_copy / "sessions.csv", drop_status)
    assert "sessions.csv:1: status: required column is missing" in problems_of(db, sample_copy)


def test_an_unknown_column_is_reported_on_line_1(db, sample_copy):
    def add_column(rows):
        rows[0].append("favourite_colour")
        for row in rows[1:]:
            row.append("")

    rewrite(sample_copy / "goals.csv", add_column)
    assert any(p.startswith("goals.csv:1: favourite_colour: unknown column") for p in problems_of(db, sample_copy))


def test_a_row_with_an_extra_cell_is_reported_on_its_line(db, sample_copy):
    path = sample_copy / "court_dates.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",Adjourned, to next week"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any(p.startswith("court_dates.csv:3: (row): ") for p in problems_of(db, sample_copy))


def test_a_quoted_note_over_two_lines_keeps_later_line_numbers_right(db, sample_copy):
    def two_line_note_then_bad_kind(rows):
        rows[1][rows[0].index("notes")] = "first line\nsecond line"
        rows[3][rows[0].index("kind")] = "chat"

    rewrite(sample_copy / "sessions.csv", two_line_note_then_bad_kind)
    # Row 3 of data starts on editor line 5: the note on data row 1 takes two lines.
    assert any(p.startswith("sessions.csv:5: kind: ") for p in problems_of(db, sample_copy))


def test_a_key_twice_is_an_error_on_the_later_row(db, sample_copy):
    def duplicate_client(rows):
        rows.append(list(rows[1]))

    rewrite(sample_copy / "clients.csv", duplicate_client)
    problems = problems_of(db, sample_copy)
    assert any(p.startswith("clients.csv:42: client_ref: ") and "line 2" in p for p in problems), problems


def test_overlapping_episodes_are_reported_on_the_later_row(db, sample_copy):
    def overlap(rows):
        header = rows[0]
        first = rows[1]
        clone = list(first)
        clone[header.index("referral_date")] = "2025-05-01"
        for column in ("start_date", "discharge_date", "discharge_reason"):
            clone[header.index(column)] = ""
        rows.append(clone)

    rewrite(sample_copy / "episodes.csv", overlap)
    problems = problems_of(db, sample_copy)
    assert any(p.startswith("episodes.csv:51: referral_date: ") and "overlaps" in p for p in problems), problems


def test_a_record_for_an_unknown_client_is_refused(db, sample_copy):
    def unknown(rows):
        rows[1][0] = "CJ-00000"

    rewrite(sample_copy / "tops.csv", unknown)
    assert any(p.startswith("tops.csv:2: client_ref: no client") for p in problems_of(db, sample_copy))


def test_a_minor_on_the_referral_date_is_refused(db, sample_copy):
    def young(rows):
        rows[1][rows[0].index("date_of_birth")] = "2010-01-01"

    rewrite(sample_copy / "clients.csv", young)
    problems = problems_of(db, sample_copy)
    assert any(p.startswith("episodes.csv:") and "adults" in p for p in problems), problems


def test_the_same_sheets_in_a_workbook_import_too(db, tmp_path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in TABLES:
        sheet = book.create_sheet(table)
        with open(SAMPLE / f"{table}.csv", encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    path = tmp_path / "caseload.xlsx"
    book.save(path)
    import_path(db, path, SAMPLE_TODAY)
    assert counts(db) == SAMPLE_COUNTS


def test_a_workbook_with_real_date_cells_imports(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "clients"
    sheet.append(["client_ref", "first_name", "last_name", "date_of_birth", "sex", "ethnicity"])
    sheet.append(["X-1", "Ann", "Lee", date(1980, 2, 29), "female", "A"])
    path = tmp_path / "one.xlsx"
    book.save(path)
    import_path(db, path, SAMPLE_TODAY)
    assert next(db.query("SELECT date_of_birth FROM clients"))["date_of_birth"] == "1980-02-29"


def test_an_import_is_audited_per_client(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    per_client = db.execute("SELECT count(*) FROM audit WHERE action = 'import' AND entity = 'client'").fetchone()[0]
    assert per_client == 40


def test_a_file_that_is_not_utf8_gets_a_sentence(db, tmp_path):
    folder = tmp_path / "latin"
    folder.mkdir()
    (folder / "clients.csv").write_bytes("client_ref,first_name\nX,Zoë\n".encode("latin-1"))
    from cjcase.domain.errors import CjcaseError

    with pytest.raises(CjcaseError, match="UTF-8"):
        import_path(db, folder, SAMPLE_TODAY)


# The long sheets are read, checked and written a batch at a time (so a 50,000-client history
# never sits in memory whole); with batches of 7 rows the sample crosses many batch edges.


@pytest.fixture
def small_batches(monkeypatch):
    from cjcase.services.importing import importer

    monkeypatch.setattr(importer, "_BATCH", 7)


def test_in_small_batches_the_sample_imports_the_same_and_again_unchanged(db, small_batches):
    report = import_path(db, SAMPLE, SAMPLE_TODAY)
    assert counts(db) == SAMPLE_COUNTS
    assert {t: c.created for t, c in report.counts.items() if t in TABLES} == SAMPLE_COUNTS
    again = import_path(db, SAMPLE, SAMPLE_TODAY)
    assert again.changed == 0 and again.counts["sessions"].unchanged == SAMPLE_COUNTS["sessions"]


def test_a_row_repeated_in_a_later_batch_is_a_problem_on_its_line(db, sample_copy, small_batches):
    def repeat_first_session_at_the_end(rows):
        rows.append(list(rows[1]))

    rewrite(sample_copy / "sessions.csv", repeat_first_session_at_the_end)
    problems = problems_of(db, sample_copy)
    last = SAMPLE_COUNTS["sessions"] + 2
    assert any(
        p.startswith(f"sessions.csv:{last}: kind: the same client_ref + when + kind is on line 2") for p in problems
    ), problems
    assert counts(db) == {t: 0 for t in TABLES}  # nothing written: the batches before were undone


def test_an_unknown_client_in_a_late_batch_rejects_the_whole_import(db, sample_copy, small_batches):
    def unknown_last(rows):
        rows[-1][0] = "CJ-00000"

    rewrite(sample_copy / "goals.csv", unknown_last)
    problems = problems_of(db, sample_copy)
    assert problems == [
        f"goals.csv:{SAMPLE_COUNTS['goals'] + 1}: client_ref: no client has the reference "
        "CJ-00000: add them to clients.csv"
    ]
    assert counts(db) == {t: 0 for t in TABLES}
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'import'").fetchone()[0] == 0


def test_rows_are_written_column_by_name_whether_or_not_each_row_has_every_column(db):
    from cjcase.store.bulk import insert_many

    db.execute("CREATE TABLE scratch (a, b, c)")
    insert_many(db, "scratch", [{"c": 3, "a": 1, "b": 2}, {"b": 5, "a": 4, "c": 6}])  # every column
    insert_many(db, "scratch", [{"a": 7, "c": 9}, {"b": 8}])  # some missing: NULL
    insert_many(db, "scratch", [{"a": 10}])  # one column
    assert db.execute("SELECT a, b, c FROM scratch ORDER BY rowid").fetchall() == [
        (1, 2, 3),
        (4, 5, 6),
        (7, None, 9),
        (None, 8, None),
        (10, None, None),
    ]


def test_imported_dates_are_stored_in_one_form_whichever_way_they_were_written(tmp_path, db):
    from cjcase.domain import rules

    when, day = rules.COURT_DATE["when"], rules.Field("date")
    assert rules.clean_value("when", when, "2026-11-20 10:00") == "2026-11-20 10:00"
    assert rules.clean_value("when", when, " 20/11/2026 10:00 ") == "2026-11-20 10:00"
    assert rules.clean_value("when", when, "٢٠٢٦-١١-٢٠ ١٠:٠٠") == "2026-11-20 10:00"  # other digits
    assert rules.clean_value("on", day, "2026-02-03") == "2026-02-03"
    assert rules.clean_value("on", day, "03/02/2026") == "2026-02-03"
    assert rules.clean_value("on", day, "٢٠٢٦-٠٢-٠٣") == "2026-02-03"
    with pytest.raises(rules.ValidationError, match="not a real date"):
        rules.clean_value("on", day, "2026-02-30")


def test_one_checker_checks_many_records_against_the_same_fields():
    from cjcase.domain import rules

    check = rules.field_checker(rules.SESSION)
    clean, problems = check({"starts_at": "20/11/2026 09:30", "kind": "phone", "status": "dna"})
    assert problems == [] and (clean["when"], clean["kind"], clean["status"]) == ("2026-11-20 09:30", "phone", "dna")
    clean, problems = check({"when": "2026-11-31 10:00", "kind": "nonsense", "extra": "x"})
    assert sorted(p.field for p in problems) == ["extra", "kind", "status", "when"]
    clean, problems = check({"kind": "group"}, partial=True)  # only what is given is checked
    assert problems == [] and clean == {"kind": "group"}


# An unterminated quote once swallowed every later row into one notes cell, and the import said
# it had succeeded.


def unterminate_quote_on_line_4(path, drop_later_quotes):
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[3].endswith('"Talked about debts, referred to Citizens Advice"')
    lines[3] = lines[3][:-1]  # the closing quote lost
    if drop_later_quotes:
        lines[4:] = [line.replace('"', "").replace(", ", " ") for line in lines[4:]]
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("drop_later_quotes", [True, False], ids=["open-to-the-end", "closed-by-a-later-quote"])
def test_an_unterminated_quote_is_an_error_at_the_line_where_the_field_began(db, sample_copy, drop_later_quotes):
    from cjcase.domain.errors import CjcaseError

    unterminate_quote_on_line_4(sample_copy / "sessions.csv", drop_later_quotes)
    with pytest.raises(CjcaseError) as refused:
        import_path(db, sample_copy, SAMPLE_TODAY)
    message = str(refused.value)
    assert message.startswith("sessions.csv:4: notes: "), message
    assert "double quote" in message and "never closed" in message
    assert counts(db) == dict.fromkeys(TABLES, 0)  # the clients read before it are not kept either


# The importer once re-read every stored row of every client a batch touched: a file in date
# order touches every client in every batch, so each batch cost as much as the history so far.


def write_caseload_files(folder, clients: int, sessions_each: int, first_day: int = 0, sort_by_client=False):
    """clients.csv, and sessions.csv in date order over every client (or sorted by client)."""
    from datetime import timedelta

    folder.mkdir(exist_ok=True)
    with open(folder / "clients.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["client_ref", "first_name", "last_name", "date_of_birth", "sex", "ethnicity"])
        out.writerows([f"S-{n:04d}", "Sam", f"Test{n}", "1980-01-01", "male", "A"] for n in range(clients))
    rows = [
        [f"S-{n:04d}", f"{date(2020, 1, 1) + timedelta(days=first_day + day):%Y-%m-%d} 10:00", "keywork", "attended"]
        for day in range(sessions_each)
        for n in range(clients)
    ]
    if sort_by_client:
        rows.sort()
    with open(folder / "sessions.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["client_ref", "when", "kind", "status"])
        out.writerows(rows)


def sqlite_work(db, action) -> int:
    """How many SQLite virtual-machine steps (in thousands) `action` takes: work, not time."""
    steps = [0]

    def count():
        steps[0] += 1
        return 0

    db.conn.set_progress_handler(count, 1000)
    try:
        action()
    finally:
        db.conn.set_progress_handler(None, 0)
    return steps[0]


def test_the_cost_of_importing_a_batch_does_not_grow_with_the_history_of_its_clients(db, tmp_path):
    clients = 100
    write_caseload_files(tmp_path / "new", clients, 5, first_day=0)
    first = sqlite_work(db, lambda: import_path(db, tmp_path / "new", SAMPLE_TODAY))
    write_caseload_files(tmp_path / "history", clients, 200, first_day=100)
    import_path(db, tmp_path / "history", SAMPLE_TODAY)
    write_caseload_files(tmp_path / "more", clients, 5, first_day=1000)
    later = sqlite_work(db, lambda: import_path(db, tmp_path / "more", SAMPLE_TODAY))
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == clients * 210
    # The same 500 new sessions over the same clients, with 40 times the stored sessions
    # beside them: index look-ups grow with the log of the table, not with the table.
    assert later < first * 1.5, (first, later)


def test_a_file_in_date_order_imports_the_same_as_one_sorted_by_client(tmp_path):
    from cjcase.services.caseload_file import open_caseload

    write_caseload_files(tmp_path / "by_date", 30, 20)
    write_caseload_files(tmp_path / "by_client", 30, 20, sort_by_client=True)
    stored = []
    for name in ("by_date", "by_client"):
        db = open_caseload(tmp_path / f"{name}.db")
        import_path(db, tmp_path / name, SAMPLE_TODAY)
        again = import_path(db, tmp_path / ("by_client" if name == "by_date" else "by_date"), SAMPLE_TODAY)
        assert again.changed == 0 and again.counts["sessions"].unchanged == 600
        stored.append(
            sorted(
                db.execute(
                    "SELECT c.client_ref, s.starts_at, s.kind, s.status FROM sessions s JOIN clients c ON c.id = s.client_id"
                )
            )
        )
        db.close()
    assert stored[0] == stored[1] and len(stored[0]) == 600


# A workbook is a zip file: a small one can unpack to gigabytes (1.5 MB drove memory to 3 GB).


def sample_workbook(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "clients"
    with open(SAMPLE / "clients.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(path)
    return path


def pad_the_sheet(path, padding: int):
    """Rewrite the workbook with `padding` bytes of blank space inside its sheet's XML, which
    unpack from next to nothing: the shape of a zip bomb."""
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info) for info in book.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


@pytest.fixture
def never_opened(monkeypatch):
    """openpyxl refuses to open any workbook: the checks must come before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused_unread(db, tmp_path, never_opened):
    from cjcase.domain.errors import CjcaseError

    path = sample_workbook(tmp_path / "bomb.xlsx")
    pad_the_sheet(path, 40_000_000)
    assert path.stat().st_size < 200_000
    with pytest.raises(CjcaseError) as refused:
        import_path(db, path, SAMPLE_TODAY)
    message = str(refused.value)
    assert message.startswith("bomb.xlsx ") and "times" in message and "CSV" in message, message
    assert counts(db) == dict.fromkeys(TABLES, 0)


def test_a_workbook_that_unpacks_to_more_than_the_import_takes_is_refused_unread(
    db, tmp_path, monkeypatch, never_opened
):
    from cjcase.domain.errors import CjcaseError
    from cjcase.services.importing import readers

    monkeypatch.setattr(readers, "WORKBOOK_MAX_UNPACKED", 20_000)  # a gigabyte, made small for the test
    path = sample_workbook(tmp_path / "large.xlsx")
    with pytest.raises(CjcaseError, match=r"^large\.xlsx unpacks to .* more than the import takes .*CSV UTF-8"):
        import_path(db, path, SAMPLE_TODAY)


def test_an_ordinary_workbook_passes_the_size_checks(db, tmp_path):
    path = sample_workbook(tmp_path / "ordinary.xlsx")
    pad_the_sheet(path, 100_000)  # some blank space, as spreadsheets leave: not a bomb
    import_path(db, path, SAMPLE_TODAY)
    assert counts(db)["clients"] == SAMPLE_COUNTS["clients"]


# Import messages say what the file is and how to save it as the import wants, with line and column.


def test_a_password_protected_workbook_is_called_that(db, tmp_path):
    from cjcase.domain.errors import CjcaseError

    path = tmp_path / "locked.xlsx"
    path.write_bytes(encrypted_workbook_bytes())
    with pytest.raises(CjcaseError) as refused:
        import_path(db, path, SAMPLE_TODAY)
    message = str(refused.value)
    assert "not a zip file" not in message
    assert message.startswith("locked.xlsx is password-protected (encrypted)"), message
    assert "without a password" in message


def test_an_old_excel_97_workbook_is_called_that(db, tmp_path):
    from cjcase.domain.errors import CjcaseError

    path = tmp_path / "old.xlsx"
    path.write_bytes(compound_file_bytes(["Root Entry", "Workbook", "\x05SummaryInformation"]))
    with pytest.raises(CjcaseError, match=r"^old\.xlsx is an Excel 97-2003 workbook .*\.xlsx"):
        import_path(db, path, SAMPLE_TODAY)


def compound_file_bytes(names: list[str]) -> bytes:
    """The start of an OLE compound file (the container of old .xls files and of encrypted
    Office files): its signature, a header, and a directory sector naming its streams."""
    import struct

    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHH", header, 0x18, 0x3E, 3, 0xFFFE)  # minor, major version, byte order
    struct.pack_into("<HH", header, 0x1E, 9, 6)  # sector size 512, mini sector size 64
    struct.pack_into("<II", header, 0x2C, 1, 0)  # one FAT sector; the directory is sector 0
    directory = bytearray(512)
    for index, name in enumerate(names[:4]):
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry = index * 128
        directory[entry : entry + len(encoded)] = encoded
        struct.pack_into("<HB", directory, entry + 64, len(encoded), 5 if index == 0 else 2)
    return bytes(header) + bytes(directory) + bytes(512)


def encrypted_workbook_bytes() -> bytes:
    """What Excel writes for a workbook saved with a password: a compound file holding the
    encryption details and the encrypted package."""
    return compound_file_bytes(["Root Entry", "\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"])


@pytest.mark.parametrize(("separator", "called"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_separated_by_semicolons_or_tabs_says_to_save_it_comma_separated(db, sample_copy, separator, called):
    from cjcase.domain.errors import CjcaseError

    path = sample_copy / "clients.csv"
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=separator, lineterminator="\r\n").writerows(rows)
    with pytest.raises(CjcaseError) as refused:
        import_path(db, sample_copy, SAMPLE_TODAY)
    message = str(refused.value)
    assert message.startswith(f"clients.csv:1: client_ref: the columns are separated by {called}, not commas"), message
    assert "comma" in message and "CSV UTF-8" in message
    assert "\n" not in message  # one sentence, not a header error per column


def test_windows_1252_text_gives_the_line_and_column_and_says_to_save_as_utf8(db, sample_copy):
    from cjcase.domain.errors import CjcaseError

    path = sample_copy / "clients.csv"
    text = path.read_text(encoding="utf-8-sig")
    lines = [line.encode("ascii", "replace").decode() for line in text.split("\n")]  # none but the one
    cells = lines[5].split(",")
    cells[2] = "Zoë-Brontë"  # last_name
    lines[5] = ",".join(cells)
    path.write_bytes("\n".join(lines).encode("cp1252"))
    with pytest.raises(CjcaseError) as refused:
        import_path(db, sample_copy, SAMPLE_TODAY)
    message = str(refused.value)
    assert message.startswith("clients.csv:6: last_name: "), message
    assert "byte" not in message
    assert "Windows-1252" in message and "'CSV UTF-8" in message and "ë" in message


def test_an_excel_date_number_is_named_as_one_with_the_date_it_stands_for(db, sample_copy):
    def serial_dates(rows):
        rows[3][rows[0].index("date_of_birth")] = "32402"  # Excel's number for 16/09/1988
        rows[4][rows[0].index("consent_date")] = "45677.0"

    rewrite(sample_copy / "clients.csv", serial_dates)
    problems = problems_of(db, sample_copy)
    dob = next(p for p in problems if p.startswith("clients.csv:4: date_of_birth: "))
    assert "Excel" in dob and "16/09/1988" in dob and "DD/MM/YYYY" in dob, dob
    consent = next(p for p in problems if p.startswith("clients.csv:5: consent_date: "))
    assert "Excel" in consent and "20/01/2025" in consent, consent


def test_an_excel_date_time_number_is_named_as_one(db, sample_copy):
    def serial_when(rows):
        rows[2][rows[0].index("when")] = "45748.4375"  # 01/04/2025 10:30

    rewrite(sample_copy / "sessions.csv", serial_when)
    problem = next(p for p in problems_of(db, sample_copy) if p.startswith("sessions.csv:3: when: "))
    assert "Excel" in problem and "01/04/2025 10:30" in problem and "DD/MM/YYYY HH:MM" in problem, problem


def test_after_200_problems_the_rest_are_counted_not_listed(db, sample_copy):
    from cjcase.domain.errors import ImportRejected

    def every_kind_wrong(rows):
        for row in rows[1:]:
            row[rows[0].index("kind")] = "chat"

    rewrite(sample_copy / "sessions.csv", every_kind_wrong)
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, sample_copy, SAMPLE_TODAY)
    assert len(rejected.value.problems) == 200
    assert rejected.value.unlisted == SAMPLE_COUNTS["sessions"] - 200
    assert rejected.value.count == SAMPLE_COUNTS["sessions"]
    message = str(rejected.value)
    assert message.startswith(f"Nothing was imported: {SAMPLE_COUNTS['sessions']:,} problems to fix first.")
    assert len(message.splitlines()) == 1 + 200 + 1
    assert message.splitlines()[-1] == f"… and {SAMPLE_COUNTS['sessions'] - 200:,} more problems, not listed."
