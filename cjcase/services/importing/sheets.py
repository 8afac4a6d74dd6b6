"""The import format of DOMAIN.md: which sheets it has, the table, rules and key of each, and the
shapes a sheet, a checked row and a problem take on their way through the import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cjcase.domain import rules
from cjcase.domain.clinical import DEATH, INTERVENTION, SAFEGUARDING
from cjcase.domain.releases import RELEASE

# episodes.csv still takes the v1 `prison_release_date`: it becomes a release (importing/releases.py).
EPISODE_IMPORT = {**rules.EPISODE, "prison_release_date": rules.Field("date")}

# file stem -> (table, field rules, key fields after client_ref, required fields)
SHEETS = {
    "clients": ("clients", rules.CLIENT, ("client_ref",)),
    # The v1 requirement columns are taken and become a requirement (importing/legal.py).
    "episodes": ("episodes", {**EPISODE_IMPORT, **rules.EPISODE_V1_REQUIREMENT}, ("referral_date",)),
    "releases": ("releases", RELEASE, ("expected_date",)),
    "custody_events": ("custody_events", rules.CUSTODY_EVENT, ("arrested_at",)),
    "requirements": ("requirements", rules.REQUIREMENT, ("requirement", "start_date")),
    "orders": ("orders", rules.ORDER, ("sentence_date",)),
    "order_events": ("order_events", rules.ORDER_EVENT, ("sentence_date", "kind", "date")),
    "sessions": ("sessions", rules.SESSION, ("when", "kind")),
    "goals": ("goals", rules.GOAL, ("domain", "set_date", "description")),
    "court_dates": ("court_dates", rules.COURT_DATE, ("when",)),
    "tops": ("tops", rules.TOP, ("date", "stage")),
    "consents": ("consents", rules.CONSENT, ("agency", "purpose", "given_date")),
    "interventions": ("interventions", INTERVENTION, ("kind", "date")),
    "safeguarding": ("safeguarding", SAFEGUARDING, ("raised_date", "category")),
    "deaths": ("deaths", DEATH, ()),  # one per client
}
ORDER = tuple(SHEETS)
# The columns the import format carries: the identifiers added later are accepted too.
IMPORT_COLUMNS = {
    "clients": tuple(rules.CLIENT),
    "episodes": tuple(name for name in SHEETS["episodes"][1] if name != "transferred_to"),
    "releases": tuple(RELEASE),
    **{
        name: tuple(SHEETS[name][1])
        for name in (
            "custody_events",
            "requirements",
            "orders",
            "order_events",
            "sessions",
            "goals",
            "court_dates",
            "tops",
            "consents",
            "interventions",
            "safeguarding",
            "deaths",
        )
    },
}

# Columns a file must have although a cell may be empty: a quick referral leaves sex and
# ethnicity empty, but clients.csv keeps the v1 required columns (DOMAIN.md, Clients v2).
HEADER_REQUIRED = {"clients": rules.QUICK_REFERRAL_OPTIONAL}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the import, where a text editor would find it."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass
class Sheet:
    """One table of the import: its file name, header, and its (line, cells) rows, read as the
    import goes so that a large file is never held in memory whole."""

    name: str
    file: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size_hint: int = 0  # about how many rows, for progress
    writable: bool = True  # False when its columns are wrong: checked for the report only


@dataclass
class Row:
    """A checked row, ready to write."""

    sheet: str
    line: int
    client_ref: str
    values: dict[str, Any]  # cleaned, keyed by import field name

    def key(self) -> tuple:
        return (self.client_ref, *(self.values.get(k) for k in SHEETS[self.sheet][2]))
