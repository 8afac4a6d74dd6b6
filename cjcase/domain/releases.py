"""Releases from custody (DOMAIN.md "Releases from custody"): the record's fields and rules, the
pre-release checklist and the continuity-of-care status of its 21-day window. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cjcase.domain import codes
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Record
from cjcase.domain.rules import Field

WINDOW_DAYS = 21  # the window runs from actual_date to actual_date + 21, both inclusive
DUE_DAYS = 14  # the agenda lists releases due in the next fortnight
NO_APPOINTMENT_DAYS = 3  # "released in 3 days, no first appointment booked"


def _code(choices: tuple[str, ...]) -> Field:
    return Field("code", False, choices)


# The fields in the order of DOMAIN.md's table (and of releases.csv). `prison` is required, except
# on a release made from a v1 date (RELEASE_STORED; check_release says so for merged changes).
RELEASE = {
    "prison": Field("text", True),
    "expected_date": Field("date", True),
    "actual_date": Field("date"),
    "release_type": _code(codes.RELEASE_TYPE),
    "accommodation_on_release": _code(codes.ACCOMMODATION_ON_RELEASE),
    "treatment_need_in_custody": Field("yes_no"),
    "in_custody_treatment": Field("yes_no"),
    "first_appointment_provider": Field("text"),
    "first_appointment_at": Field("datetime"),
    "script_continuity": _code(codes.SCRIPT_CONTINUITY),
    "naloxone_offered": Field("yes_no"),
    "naloxone_issued": Field("yes_no"),
    "gate_pickup_booked": Field("yes_no"),
    "onward_provider": Field("text"),
    "onward_referred_date": Field("date"),
    "community_start_date": Field("date"),
    "confirmed_by": Field("text"),
    "coc_exclusion": _code(codes.COC_EXCLUSION),
    "notes": Field("text"),
}
# As stored: a release made from a v1 date may have no prison.
RELEASE_STORED = {**RELEASE, "prison": Field("text")}
# Free text never written into a return (DOMAIN.md "Privacy and audit").
FREE_TEXT = ("prison", "first_appointment_provider", "onward_provider", "confirmed_by", "notes")
# Exclusions that need the person to have been released first.
NEEDS_ACTUAL = ("re_imprisoned", "moved_out_of_area")


@dataclass
class Release(Record):
    """One person leaving one prison."""

    id: int
    client_id: int
    expected_date: date
    prison: str | None = None
    actual_date: date | None = None
    release_type: str | None = None
    accommodation_on_release: str | None = None
    treatment_need_in_custody: str | None = None
    in_custody_treatment: str | None = None
    first_appointment_provider: str | None = None
    first_appointment_at: datetime | None = None
    script_continuity: str | None = None
    naloxone_offered: str | None = None
    naloxone_issued: str | None = None
    gate_pickup_booked: str | None = None
    onward_provider: str | None = None
    onward_referred_date: date | None = None
    community_start_date: date | None = None
    confirmed_by: str | None = None
    coc_exclusion: str | None = None
    notes: str | None = None
    from_v1: int = 0

    _date_fields = ("expected_date", "actual_date", "onward_referred_date", "community_start_date")
    _datetime_fields = ("first_appointment_at",)

    @property
    def link_date(self) -> date:
        """The day that finds the release's episode: the actual date, or the expected one until then."""
        return self.actual_date or self.expected_date

    @property
    def window_end(self) -> date | None:
        """The last day of the 21-day window (None until the release has happened)."""
        return self.actual_date + timedelta(days=WINDOW_DAYS) if self.actual_date else None

    @property
    def is_due(self) -> bool:
        """Still to happen: no actual date and no exclusion."""
        return self.actual_date is None and self.coc_exclusion is None

    def in_window(self, day: date | None) -> bool:
        """True when `day` falls inside the window."""
        end = self.window_end
        return bool(day and end and self.actual_date and self.actual_date <= day <= end)


def continuity_status(release: Release, today: date, structured_attended: Iterable[date] = ()) -> str:
    """The release's continuity status on day `today` (DOMAIN.md, the first that applies).

    `structured_attended` are the days of the client's attended sessions of a structured kind
    (assessment, keywork, group, review) at this service: this service is a community provider too.
    A gate pick-up, phone call or prison visit never engages."""
    if release.coc_exclusion:
        return "excluded"
    if release.actual_date is not None:
        start = release.community_start_date
        if start and release.in_window(start) and start <= today:
            return "engaged"
        if any(release.in_window(day) and day <= today for day in structured_attended):
            return "engaged"
    if release.actual_date is None:
        return "due"
    assert release.window_end is not None
    return "pending" if today <= release.window_end else "not_engaged"


