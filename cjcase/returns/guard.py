"""The anonymisation guard: no cell or label of a return may hold a value that identifies a client.

Every identifying column of the clients table is covered (names, aliases, references, contact
details, address, the alternative contact, the offender manager's details, the date of birth).
Free-text notes are not matched (a note is prose, not an identifier, and no column of a return
can carry one: templates refuse the `notes` column). Dates of birth and phone numbers are recognised in the forms people write them
("14th September 1983", "September 14, 1983", "14/9/83", "14-Sep-83", "+44 7700 900333") by
reading dates and numbers out of the text, not by listing every spelling.

A hit in a cell refuses the return. A hit in a template label (title, measure or column label)
refuses it too, naming the label and the kind of value; the one exception is a label whose only
hit is a single word that is also someone's first name or surname (a label "White" when a client
is called White): that is a warning naming the label and the word, and the return is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.errors import IdentifierInReturn
from cjcase.returns.build import ReturnTable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Columns of people's names: matched word by word (and as the whole name).
NAME_COLUMNS = ("first_name", "last_name", "preferred_name", "keyworker", "offender_manager_name")
# Columns matched as a whole value (in any spacing or punctuation).
VALUE_COLUMNS = (
    "client_ref",
    "postcode",
    "prison_number",
    "pnc_id",
    "probation_ref",
    "nhs_number",
    "offender_manager_email",
    "address",
    "alt_contact",
)
# Columns holding phone numbers, and free text that may hold one.
PHONE_COLUMNS = ("phone", "offender_manager_phone", "alt_contact", "address")
# Every identifying column of the clients table, for the test that keeps this list whole.
COVERED_COLUMNS = frozenset(NAME_COLUMNS + VALUE_COLUMNS + PHONE_COLUMNS + ("aliases", "date_of_birth"))
LONGEST_WINDOW = 12  # a value is looked for as up to 12 consecutive words; longer values whole

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")


def words(text: str) -> list[str]:
    """Lower-case words of a text: letters and digits, split at everything else."""
    return _WORD.findall(text.lower())


@dataclass
class Identifiers:
    """The identifying values held in the database, in the forms the guard compares."""

    phrases: dict[str, str] = field(default_factory=dict)  # word sequence -> kind of value
    compact: dict[str, str] = field(default_factory=dict)  # the same without spaces -> kind
    name_words: set[str] = field(default_factory=set)  # single words of people's names
    phones: set[str] = field(default_factory=set)  # national form, 0 and ten digits
    births: set[date] = field(default_factory=set)


_KINDS = {
    "first_name": "a name",
    "last_name": "a name",
    "preferred_name": "a name",
    "keyworker": "a name",
    "offender_manager_name": "a name",
    "aliases": "a name",
    "client_ref": "a reference",
    "prison_number": "a reference",
    "pnc_id": "a reference",
    "probation_ref": "a reference",
    "nhs_number": "a reference",
    "postcode": "a postcode",
    "offender_manager_email": "an email address",
    "address": "an address",
    "alt_contact": "a contact detail",
}


def identifiers(db: sqlite_utils.Database) -> Identifiers:
    """The identifying values held in the database.

    Names and aliases count from 3 letters; numbers only from 6 digits, so that counts in a
    return are never mistaken for a reference.
    """
    found = Identifiers()

    def add(value: str | None, kind: str) -> None:
        parts = words(value or "")
        joined = "".join(parts)
        if not parts or len(joined) < 3 or (joined.isdigit() and len(joined) < 6):
            return
        found.phrases.setdefault(" ".join(parts), kind)
        if len(parts) > 1:
            found.compact.setdefault(joined, kind)

    def distinct(column: str) -> list[str]:
        # Each value once: clients share names, keyworkers and birthdays (a third of the work at
        # 50,000 clients was the same few hundred names again).
        return [
            value
            for (value,) in db.execute(
                f"SELECT DISTINCT {column} FROM clients WHERE {column} IS NOT NULL AND {column} != ''"
            )
        ]

    def add_name(value: str, kind: str) -> None:
        add(value, kind)  # the whole name: "Stephen Moore"
        for part in words(value):
            if len(part) >= 3 and not part.isdigit():
                found.name_words.add(part)
                found.phrases.setdefault(part, kind)

    for column in NAME_COLUMNS:
        for value in distinct(column):
            add_name(value, _KINDS[column])
    for aliases in distinct("aliases"):
        for alias in aliases.split(";"):
            add_name(alias, "a name")
    for column in VALUE_COLUMNS:
        for value in distinct(column):
            add(value, _KINDS[column])
            # An address or contact written over lines or with commas: each part with a house
            # number or a postcode in it ("14 Elm Street", "LS6 2AB") identifies too, and so does
            # a contact's name ("Jane Doe" of "Mother, Jane Doe, 07700 900123").
            if column in ("address", "alt_contact"):
                for piece in re.split(r"[,;\n]", value):
                    digits = re.search(r"\d", piece)
                    if len(words(piece)) > 1 and (digits or column == "alt_contact"):
                        add(piece, _KINDS[column])
    for column in PHONE_COLUMNS:
        for value in distinct(column):
            for run in re.findall(r"\+?[\d][\d ()\-.]{8,}\d", value):
                number = _national(re.sub(r"\D", "", run))
                if number:
                    found.phones.add(number)
    for born in distinct("date_of_birth"):
        found.births.add(date.fromisoformat(born))
    return found


def _national(digits: str) -> str | None:
    """A UK phone number as 0 and ten digits, from +44, 0044, +44 (0) or national forms."""
    for prefix in ("00440", "0044", "440", "44"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 10:
            return "0" + digits[len(prefix) :]
    if len(digits) == 11 and digits.startswith("0"):
        return digits
    if len(digits) == 10 and not digits.startswith("0"):
        return "0" + digits
    return None


@dataclass(frozen=True)
class Hit:
    """What a text was found to hold: the kind of value, and the word when it is a lone name."""

    kind: str
    lone_name: str | None = None


def check(table: ReturnTable, db: sqlite_utils.Database) -> list[str]:
    """Refuse a return if any cell or template label holds an identifying value.

    Returns warnings: labels whose only hit is one word that is also someone's name.
    """
    found = identifiers(db)
    exempt = codes.all_codes() | {f"{name}:{code}" for name, lists in _breakdowns().items() for code in lists}
    warnings = []
    warned: set[str | None] = set()
    labels = set(table.template.labels) | set(table.header)
    for label in sorted(labels):
        if label in exempt:
            continue
        hits = _hits(label, found)
        if not hits:
            continue
        lone = {hit.lone_name for hit in hits}
        if len(hits) == 1 and None not in lone:
            if hits[0].lone_name in warned:
                continue  # once per word: "X" and its derived "X_numerator" say the same
            warned.add(hits[0].lone_name)
            warnings.append(
                f"The label '{label}' of the template {table.template.path.name} holds the word "
                f"'{hits[0].lone_name}', which is also the name of someone in the caseload: "
                "the return was written; change the label if it could point to them."
            )
            continue
        kinds = sorted({hit.kind for hit in hits})
        raise IdentifierInReturn(
            f"The label '{label}' of the template {table.template.path.name} holds "
            f"{' and '.join(kinds)} held in the database: change that label. Nothing was written."
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
            # A cell of an aggregate return that is one of the template's own labels (a measure's
            # label, a relabelled group) was judged above as a label: refused, or warned about.
            # An extract's cells come from the records, and are always checked.
            if text in exempt or (counts_only and text in table.template.labels):
                continue
            if _hits(text, found, first_only=True):
                raise IdentifierInReturn(
                    f"The column '{column}' would carry an identifying value (a name, date of "
                    "birth, reference or contact detail held in the database), so the return was "
                    "not written."
                )
    return warnings


def _hits(text: str, found: Identifiers, first_only: bool = False) -> list[Hit]:
    """The identifying values a text holds (each kind once; lone name words one by one)."""
    parts = words(text)
    hits: list[Hit] = []
    names: set[str] = set()
    covered: set[int] = set()  # words inside a longer hit are not counted again as lone names
    for size in range(min(LONGEST_WINDOW, len(parts)), 0, -1):
        for start in range(0, len(parts) - size + 1):
            window = parts[start : start + size]
            kind = found.phrases.get(" ".join(window)) or found.compact.get("".join(window))
            if not kind:
                continue
            if size == 1 and window[0] in found.name_words:
                if start not in covered:
                    names.add(window[0])
            else:
                hits.append(Hit(kind))
                covered.update(range(start, start + size))
            if first_only:
                return hits or [Hit(kind)]
    whole = found.compact.get("".join(parts))
    if whole:
        hits.append(Hit(whole))
    if _phone_in(parts, found.phones):
        hits.append(Hit("a phone number"))
    if _birth_in(parts, found.births):
        hits.append(Hit("a date of birth"))
    if len(names) > 1:
        hits.append(Hit("a name"))
    elif names:
        hits.append(Hit("a name", lone_name=names.pop()))
    unique: dict[Hit, None] = dict.fromkeys(hits)
    return list(unique)


def _phone_in(parts: list[str], phones: set[str]) -> bool:
    if not phones:
        return False
    for start in range(len(parts)):
        digits = ""
        for part in parts[start : start + 5]:
            if not part.isdigit():
                break
            digits += part
            number = _national(digits)
            if number and number in phones:
                return True
    return False


def _birth_in(parts: list[str], births: set[date]) -> bool:
    if not births:
        return False
    for start in range(len(parts)):
        for candidate in _dates_at(parts, start):
            if candidate in births:
                return True
    return False


def _dates_at(parts: list[str], start: int) -> list[date]:
    """Every date the words from `start` can be read as: 14/9/83, 1983-09-14, 14th Sep 1983,
    14th of September 1983, September 14, 1983, 14-Sep-83, 14091983, 19830914, 140983."""
    out: list[date] = []
    first = parts[start]
    rest = parts[start + 1 : start + 4]
    if first.isdigit() and len(first) in (6, 8):
        if len(first) == 8:
            out += _make(first[4:], first[2:4], first[:2]) + _make(first[:4], first[4:6], first[6:])
        else:
            out += _make(first[4:], first[2:4], first[:2])
    if len(rest) >= 2 and first.isdigit() and rest[0].isdigit() and rest[1].isdigit():
        a, b, c = first, rest[0], rest[1]
        if len(a) == 4:
            out += _make(a, b, c)
        else:
            out += _make(c, b, a) + _make(c, a, b)  # UK day first; a month-first spelling too
    day = _ORDINAL.fullmatch(first)
    if day and rest:
        tail = rest[1:] if rest[0] == "of" else rest
        if len(tail) >= 2 and tail[0] in _MONTHS:
            out += _make(tail[1], str(_MONTHS[tail[0]]), day.group(1))
    if first in _MONTHS and len(rest) >= 2:
        day = _ORDINAL.fullmatch(rest[0])
        if day:
            out += _make(rest[1], str(_MONTHS[first]), day.group(1))
    return out


def _make(year: str, month: str, day: str) -> list[date]:
    if not (year.isdigit() and month.isdigit() and day.isdigit()) or len(year) not in (2, 4):
        return []
    years = [int(year)] if len(year) == 4 else [1900 + int(year), 2000 + int(year)]
    out = []
    for number in years:
        try:
            out.append(date(number, int(month), int(day)))
        except ValueError:
            pass
    return out


def _breakdowns():
    from cjcase.returns.measures import BREAKDOWNS

    return BREAKDOWNS
