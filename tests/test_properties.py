"""Bad input never crashes and never half-writes: property tests over dates, search, import."""

import csv
import shutil
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjcase.domain.dates import parse_import_date, parse_import_datetime, parse_quarter, parse_user_datetime
from cjcase.domain.errors import CjcaseError, DateInputError
from cjcase.services import search
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from tests.helpers import SAMPLE, SAMPLE_TODAY

NOW = datetime(2026, 11, 20, 12, 0)
# Text as people (and broken spreadsheets) produce it: quotes, NUL, right-to-left and combining marks.
awkward = st.lists(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
    | st.sampled_from(
        [
            '"',
            "'",
            "\x00",
            "\u202e",
            "\u0301",
            "*",
            "(",
            ")",
            ":",
            "-",
            "/",
            " NEAR ",
            " OR ",
            "^",
            "31/02/2026",
            "2026-13-01",
            "tomorrow",
            " ",
            "in 99999999999 days",
            "99999999 weeks ago",
            "in 999999 months",
            "at ",
            "10",
            ":30",
            "pm",
            "next ",
            "tue",
        ]
    ),
    max_size=15,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(awkward, st.sampled_from(["past", "future", None]))
def test_user_date_parsing_only_ever_says_it_cannot_read_the_date(text, direction):
    try:
        result = parse_user_datetime(text, NOW, direction)
    except DateInputError as error:
        assert str(error)
    else:
        assert isinstance(result, datetime)


@settings(max_examples=300, deadline=None)
@given(awkward)
def test_import_dates_and_quarters_only_ever_say_what_is_wrong(text):
    for parse in (parse_import_date, parse_import_datetime, parse_quarter):
        try:
            parse(text)
        except DateInputError:
            pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(awkward | st.text(min_size=2000, max_size=5000))
def test_search_never_fails_whatever_is_typed(db, text):
    search.caseload(db, NOW, status="all", text=text)
    search.count(db, status="all", text=text)


CLIENT_COLUMNS = [
    "client_ref",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "risk_flags",
    "consent_to_share",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(awkward, min_size=len(CLIENT_COLUMNS), max_size=len(CLIENT_COLUMNS)), min_size=1, max_size=4))
def test_a_rejected_import_leaves_the_database_unchanged(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("import")
    with open(folder / "clients.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CLIENT_COLUMNS)
        writer.writerows(rows)
    db = open_caseload(folder / "c.db")
    before = db.execute("SELECT count(*) FROM clients").fetchone()[0]
    audit_before = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    try:
        import_path(db, folder, NOW.date())
    except CjcaseError:
        assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == before
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
    finally:
        db.close()


SESSION_LINES = (SAMPLE / "sessions.csv").read_text(encoding="utf-8").split("\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, len(SESSION_LINES) - 2), st.integers(0, 5))
def test_a_quote_left_open_anywhere_is_refused_at_its_line_and_column(tmp_path_factory, index, field):
    """An opening double quote put at the start of any field and never closed is refused at the
    line and column where it opens, never read into a cell with the rows after it."""
    folder = tmp_path_factory.mktemp("import")
    shutil.copy(SAMPLE / "clients.csv", folder / "clients.csv")
    cells = next(csv.reader([SESSION_LINES[index]]))
    cells[field] = '"' + cells[field].replace('"', "")
    lines = list(SESSION_LINES)
    lines[index] = ",".join(cell if i == field else csv_cell(cell) for i, cell in enumerate(cells))
    (folder / "sessions.csv").write_text("\n".join(lines), encoding="utf-8")
    db = open_caseload(folder / "c.db")
    try:
        with pytest.raises(CjcaseError) as refused:
            import_path(db, folder, SAMPLE_TODAY)
        column = SESSION_LINES[0].split(",")[field]
        assert str(refused.value).startswith(f"sessions.csv:{index + 1}: {column}: the double quote"), refused.value
        assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    finally:
        db.close()


def csv_cell(text: str) -> str:
    return f'"{text}"' if "," in text else text