def days_left(release: Release, today: date) -> int:
    """Days left in the window, counting today (0 on its last day)."""
    assert release.window_end is not None
    return (release.window_end - today).days


# The pre-release checklist: (name, label, done?, clinical?). A volunteer sees only the gate pick-up.
def checklist(release: Release) -> list[tuple[str, str, bool, bool]]:
    """Each item of the checklist with whether it is done."""
    first = release.first_appointment_provider and release.first_appointment_at
    return [
        ("first_appointment", "first appointment booked", bool(first), True),
        ("script_continuity", "script continuity", release.script_continuity in ("yes", "not_applicable"), True),
        ("naloxone_offered", "naloxone offered", release.naloxone_offered == "yes", True),
        ("naloxone_issued", "naloxone issued", release.naloxone_issued == "yes", True),
        ("gate_pickup_booked", "gate pick-up", release.gate_pickup_booked == "yes", False),
        (
            "accommodation",
            "accommodation",
            release.accommodation_on_release not in (None, "not_known"),
            True,
        ),
    ]


def missing(release: Release, clinical: bool = True) -> list[str]:
    """The checklist items still to do (only the gate pick-up when `clinical` is False)."""
    return [label for _, label, done, is_clinical in checklist(release) if not done and (clinical or not is_clinical)]


def check_release(clean: dict, today: date, from_v1: bool = False) -> list[ValidationError]:
    """Rules of record across a release's fields (cleaned values, ISO text), each reported on the
    field that states it. A release made from a v1 date is exempt from *past* and from `prison`."""
    problems = []
    actual = clean.get("actual_date")
    start = clean.get("community_start_date")
    if not from_v1 and "prison" in clean and not (clean["prison"] or "").strip():
        problems.append(ValidationError("prison", "The prison is required: name the releasing prison."))
    past = ["onward_referred_date", "community_start_date"] + ([] if from_v1 else ["actual_date"])
    for name in past:
        if clean.get(name) and clean[name] > today.isoformat():
            problems.append(ValidationError(name, f"The {name.replace('_', ' ')} is in the future."))
    if clean.get("in_custody_treatment") == "yes" and clean.get("treatment_need_in_custody") != "yes":
        problems.append(
            ValidationError(
                "in_custody_treatment", "In-custody treatment 'yes' needs a treatment need in custody 'yes'."
            )
        )
    if clean.get("first_appointment_at") and not clean.get("first_appointment_provider"):
        problems.append(
            ValidationError("first_appointment_at", "A first appointment needs its provider: say who it is with.")
        )
    if clean.get("naloxone_issued") == "yes" and clean.get("naloxone_offered") != "yes":
        problems.append(ValidationError("naloxone_issued", "Naloxone issued 'yes' needs naloxone offered 'yes'."))
    if clean.get("onward_referred_date") and not clean.get("onward_provider"):
        problems.append(
            ValidationError("onward_referred_date", "An onward referral needs the provider it was made to.")
        )
    if start:
        if not actual:
            problems.append(
                ValidationError(
                    "community_start_date",
                    "A community start needs the actual release date first: record the release.",
                )
            )
        elif start < actual:
            problems.append(
                ValidationError(
                    "community_start_date",
                    "The community start is before the release: a start before release is not continuity of care.",
                )
            )
        if not (clean.get("confirmed_by") or "").strip():
            problems.append(
                ValidationError("confirmed_by", "Say who confirmed the community start (person and provider).")
            )
    exclusion = clean.get("coc_exclusion")
    if exclusion in NEEDS_ACTUAL and not actual:
        problems.append(
            ValidationError("coc_exclusion", f"The exclusion {codes.label(exclusion)} needs the actual release date.")
        )
    if exclusion and start and actual and actual <= start <= _plus(actual, WINDOW_DAYS):
        problems.append(
            ValidationError(
                "coc_exclusion",
                "The community start is inside the window, so the release is engaged: it cannot be excluded.",
            )
        )
    return problems


def _plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()
