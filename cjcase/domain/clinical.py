"""Interventions, deaths and safeguarding concerns (DOMAIN.md "Interventions, deaths and
safeguarding"): the records' fields, their rules of record and what is derived from them. Pure:
no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from cjcase.domain import codes
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Record
from cjcase.domain.rules import Field

# An open concern with no update for this many days is an agenda action.
SAFEGUARDING_STALE_DAYS = 28


def _code(choices: tuple[str, ...], required: bool = False) -> Field:
    return Field("code", required, choices)


# The fields in the order of DOMAIN.md (and of the CSV files).
INTERVENTION = {
    "kind": _code(codes.INTERVENTION_KIND, True),
    "date": Field("date", True, column="intervention_date"),
    "notes": Field("text"),
}
DEATH = {
    "date_of_death": Field("date", True),
    "drug_related_suspected": _code(codes.DRUG_RELATED_SUSPECTED, True),
    "notes": Field("text"),
}
SAFEGUARDING = {
    "raised_date": Field("date", True),
    "raised_with": Field("text", True),
    "category": _code(codes.SAFEGUARDING_CATEGORY, True),
    "outcome": Field("text"),
    "closed_date": Field("date"),
    "notes": Field("text"),
}
# Free text never written into a return (DOMAIN.md "Privacy and audit").
FREE_TEXT = ("notes", "raised_with", "outcome")


def _past(clean: dict[str, Any], name: str, today: date | None, what: str) -> list[ValidationError]:
    value = clean.get(name)
    if value and today and str(value) > today.isoformat():
        return [ValidationError(name, f"The {what} is after today: record it once it has happened.")]
    return []


def check_intervention(clean: dict[str, Any], today: date | None = None) -> list[ValidationError]:
    """The date is past; `other` says what it was in the notes."""
    problems = _past(clean, "date", today, "intervention date")
    if clean.get("kind") == "other" and not (clean.get("notes") or "").strip():
        problems.append(ValidationError("notes", "An 'other' intervention needs notes saying what it was."))
    return problems


def check_death(clean: dict[str, Any], date_of_birth: str | None, today: date | None = None) -> list[ValidationError]:
    """The date of death is past and not before the date of birth."""
    problems = _past(clean, "date_of_death", today, "date of death")
    died = clean.get("date_of_death")
    if died and date_of_birth and str(died) < date_of_birth:
        problems.append(ValidationError("date_of_death", "The date of death is before the date of birth."))
    return problems


def check_safeguarding(clean: dict[str, Any], today: date | None = None) -> list[ValidationError]:
    """Both dates past, closed on or after raised, an outcome exactly when closed is set."""
    problems = _past(clean, "raised_date", today, "date raised")
    problems += _past(clean, "closed_date", today, "closed date")
    raised, closed = clean.get("raised_date"), clean.get("closed_date")
    if closed and raised and str(closed) < str(raised):
        problems.append(ValidationError("closed_date", "The closed date is before the date the concern was raised."))
    if closed and not (clean.get("outcome") or "").strip():
        problems.append(ValidationError("outcome", "The outcome is needed to close the concern."))
    return problems


@dataclass
class Intervention(Record):
    """One countable harm-reduction or health action."""

    id: int
    client_id: int
    kind: str
    intervention_date: date
    notes: str | None = None

    _date_fields = ("intervention_date",)

    @property
    def label(self) -> str:
        """The kind in words."""
        return codes.INTERVENTION_LABEL[self.kind].removesuffix(" (say what in the notes)")


@dataclass
class Death(Record):
    """That a client died."""

    id: int
    client_id: int
    date_of_death: date
    drug_related_suspected: str
    notes: str | None = None

    _date_fields = ("date_of_death",)


@dataclass
class SafeguardingConcern(Record):
    """A dated concern raised with another agency; open until closed with an outcome."""

    id: int
    client_id: int
    raised_date: date
    raised_with: str
    category: str
    outcome: str | None = None
    closed_date: date | None = None
    notes: str | None = None
    last_update: date | None = None

    _date_fields = ("raised_date", "closed_date", "last_update")

    @property
    def is_open(self) -> bool:
        """Open until it has a closed date."""
        return self.closed_date is None

    def updated_on(self) -> date:
        """The day it was last changed in the program, or raised (after an import)."""
        return self.last_update or self.raised_date

    def is_stale(self, today: date) -> bool:
        """Open more than 28 days with no update: an agenda action."""
        return self.is_open and (today - self.updated_on()).days > SAFEGUARDING_STALE_DAYS


def days_since_release(date_of_death: date, release_dates: list[date]) -> int | None:
    """The date of death minus the latest release (actual date) on or before it; None if none."""
    before = [day for day in release_dates if day <= date_of_death]
    return (date_of_death - max(before)).days if before else None
