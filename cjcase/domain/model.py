"""The records the services return: plain dataclasses, no I/O."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any


class Record:
    """Builds a dataclass from a database row, turning stored ISO text into dates."""

    _date_fields: tuple[str, ...] = ()
    _datetime_fields: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]):
        """The record for one row (extra columns are ignored)."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        values = {k: v for k, v in row.items() if k in names}
        for name in cls._date_fields:
            if values.get(name):
                values[name] = date.fromisoformat(values[name])
        for name in cls._datetime_fields:
            if values.get(name):
                values[name] = datetime.strptime(values[name], "%Y-%m-%d %H:%M")
        return cls(**values)


@dataclass
class Client(Record):
    """A person on the caseload."""

    id: int
    client_ref: str
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str | None
    ethnicity: str | None
    preferred_name: str | None = None
    postcode: str | None = None
    phone: str | None = None
    keyworker: str | None = None
    risk_flags: str = ""
    consent_to_share: str | None = None
    consent_date: date | None = None
    notes: str | None = None
    prison: str | None = None
    prison_number: str | None = None
    pnc_id: str | None = None
    probation_ref: str | None = None
    nhs_number: str | None = None
    offender_manager_name: str | None = None
    offender_manager_phone: str | None = None
    offender_manager_email: str | None = None
    address: str | None = None
    no_fixed_abode: int = 0
    alt_contact: str | None = None
    aliases: str | None = None
    quick_referral: str = "no"

    _date_fields = ("date_of_birth", "consent_date")

    @property
    def missing_details(self) -> list[str]:
        """A quick referral's fields still to fill in (sex, ethnicity), for the data-quality line."""
        return [name for name in ("sex", "ethnicity") if self.quick_referral == "yes" and not getattr(self, name)]

    @property
    def missing_details_line(self) -> str | None:
        """The record's data-quality line while a quick referral's sex or ethnicity is empty."""
        missing = self.missing_details
        if not missing:
            return None
        return f"Quick referral: {' and '.join(missing)} not recorded yet (e edits the client)."

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"

    @property
    def flags(self) -> list[str]:
        """The risk flag codes, in stored order."""
        return [flag for flag in self.risk_flags.split(";") if flag]


@dataclass
class Episode(Record):
    """One referral into the service and what followed."""

    id: int
    client_id: int
    referral_date: date
    referral_source: str
    pathway: str
    primary_substance: str
    start_date: date | None = None
    discharge_date: date | None = None
    discharge_reason: str | None = None
    order_start: date | None = None
    order_end: date | None = None
    transferred_to: str | None = None
    drug_2: str | None = None
    drug_3: str | None = None
    route: str | None = None
    injecting_status: str | None = None
    alcohol_units_per_day: int | None = None
    consent_to_ndtms: str | None = None
    contact_event: str | None = None
    contact_event_date: date | None = None

    _date_fields = (
        "referral_date",
        "start_date",
        "discharge_date",
        "order_start",
        "order_end",
        "contact_event_date",
    )

    @property
    def substance_group(self) -> str | None:
        """The episode's substance group (DOMAIN.md), derived from its substances, never stored."""
        from cjcase.domain.codes import substance_group

        return substance_group(self.primary_substance, self.drug_2, self.drug_3)

    @property
    def is_open(self) -> bool:
        """True while the episode has no discharge."""
        return self.discharge_date is None


@dataclass
class Session(Record):
    """An appointment with a client, kept, missed or to come."""

    id: int
    client_id: int
    starts_at: datetime
    kind: str
    status: str
    duration_minutes: int | None = None
    notes: str | None = None
    staff: str | None = None
    peer_mentor: str | None = None
    dna_reason: str | None = None
    notified_at: datetime | None = None
    absence: str | None = None
    requirement: str | None = None

    _datetime_fields = ("starts_at", "notified_at")

    @property
    def is_contact(self) -> bool:
        """A contact that is not an appointment (a try, a text, a letter, a professional)."""
        from cjcase.domain.codes import CONTACT_KIND

        return self.kind in CONTACT_KIND


@dataclass
class Goal(Record):
    """A care-plan goal."""

    id: int
    client_id: int
    domain: str
    description: str
    set_date: date
    status: str
    review_date: date | None = None
    closed_date: date | None = None

    _date_fields = ("set_date", "review_date", "closed_date")


@dataclass
class GoalReview(Record):
    """A review of a goal with its note."""

    id: int
    goal_id: int
    reviewed_on: date
    note: str
    next_review_date: date | None = None

    _date_fields = ("reviewed_on", "next_review_date")


@dataclass
class CourtDate(Record):
    """A court hearing the client attends."""

    id: int
    client_id: int
    hearing_at: datetime
    court: str
    hearing_type: str
    outcome: str | None = None
    adjourned_from_id: int | None = None
    support_needed: str | None = None

    _datetime_fields = ("hearing_at",)


