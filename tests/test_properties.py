"""Bad input never crashes and never half-writes: property tests over dates, search, import."""

import csv
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cjcase.domain.dates import parse_import_date, parse_import_datetime, parse_quarter, parse_user_datetime
from cjcase.domain.errors import CjcaseError, DateInputError
from cjcase.services import search
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path

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
