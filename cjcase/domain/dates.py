"""UK date parsing and display, financial-year quarters and ages. Pure: no I/O, no clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cjcase.domain.errors import DateInputError

PAST = "past"
FUTURE = "future"

EXAMPLES = "for example 3/12, 03/12/2026 14:00, 2026-12-03, today, tomorrow 10am, next tue or in 2 weeks"

_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?")
_TIME = re.compile(r"(?:(?:at|@)\s*)?(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?")
_RELATIVE = re.compile(r"in\s+(\d+)\s+(day|days|week|weeks|month|months)")
_AGO = re.compile(r"(\d+)\s+(day|days|week|weeks)\s+ago")


# ---------------------------------------------------------------- import (strict)

_IMPORT_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4})")
_IMPORT_DATETIME = re.compile(r"(?:(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4})) (\d{2}):(\d{2})")


# The number a spreadsheet keeps for a date (days since 30/12/1899, the time as a fraction),
# shown when the column is not formatted as a date; five digits: 1927 to 2173.
_EXCEL_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


def _excel_serial(text: str) -> datetime | None:
    """The date-time an Excel date number stands for, or None when the text is not one."""
    if not _EXCEL_SERIAL.fullmatch(text.strip()):
        return None
    return datetime(1899, 12, 30) + timedelta(minutes=round(float(text) * 1440))


def parse_import_date(text: str) -> date:
    """Read an import date: exactly YYYY-MM-DD or DD/MM/YYYY, and a real day."""
    match = _IMPORT_DATE.fullmatch(text.strip())
    if not match:
        if serial := _excel_serial(text):
            raise DateInputError(
                f"'{text.strip()}' looks like an Excel date number (for {serial:%d/%m/%Y}), not a date: format "
                "the column as a date, DD/MM/YYYY, in the spreadsheet, save it and import again"
            )
        raise DateInputError(f"'{text}' is not a date: write it as YYYY-MM-DD or DD/MM/YYYY")
    y, m, d = _ymd(match.groups())
    try:
        return date(y, m, d)
    except ValueError:
        raise DateInputError(f"'{text}' is not a real date") from None


def parse_import_datetime(text: str) -> datetime:
    """Read an import date-time: a strict date, a space, then HH:MM."""
    match = _IMPORT_DATETIME.fullmatch(text.strip())
    if not match:
        if serial := _excel_serial(text):
            raise DateInputError(
                f"'{text.strip()}' looks like an Excel date number (for {serial:%d/%m/%Y %H:%M}), not a date and "
                "time: format the column as DD/MM/YYYY HH:MM in the spreadsheet, save it and import again"
            )
        raise DateInputError(f"'{text}' is not a date and time: write it as YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM")
    y, m, d = _ymd(match.groups()[:6])
    hour, minute = int(match.group(7)), int(match.group(8))
    try:
        return datetime(y, m, d, hour, minute)
    except ValueError:
        raise DateInputError(f"'{text}' is not a real date and time") from None


def _ymd(groups) -> tuple[int, int, int]:
    if groups[0] is not None:
        return int(groups[0]), int(groups[1]), int(groups[2])
    return int(groups[5]), int(groups[4]), int(groups[3])


# ---------------------------------------------------------------- what users type


def parse_user_datetime(
    text: str, now: datetime, direction: str | None = None, default_time: time | None = None
) -> datetime:
    """Read a date, with an optional time, as a UK worker types it.

    A date without a year resolves to the past (logging what happened) or the future (booking)
    by `direction`; without a direction, to the current year.
    """
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise DateInputError(f"Type a date, {EXAMPLES}.")
    if raw == "now":
        return now
    if (lone := _TIME.fullmatch(raw)) and (lone.group(2) or lone.group(3) or raw.startswith(("at", "@"))):
        date_part, at = _split_time(f"today {raw}")  # a time alone is today at that time
    else:
        date_part, at = _split_time(raw)
    day = _parse_day(date_part, now.date(), direction, text)
    if at is None:
        at = default_time if default_time is not None else time(0, 0)
    return datetime.combine(day, at)


def parse_user_date(text: str, today: date, direction: str | None = None) -> date:
    """Read a date as a UK worker types it (see parse_user_datetime)."""
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise DateInputError(f"Type a date, {EXAMPLES}.")
    return _parse_day(raw, today, direction, text)


def _split_time(raw: str) -> tuple[str, time | None]:
    """Split a trailing time (14:00, 10am, 2.30pm, at 9) off a date."""
    if _ISO_DATE.fullmatch(raw) or _UK_DATE.fullmatch(raw):
        return raw, None
    words = raw.split(" ")
    for take in (2, 1):
        if len(words) <= take:
            continue
        head, tail = " ".join(words[:-take]), " ".join(words[-take:])
        match = _TIME.fullmatch(tail)
        if not match:
            continue
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if match.group(2) is None and half is None and not tail.startswith(("at", "@")):
            continue  # a bare number is a day ("in 2 weeks"), not a time
        if half:
            if not 1 <= hour <= 12:
                raise DateInputError(f"'{tail}' is not a time: use 10am or 14:00")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise DateInputError(f"'{tail}' is not a time: use 10am or 14:00")
        return head, time(hour, minute)
    return raw, None


def _parse_day(raw: str, today: date, direction: str | None, original: str) -> date:
    simple = {"today": 0, "now": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}
    if raw in simple:
        return today + timedelta(days=simple[raw])
    try:
        if match := _RELATIVE.fullmatch(raw):
            return _shift(today, int(match.group(1)), match.group(2))
        if match := _AGO.fullmatch(raw):
            return _shift(today, -int(match.group(1)), match.group(2))
    except (OverflowError, ValueError):
        raise DateInputError(f"'{original.strip()}' is too far away to be a date.") from None
    words = raw.split()
    if len(words) == 2 and words[0] in ("next", "last") and words[1] in _WEEKDAYS:
        return _weekday(today, _WEEKDAYS[words[1]], FUTURE if words[0] == "next" else PAST)
    if len(words) == 1 and raw in _WEEKDAYS:
        return _weekday(today, _WEEKDAYS[raw], direction or FUTURE)
    try:
        if match := _ISO_DATE.fullmatch(raw):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _UK_DATE.fullmatch(raw):
            d, m, y = int(match.group(1)), int(match.group(2)), match.group(3)
            if y is None:
                return _resolve_year(d, m, today, direction)
            year = int(y) + (2000 if len(y) == 2 else 0)
            return date(year, m, d)
    except ValueError:
        raise DateInputError(f"'{original.strip()}' is not a real date.") from None
    return _parse_words(raw, today, direction, original)


def _parse_words(raw: str, today: date, direction: str | None, original: str) -> date:
    """Dates in words ("3 Dec", "3 December 2026"), through dateutil, day first."""
    from dateutil import parser

    if not re.search(r"[a-z]", raw) or not re.search(r"\d", raw):
        raise DateInputError(f"Could not read '{original.strip()}' as a date: {EXAMPLES}.")
    try:
        first = parser.parse(raw, dayfirst=True, default=datetime(2000, 1, 1)).date()
        second = parser.parse(raw, dayfirst=True, default=datetime(2004, 1, 1)).date()
    except (ValueError, OverflowError, parser.ParserError):
        raise DateInputError(f"Could not read '{original.strip()}' as a date: {EXAMPLES}.") from None
    if first.year != second.year:  # no year was typed
        return _resolve_year(first.day, first.month, today, direction)
    return first


def _resolve_year(d: int, m: int, today: date, direction: str | None) -> date:
    candidate = _date_or_next_leap(today.year, m, d)
    if direction == PAST and candidate > today:
        candidate = _date_or_next_leap(today.year - 1, m, d, step=-1)
    elif direction == FUTURE and candidate < today:
        candidate = _date_or_next_leap(today.year + 1, m, d)
    return candidate


def _date_or_next_leap(year: int, m: int, d: int, step: int = 1) -> date:
    # 29/02 typed in a common year means the nearest leap year in the chosen direction.
    for offset in range(0, 8):
        try:
            return date(year + offset * step, m, d)
        except ValueError:
            if not (m == 2 and d == 29):
                raise
    raise ValueError("no such date")


def _shift(day: date, amount: int, unit: str) -> date:
    if unit.startswith("day"):
        return day + timedelta(days=amount)
    if unit.startswith("week"):
        return day + timedelta(weeks=amount)
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=amount)


def _weekday(today: date, weekday: int, direction: str) -> date:
    if direction == PAST:
        back = (today.weekday() - weekday) % 7 or 7
        return today - timedelta(days=back)
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


# ---------------------------------------------------------------- display


def format_date(day: date | None) -> str:
    """A date as the program shows it: `Tue 3 Dec 2026`."""
    if day is None:
        return ""
    return f"{day:%a} {day.day} {day:%b %Y}"


def format_datetime(moment: datetime | None) -> str:
    """A date-time as the program shows it: `Tue 3 Dec 2026 14:00`."""
    if moment is None:
        return ""
    return f"{format_date(moment.date())} {moment:%H:%M}"


def iso(day: date | None) -> str | None:
    """The stored form of a date."""
    return day.isoformat() if day else None


def iso_minute(moment: datetime | None) -> str | None:
    """The stored form of a date-time, to the minute."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else None