@dataclass
class Barrier(Record):
    """A practical barrier to attending, with what was agreed about it."""

    id: int
    client_id: int
    barrier: str
    note: str | None = None
    plan: str | None = None
    unavailable: str | None = None


@dataclass
class Consent(Record):
    """Who information about a client may be shared with, why, and on what lawful basis."""

    id: int
    client_id: int
    agency: str
    purpose: str
    lawful_basis: str
    given_date: date
    expires_date: date | None = None
    withdrawn_date: date | None = None

    _date_fields = ("given_date", "expires_date", "withdrawn_date")


@dataclass
class Disclosure(Record):
    """A record of information shared about a client."""

    id: int
    client_id: int
    disclosed_on: date
    to_whom: str
    what: str
    basis: str
    by_whom: str

    _date_fields = ("disclosed_on",)


@dataclass
class CaseNote(Record):
    """A dated note on a client's record (a DNA follow-up is one kind)."""

    id: int
    client_id: int
    written_at: datetime
    kind: str
    text: str
    written_by: str | None = None  # a keyworker on the organisation's list; None before authors were kept

    _datetime_fields = ("written_at",)


@dataclass
class KeyworkerChange(Record):
    """A dated change of a client's keyworker."""

    id: int
    client_id: int
    changed_on: date
    from_keyworker: str | None
    to_keyworker: str | None

    _date_fields = ("changed_on",)


@dataclass
class DischargeOutcome:
    """What a discharge changed besides the episode."""

    cancelled_sessions: int
    closed_goals: int
    # A planned exit: the program asks for the exit TOP next.
    needs_exit_top: bool = False


@dataclass
class ActionItem:
    """Something on the caseload that needs doing now, with the reason."""

    kind: str
    client_id: int
    client_ref: str
    client_name: str
    reason: str
    record_id: int | None = None
    first_name: str = ""
    last_name: str = ""


@dataclass
class Top(Record):
    """A Treatment Outcomes Profile form. An item is None when it was not answered (NA)."""

    id: int
    client_id: int
    top_date: date
    stage: str
    alcohol_days: int | None
    opiates_days: int | None
    crack_days: int | None
    cocaine_days: int | None
    amphetamines_days: int | None
    cannabis_days: int | None
    other_drug_days: int | None
    injecting_days: int | None
    shoplifting_days: int | None
    drug_selling_days: int | None
    other_theft_days: int | None
    assault: str | None
    psych_health: int | None
    phys_health: int | None
    quality_of_life: int | None
    acute_housing_problem: str | None
    paid_work_days: int | None
    education_days: int | None
    setting: str = "community"
    alcohol_units_per_drinking_day: int | None = None
    tobacco_days: int | None = None
    sharing_needles: str | None = None
    sharing_paraphernalia: str | None = None
    vehicle_theft: str | None = None
    property_theft_burglary: str | None = None
    fraud_forgery_handling: str | None = None
    eviction_risk: str | None = None

    _date_fields = ("top_date",)


def next_top_stage(tops: list[Top]) -> str:
    """The stage the next TOP form starts at: `start` until the client has one, then `review`
    (a planned exit asks for the `exit` TOP itself)."""
    return "review" if any(top.stage == "start" for top in tops) else "start"


def start_top_of(tops: list[Top], top: Top) -> Top | None:
    """The start TOP a TOP is compared with: the latest `start` TOP dated before it (`tops`
    earliest first); None for a start TOP itself, or when there is none."""
    if top.stage == "start":
        return None
    earlier = [t for t in tops if t.stage == "start" and t.top_date < top.top_date and t.id != top.id]
    return earlier[-1] if earlier else None


def item_change(start: Top | None, later: Top, name: str) -> int | str | None:
    """How one item moved from the start TOP: a number for days and ratings, `yes→no` for
    yes/no items; None when there is no start TOP or either answer is NA."""
    if start is None:
        return None
    before, after = getattr(start, name), getattr(later, name)
    if before is None or after is None:
        return None
    if isinstance(before, str):
        return "same" if before == after else f"{before}→{after}"
    return after - before


def change_since_start(tops: list[Top], measures: tuple[str, ...]) -> dict[str, int | None] | None:
    """How each measure moved from the client's start TOP to their latest TOP (`tops` earliest
    first, as the caseload reads them); None when there is no start TOP, or the latest is it. A
    measure not answered (NA) on either TOP has no change (None)."""
    start = next((top for top in reversed(tops) if top.stage == "start"), None)
    if start is None or tops[-1] is start:
        return None
    changes: dict[str, int | None] = {}
    for name in measures:
        before, after = getattr(start, name), getattr(tops[-1], name)
        changes[name] = None if before is None or after is None else after - before
    return changes


@dataclass
class AuditEntry(Record):
    """One line of the audit trail."""

    id: int
    at: str
    action: str
    entity: str
    record_id: int | None
    client_id: int | None
    detail: str


