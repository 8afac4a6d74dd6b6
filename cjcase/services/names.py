"""The organisation's lists of names: keyworkers, courts and peer mentors.

A name is picked from its list; a new one joins it only by a deliberate step (`add_name`), so a
typo ("Tom" for Tom Gallagher) cannot become a phantom keyworker. Names already on records (an
import may bring new ones) are on the lists too.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from cjcase.domain.errors import CjcaseError, ValidationError
from cjcase.services import settings


@dataclass(frozen=True)
class NameList:
    """One list: the setting that holds the names added to it, and where records name them."""

    field: str  # the field that takes a name from it
    setting: str
    noun: str
    in_records: str | None  # SQL for the names already used on records


LISTS = {
    "keyworker": NameList(
        "keyworker",
        "keyworkers",
        "keyworker",
        "SELECT DISTINCT keyworker FROM clients WHERE keyworker IS NOT NULL AND trim(keyworker) != ''",
    ),
    "court": NameList(
        "court",
        "courts",
        "court",
        "SELECT DISTINCT court FROM court_dates WHERE court IS NOT NULL AND trim(court) != ''",
    ),
    "peer_mentor": NameList("peer_mentor", "peer_mentors", "peer mentor", None),
}


def _added(db: sqlite_utils.Database, kind: str) -> list[str]:
    return [name.strip() for name in settings.get(db, LISTS[kind].setting).split(";") if name.strip()]


def known(db: sqlite_utils.Database, kind: str) -> list[str]:
    """The names on a list (added, or already on a record), in alphabetical order."""
    names = {name.casefold(): name for name in _added(db, kind)}
    in_records = LISTS[kind].in_records
    if in_records:
        for (name,) in db.execute(in_records).fetchall():
            names.setdefault(name.strip().casefold(), name.strip())
    return sorted(names.values(), key=str.casefold)


def resolve(db: sqlite_utils.Database, kind: str, text: str | None) -> str | None:
    """The listed name that `text` stands for: the name itself in any case, or the one name it
    begins (`tom` → Tom Gallagher); None when it names none of them, or several."""
    wanted = (text or "").strip().casefold()
    if not wanted:
        return None
    names = known(db, kind)
    exact = [name for name in names if name.casefold() == wanted]
    if exact:
        return exact[0]
    starting = [name for name in names if name.casefold().startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    return None


def choose(db: sqlite_utils.Database, kind: str, text: str) -> str:
    """The listed name `text` stands for: the name itself in any case, or the one name it begins
    (else the one with a word it begins: `gall` is Tom Gallagher). A sentence says so when it
    names nobody, or who it could be when it names several."""
    typed = " ".join(text.split())
    wanted = typed.casefold()
    names = known(db, kind)
    exact = [name for name in names if name.casefold() == wanted]
    if exact:
        return exact[0]
    starting = [name for name in names if name.casefold().startswith(wanted)] or [
        name for name in names if any(word.startswith(wanted) for word in name.casefold().split())
    ]
    if len(starting) == 1:
        return starting[0]
    noun = LISTS[kind].noun
    if starting:
        raise CjcaseError(
            f"'{typed}' could be any of {len(starting)} {noun}s: {_either(starting)}. Type more of the name."
        )
    if not names:
        raise CjcaseError(f"No {noun} is named '{typed}': the caseload has no {noun}s yet.")
    raise CjcaseError(f"No {noun}'s name begins with '{typed}'. The {noun}s are {_either(names, 'and')}.")


def _either(names: list[str], joiner: str = "or") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {joiner} {names[-1]}"


def problem(db: sqlite_utils.Database, kind: str, text: str | None) -> ValidationError | None:
    """Why `text` cannot be taken as a name from the list, or None when it can (or is empty)."""
    typed = (text or "").strip()
    names = known(db, kind)
    if not typed or typed in names:
        return None
    wanted = typed.casefold()
    close = [name for name in names if wanted in name.casefold() or name.casefold() in wanted]
    noun = LISTS[kind].noun
    hint = f" Did you mean {' or '.join(close[:3])}?" if close else ""
    return ValidationError(
        LISTS[kind].field,
        f"{typed} is not on the organisation's list of {noun}s.{hint} Choose one from the list, "
        f"or add {typed} as a new {noun} first (ctrl+n in the form).",
    )


def check(db: sqlite_utils.Database, kind: str, text: str | None) -> None:
    """Refuse a name not on its list (a rule of entry: the importer takes new names)."""
    error = problem(db, kind, text)
    if error:
        raise error


def add_name(db: sqlite_utils.Database, kind: str, name: str) -> str:
    """Put a new name on a list, deliberately (audited as a change of setting); returns it as listed."""
    name = " ".join((name or "").split())
    noun = LISTS[kind].noun
    if not name:
        raise CjcaseError(f"Type the new {noun}'s name first.")
    if ";" in name:
        raise CjcaseError(f"A {noun}'s name cannot hold ';'.")
    for listed in known(db, kind):
        if listed.casefold() == name.casefold():
            return listed
    settings.set_value(db, LISTS[kind].setting, "; ".join([*_added(db, kind), name]))
    return name
