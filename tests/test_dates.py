"""UK date parsing: what keyworkers type, what the importer accepts, and quarters."""

from datetime import date, datetime

import pytest

from cjcase.domain.dates import (
    FUTURE,
    PAST,
    age_on,
    format_date,
    format_datetime,
    last_complete_quarter,
    parse_import_date,
    parse_import_datetime,
    parse_quarter,
    parse_user_date,
    parse_user_datetime,
    quarter_of,
)
from cjcase.domain.errors import DateInputError

NOW = datetime(2026, 11, 20, 9, 15)  # a Friday


@pytest.mark.parametrize(
    "text, direction, expected",
    [
        ("3/12", FUTURE, datetime(2026, 12, 3, 0, 0)),
        ("03/12/2026 14:00", None, datetime(2026, 12, 3, 14, 0)),
        ("2026-12-03", None, datetime(2026, 12, 3, 0, 0)),
        ("today", None, datetime(2026, 11, 20, 0, 0)),
        ("tomorrow 10am", None, datetime(2026, 11, 21, 10, 0)),
        ("tomorrow 2.30pm", None, datetime(2026, 11, 21, 14, 30)),
        ("next tue", None, datetime(2026, 11, 24, 0, 0)),
        ("next fri", None, datetime(2026, 11, 27, 0, 0)),
        ("last mon", None, datetime(2026, 11, 16, 0, 0)),
        ("in 2 weeks", None, datetime(2026, 12, 4, 0, 0)),
        ("in 3 days", None, datetime(2026, 11, 23, 0, 0)),
        ("yesterday 16:30", None, datetime(2026, 11, 19, 16, 30)),
        ("3 Dec", FUTURE, datetime(2026, 12, 3, 0, 0)),
        ("3 December 2027 09:00", None, datetime(2027, 12, 3, 9, 0)),
        ("3/12/26", None, datetime(2026, 12, 3, 0, 0)),
        ("14:30", None, datetime(2026, 11, 20, 14, 30)),
        ("at 10", None, datetime(2026, 11, 20, 10, 0)),
        ("2pm", None, datetime(2026, 11, 20, 14, 0)),
        ("now", None, NOW),
    ],
)
def test_user_datetimes_read_the_uk_way(text, direction, expected):
    assert parse_user_datetime(text, NOW, direction) == expected


def test_iso_text_is_read_as_iso_not_day_first():
    assert parse_user_date("2026-12-03", NOW.date()) == date(2026, 12, 3)


def test_a_date_without_a_year_resolves_to_the_past_when_logging():
    january_third = date(2027, 1, 3)
    assert parse_user_date("28/12", january_third, PAST) == date(2026, 12, 28)
    assert parse_user_date("28/12", january_third, FUTURE) == date(2027, 12, 28)


def test_a_date_without_a_year_resolves_to_the_future_when_booking():
    assert parse_user_date("5/1", date(2026, 12, 20), FUTURE) == date(2027, 1, 5)
    assert parse_user_date("5/1", date(2026, 12, 20), PAST) == date(2026, 1, 5)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "31/02/2026",
        "2026-13-01",
        "32/1",
        "tomorrow 25:00",
        "next blursday",
        "in 99999999999 days",
        "99999999 weeks ago",
        "in 999999 months",
    ],
)
def test_garbage_is_an_error_with_an_example(text):
    with pytest.raises(DateInputError) as error:
        parse_user_datetime(text, NOW, FUTURE)
    assert str(error.value)


def test_a_garbage_message_shows_what_works():
    with pytest.raises(DateInputError, match="3/12"):
        parse_user_date("soon", NOW.date())


@pytest.mark.parametrize(
    "text, expected",
    [("2026-03-14", date(2026, 3, 14)), ("14/03/2026", date(2026, 3, 14)), ("29/02/2024", date(2024, 2, 29))],
)
def test_the_importer_takes_exactly_two_date_forms(text, expected):
    assert parse_import_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2026-3-14", "14/3/2026", "31/02/2026", "2026-13-01", "14 March 2026", "14/03/26", "29/02/2025"]
)
def test_the_importer_refuses_other_date_forms(text):
    with pytest.raises(DateInputError):
        parse_import_date(text)


def test_the_importer_reads_date_times_in_both_forms():
    assert parse_import_datetime("02/04/2025 10:30") == datetime(2025, 4, 2, 10, 30)
    assert parse_import_datetime("2025-04-02 09:05") == datetime(2025, 4, 2, 9, 5)
    with pytest.raises(DateInputError):
        parse_import_datetime("2025-04-02")
    with pytest.raises(DateInputError):
        parse_import_datetime("2025-04-02 24:00")


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2026-27 Q3", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-27 Q4", date(2027, 1, 1), date(2027, 3, 31)),
        ("2026/27 Q2", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-27Q1", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-2027 q2", date(2026, 7, 1), date(2026, 9, 30)),
    ],
)
def test_financial_year_quarters(text, start, end):
    period = parse_quarter(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2026-28 Q1", "2026 Q2", "2026-27 Q5", "Q2"])
def test_a_wrong_quarter_is_refused(text):
    with pytest.raises(DateInputError):
        parse_quarter(text)


def test_quarter_of_a_day_and_the_last_complete_quarter():
    assert quarter_of(date(2027, 2, 1)).label == "2026-27 Q4"
    assert quarter_of(date(2026, 4, 1)).label == "2026-27 Q1"
    assert last_complete_quarter(date(2026, 11, 20)).label == "2026-27 Q2"
    assert last_complete_quarter(date(2026, 4, 1)).label == "2025-26 Q4"


def test_dates_are_shown_the_uk_way():
    assert format_date(date(2026, 12, 3)) == "Thu 3 Dec 2026"
    assert format_datetime(datetime(2026, 12, 3, 14, 0)) == "Thu 3 Dec 2026 14:00"


def test_ages_count_a_leap_day_birthday_on_the_first_of_march():
    born = date(2000, 2, 29)
    assert age_on(born, date(2018, 2, 28)) == 17
    assert age_on(born, date(2018, 3, 1)) == 18
    assert age_on(born, date(2020, 2, 29)) == 20