@dataclass
class CaseloadRow:
    """One client as the caseload table lists them."""

    client_id: int
    client_ref: str
    name: str
    date_of_birth: date
    pathway: str | None
    status: str
    keyworker: str | None
    last_seen: date | None
    next_appointment: datetime | None
    risk_flags: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    release_status: str | None = None  # `due` or `pending`: a release that asks for action


@dataclass
class TimelineItem:
    """Something that happened or will happen to a client, for the timeline."""

    at: datetime
    kind: str
    summary: str
    record_id: int


@dataclass
class AgendaItem:
    """One thing on a day of the agenda."""

    day: date
    at: datetime | None
    kind: str
    client_id: int
    client_ref: str
    client_name: str
    summary: str
    record_id: int | None = None
    keyworker: str | None = None
    first_name: str = ""
    last_name: str = ""


@dataclass
class CustodyEvent(Record):
    """One arrest seen by the arrest-referral worker: the test on arrest, its result and the
    Required Assessment that may follow."""

    id: int
    client_id: int
    arrested_at: datetime
    custody_suite: str
    test_result: str
    offence: str | None = None
    test_at: datetime | None = None
    substances_positive: str | None = None
    disputed: str = "no"
    confirmatory_result: str | None = None
    ra_imposed: str = "no"
    ra_followup_required: str = "no"
    ra_ceased_date: date | None = None
    assessment_outcome: str | None = None
    referred_to: str | None = None
    notes: str | None = None

    _date_fields = ("ra_ceased_date",)
    _datetime_fields = ("arrested_at", "test_at")

    @property
    def link_date(self) -> date:
        """The day that finds the event's episode (DOMAIN.md): the date of the arrest."""
        return self.arrested_at.date()

    @property
    def substances(self) -> list[str]:
        """The substances the test found, in stored order."""
        return [item for item in (self.substances_positive or "").split(";") if item]


@dataclass
class Requirement(Record):
    """A dated legal duty the client is under; while in force, an absence is reported."""

    id: int
    client_id: int
    requirement: str
    start_date: date
    end_date: date | None = None
    agency_to_notify: str | None = None
    notify_contact: str | None = None
    notes: str | None = None

    _date_fields = ("start_date", "end_date")

    @property
    def agency(self) -> str:
        """The agency told of an absence: the one named, else the requirement's default."""
        from cjcase.domain.codes import agency_to_notify

        return agency_to_notify(self.requirement, self.agency_to_notify)

    def in_force_on(self, day: date) -> bool:
        """From its start to its end, both inclusive; open-ended without an end."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


def add_months(day: date, months: int) -> date:
    """The same day so many calendar months on (a day missing in that month: its last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def order_end(sentence_date: date, length_months: int) -> date:
    """An order's end: the day before the sentence date plus its length in calendar months."""
    return add_months(sentence_date, length_months) - timedelta(days=1)


WITHIN_3_WEEKS_DAYS = 21


@dataclass
class Order(Record):
    """A community sentence with treatment requirements, from sentence to outcome."""

    id: int
    client_id: int
    order_type: str
    sentence_date: date
    court: str
    length_months: int
    components: str | None = None
    consent_date: date | None = None
    suitability_assessed_date: date | None = None
    treatment_start_date: date | None = None
    review_frequency: str | None = None
    outcome: str | None = None
    outcome_date: date | None = None
    notes: str | None = None

    _date_fields = (
        "sentence_date",
        "consent_date",
        "suitability_assessed_date",
        "treatment_start_date",
        "outcome_date",
    )

    @property
    def end(self) -> date:
        """The day the order ends if it runs its length."""
        return order_end(self.sentence_date, self.length_months)

    def running_on(self, day: date) -> bool:
        """From sentence to its outcome date, both inclusive; open while it has no outcome."""
        return self.sentence_date <= day and (self.outcome_date is None or day <= self.outcome_date)

    @property
    def started_within_3_weeks(self) -> bool | None:
        """Treatment started within 21 days of sentence (None: not started)."""
        if self.treatment_start_date is None:
            return None
        return self.treatment_start_date <= self.sentence_date + timedelta(days=WITHIN_3_WEEKS_DAYS)

    @property
    def requirements(self) -> list[str]:
        """The treatment requirements it carries: its type, or a combined order's components."""
        if self.order_type == "combined":
            return [c for c in (self.components or "").split(";") if c]
        return [self.order_type]

    @property
    def title(self) -> str:
        """How the record names it: `DRR+ATR 12 months, sentenced 03/02/26`."""
        kinds = "+".join(r.upper() for r in self.requirements)
        return f"{kinds} {self.length_months} months, sentenced {self.sentence_date:%d/%m/%y}"


@dataclass
class OrderEvent(Record):
    """One dated thing that happened on an order."""

    id: int
    client_id: int
    sentence_date: date
    kind: str
    event_date: date
    result: str | None = None
    notes: str | None = None

    _date_fields = ("sentence_date", "event_date")