# ---------------------------------------------------------------- ages and quarters


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years; a 29 February birthday falls on 1 March in common years."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


@dataclass(frozen=True)
class Period:
    """A reporting period with inclusive first and last days."""

    label: str
    start: date
    end: date


_QUARTER = re.compile(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*q\s*([1-4])", re.IGNORECASE)


def parse_quarter(text: str) -> Period:
    """Read a financial-year quarter: `2026-27 Q2`, `2026/27 Q2` or `2026-27Q2`."""
    match = _QUARTER.fullmatch(text.strip())
    if not match:
        raise DateInputError(f"'{text}' is not a quarter: write the financial year and quarter, e.g. 2026-27 Q2.")
    first_year, second, quarter = int(match.group(1)), match.group(2), int(match.group(3))
    expected = (first_year + 1) % 100 if len(second) == 2 else first_year + 1
    if int(second) != expected:
        raise DateInputError(
            f"'{text}' is not a financial year: the second year follows the first, "
            f"e.g. {first_year}-{(first_year + 1) % 100:02d} Q{quarter}."
        )
    return quarter_period(first_year, quarter)


def quarter_period(first_year: int, quarter: int) -> Period:
    """The quarter `quarter` (1-4) of the financial year starting in April of `first_year`."""
    start_month = (4, 7, 10, 1)[quarter - 1]
    year = first_year + (1 if quarter == 4 else 0)
    start = date(year, start_month, 1)
    end_month_start = date(year + (start_month + 3 > 12), (start_month + 2) % 12 + 1, 1)
    end = end_month_start - timedelta(days=1)
    return Period(f"{first_year}-{(first_year + 1) % 100:02d} Q{quarter}", start, end)


def quarter_of(day: date) -> Period:
    """The financial-year quarter a day falls in."""
    first_year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return quarter_period(first_year, quarter)


def last_complete_quarter(today: date) -> Period:
    """The latest quarter that has ended before `today`."""
    current = quarter_of(today)
    return quarter_of(current.start - timedelta(days=1))


def custom_period(start: date, end: date) -> Period:
    """A period between two dates, inclusive."""
    if end < start:
        raise DateInputError("The period ends before it starts: put the earlier date in --from.")
    return Period(f"{start.isoformat()} to {end.isoformat()}", start, end)
