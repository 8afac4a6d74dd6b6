"""The anonymisation guard: no cell of a return may hold a value that identifies a client."""

from __future__ import annotations

import re
from datetime import date

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.errors import IdentifierInReturn
from cjcase.returns.build import ReturnTable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Identifier columns that are matched as whole words; names are split into their words.
NAME_COLUMNS = ("first_name", "last_name", "preferred_name")
VALUE_COLUMNS = (
    "client_ref",
    "postcode",
    "phone",
    "prison_number",
    "pnc_id",
    "probation_ref",
    "nhs_number",
    "offender_manager_phone",
)
LONGEST_IDENTIFIER_WORDS = 4  # "14 September 1988", "943 476 5919": up to four words


def words(text: str) -> list[str]:
    """Lower-case words of a text: letters and digits, split at everything else."""
    return _WORD.findall(text.lower())


def identifiers(db: sqlite_utils.Database) -> tuple[set[str], set[str]]:
    """The identifying values held in the database, as word sequences and as compact text.

    Names and aliases count from 3 letters; numbers only from 6 digits, so that counts in a
    return are never mistaken for a reference.
    """
    phrases: set[str] = set()
    compact: set[str] = set()

    def add(value: str | None, split_words: bool = False) -> None:
        if not value:
            return
        parts = words(value)
        candidates = [[p] for p in parts] if split_words else [parts]
        for candidate in candidates:
            joined = "".join(candidate)
            if not candidate or len(joined) < 3 or (joined.isdigit() and len(joined) < 6):
                continue
            phrases.add(" ".join(candidate))
            if len(candidate) > 1:
                compact.add(joined)

    def distinct(column: str) -> list[str]:
        # Each value once: clients share names, keyworkers and birthdays (a third of the work at
        # 50,000 clients was the same few hundred names again).
        return [
            value
            for (value,) in db.execute(
                f"SELECT DISTINCT {column} FROM clients WHERE {column} IS NOT NULL AND {column} != ''"
            )
        ]

    for column in NAME_COLUMNS + ("keyworker", "offender_manager_name"):
        for value in distinct(column):
            add(value, split_words=True)
    for aliases in distinct("aliases"):
        for alias in aliases.split(";"):
            add(alias, split_words=True)
    for column in VALUE_COLUMNS:
        for value in distinct(column):
            add(value)
    for born in distinct("date_of_birth"):
        for form in _date_forms(date.fromisoformat(born)):
            add(form)
    return phrases, compact


def _date_forms(day: date) -> list[str]:
    """A birth date as people write it: ISO, UK numeric (with or without zeros), in words."""
    return [
        day.isoformat(),
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d/%m/%y}",
        f"{day.day} {day:%b %Y}",
        f"{day.day} {day:%B %Y}",
        f"{day:%Y%m%d}",
    ]


def check(table: ReturnTable, db: sqlite_utils.Database) -> None:
    """Refuse a return if any cell (or template label) holds an identifying value."""
    phrases, compact = identifiers(db)
    exempt = codes.all_codes() | {f"{name}:{code}" for name, lists in _breakdowns().items() for code in lists}
    label_column = "measure" if table.template.kind == "aggregate" else None
    for label in sorted(table.template.labels):
        hit = _hit(label, phrases, compact)
        if hit:
            raise IdentifierInReturn(
                f"The template {table.template.path.name} has a label that holds an identifying "
                f"value held in the database: change that label. Nothing was written."
            )
    # An aggregate return's numbers are counts the measures made, never a value read from a
    # record; at 50,000 clients a quarter's count can be six digits that read as someone's birth
    # date (230997: 23/09/97). An extract's numbers are checked from six digits.
    counts_only = table.template.kind == "aggregate"
    for row in table.rows:
        for column, cell in zip(table.header, row, strict=False):
            if cell is None or isinstance(cell, int) and (counts_only or len(str(cell)) < 6):
                continue
            text = str(cell)
            if text in exempt or (column == label_column and text in table.template.labels):
                continue
            if _hit(text, phrases, compact):
                raise IdentifierInReturn(
                    f"The column '{column}' would carry an identifying value (a name, date of "
                    "birth, reference or contact detail held in the database), so the return was "
                    "not written."
                )


def _hit(text: str, phrases: set[str], compact: set[str]) -> bool:
    parts = words(text)
    for size in range(1, LONGEST_IDENTIFIER_WORDS + 1):
        for start in range(0, len(parts) - size + 1):
            window = parts[start : start + size]
            if " ".join(window) in phrases or (size > 1 and "".join(window) in compact):
                return True
    return "".join(parts) in compact


def _breakdowns():
    from cjcase.returns.measures import BREAKDOWNS

    return BREAKDOWNS
