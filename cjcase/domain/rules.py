"""The field rules of DOMAIN.md, shared by the services and the importer. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import parse_import_date, parse_import_datetime
from cjcase.domain.errors import DateInputError, ValidationError


@dataclass(frozen=True)
class Field:
    """How one field is checked: its kind, whether it is required, its codes or range."""

    kind: str  # text, date, datetime, code, flags, list, int, yes_no, bool
    required: bool = False
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    column: str | None = None  # the table column, where it differs from the field name
    default: Any = None  # stored when the value is empty
    na: bool = False  # a TOP item: `NA` (not answered) is stored as None; empty is never allowed


def _code(choices, required=False):
    return Field("code", required, choices)


CLIENT = {
    "client_ref": Field("text", True),
    "first_name": Field("text", True),
    "last_name": Field("text", True),
    "preferred_name": Field("text"),
    "date_of_birth": Field("date", True),
    # Required unless the client is a quick referral (check_client): see QUICK_REFERRAL_OPTIONAL.
    "sex": _code(codes.SEX),
    "ethnicity": _code(codes.ETHNICITY),
    "postcode": Field("text"),
    "phone": Field("text"),
    "keyworker": Field("text"),
    "risk_flags": Field("flags", choices=codes.RISK_FLAG),
    "consent_to_share": Field("yes_no"),
    "consent_date": Field("date"),
    "notes": Field("text"),
    "prison": Field("text"),
    "prison_number": Field("text"),
    "pnc_id": Field("text"),
    "probation_ref": Field("text"),
    "nhs_number": Field("text"),
    "offender_manager_name": Field("text"),
    "offender_manager_phone": Field("text"),
    "offender_manager_email": Field("text"),
    "address": Field("text"),
    "no_fixed_abode": Field("bool"),
    "alt_contact": Field("text"),
    "aliases": Field("text"),
    "quick_referral": Field("yes_no", default="no"),
}
# The client fields a quick referral (name and date of birth only) may leave empty; every other
# client needs them, and clients.csv must have their columns.
QUICK_REFERRAL_OPTIONAL = ("sex", "ethnicity")
EPISODE = {
    "referral_date": Field("date", True),
    "referral_source": _code(codes.REFERRAL_SOURCE, True),
    "pathway": _code(codes.PATHWAY, True),
    "primary_substance": _code(codes.SUBSTANCE, True),
    "start_date": Field("date"),
    "discharge_date": Field("date"),
    "discharge_reason": _code(codes.DISCHARGE_REASON),
    "order_start": Field("date"),
    "order_end": Field("date"),
    "transferred_to": Field("text"),
    # Episodes v2 (DOMAIN.md): every one optional, empty = not recorded.
    "drug_2": _code(codes.SUBSTANCE),
    "drug_3": _code(codes.SUBSTANCE),
    "route": _code(codes.ROUTE),
    "injecting_status": _code(codes.INJECTING_STATUS),
    "alcohol_units_per_day": Field("int", low=0, high=200),
    "consent_to_ndtms": Field("yes_no"),
    "contact_event": _code(codes.CONTACT_EVENT),
    "contact_event_date": Field("date"),
}
# The v1 episode columns episodes.csv still takes: they become a requirement (DOMAIN.md, "From v1").
EPISODE_V1_REQUIREMENT = {
    "legal_requirement": Field("code", choices=codes.LEGAL_REQUIREMENT, default="none"),
    "notify_agency": Field("text"),
}
SESSION = {
    "when": Field("datetime", True, column="starts_at"),
    "kind": _code(codes.SESSION_KIND, True),
    "status": _code(codes.SESSION_STATUS, True),
    "duration_minutes": Field("int", low=0, high=1440),
    "notes": Field("text"),
    "staff": Field("text"),
    "peer_mentor": Field("text"),
    "dna_reason": Field("text"),
    "notified_at": Field("datetime"),
    "absence": _code(codes.ABSENCE),
    "requirement": _code(codes.SESSION_REQUIREMENT),
}
CUSTODY_EVENT = {
    "arrested_at": Field("datetime", True),
    "custody_suite": Field("text", True),
    "offence": _code(codes.OFFENCE),
    "test_at": Field("datetime"),
    "test_result": _code(codes.TEST_RESULT, True),
    "substances_positive": Field("list", choices=codes.TEST_SUBSTANCE),
    "disputed": Field("yes_no", default="no"),
    "confirmatory_result": _code(codes.CONFIRMATORY_RESULT),
    "ra_imposed": Field("yes_no", default="no"),
    "ra_followup_required": Field("yes_no", default="no"),
    "ra_ceased_date": Field("date"),
    "assessment_outcome": _code(codes.ASSESSMENT_OUTCOME),
    "referred_to": Field("text"),
    "notes": Field("text"),
}
GOAL = {
    "domain": _code(codes.GOAL_DOMAIN, True),
    "description": Field("text", True),
    "set_date": Field("date", True),
    "review_date": Field("date"),
    "status": _code(codes.GOAL_STATUS, True),
    "closed_date": Field("date"),
}
COURT_DATE = {
    "when": Field("datetime", True, column="hearing_at"),
    "court": Field("text", True),
    "hearing_type": _code(codes.HEARING_TYPE, True),
    "outcome": Field("text"),
    "support_needed": Field("text"),
}
CONSENT = {
    "agency": Field("text", True),
    "purpose": Field("text", True),
    "lawful_basis": Field("code", choices=codes.LAWFUL_BASIS, default="consent"),
    "given_date": Field("date", True),
    "expires_date": Field("date"),
    "withdrawn_date": Field("date"),
}


def _top_item(name: str, v1: bool) -> Field:
    """A TOP item: a v1 item's column is required in an import file, a v2 item's may be absent
    (NA on every row); in both, each value is a number or yes/no, or NA."""
    kind = codes.TOP_ITEM_KIND[name]
    if kind == "yes_no":
        return Field("yes_no", v1, na=True)
    high = {"days": 28, "rating": 20, "units": 200}[kind]
    return Field("int", v1, low=0, high=high, na=True)


TOP = {
    "date": Field("date", True, column="top_date"),
    "stage": _code(codes.TOP_STAGE, True),
    "setting": Field("code", choices=codes.TOP_SETTING, default="community"),
    **{name: _top_item(name, name not in codes.TOP_V2_ITEMS) for name in codes.TOP_ITEMS},
}
# What a TOP item holds when not answered as a form or file would write it.
TOP_ITEM_NEEDED = "A TOP item needs a value or NA"
POST_TREATMENT_EXIT_NEEDS = (
    "A post-treatment-exit TOP needs a discharge of the client on or before its date: "
    "record the discharge first, or choose another stage."
)
REQUIREMENT = {
    "requirement": _code(codes.REQUIREMENT, True),
    "start_date": Field("date", True),
    "end_date": Field("date"),
    "agency_to_notify": _code(codes.AGENCY),
    "notify_contact": Field("text"),
    "notes": Field("text"),
}
ORDER = {
    "order_type": _code(codes.ORDER_TYPE, True),
    "components": Field("list", choices=codes.ORDER_COMPONENT),
    "sentence_date": Field("date", True),
    "court": Field("text", True),
    "length_months": Field("int", True, low=1, high=36),
    "consent_date": Field("date"),
    "suitability_assessed_date": Field("date"),
    "treatment_start_date": Field("date"),
    "review_frequency": _code(codes.REVIEW_FREQUENCY),
    "outcome": _code(codes.ORDER_OUTCOME),
    "outcome_date": Field("date"),
    "notes": Field("text"),
}
ORDER_EVENT = {
    "sentence_date": Field("date", True),
    "kind": _code(codes.ORDER_EVENT_KIND, True),
    "date": Field("date", True, column="event_date"),
    "result": Field("text"),
    "notes": Field("text"),
}

LABEL = {
    "client_ref": "client reference",
    "date_of_birth": "date of birth",
    "when": "date and time",
    "length_months": "length in months",
    "date": "date",
    "arrested_at": "arrest date and time",
    "test_at": "test date and time",
}


def label(name: str) -> str:
    """A field's name as a sentence says it."""
    return LABEL.get(name, name.replace("_", " "))


def clean_value(name: str, spec: Field, value: Any) -> Any:
    """Check one value and return its stored form (ISO text for dates), or raise."""
    return _clean(name, spec, value, _CLEANERS[spec.kind])


def _clean(name: str, spec: Field, value: Any, cleaner: Callable) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if spec.na:
        if value == codes.NA:
            return None
        if value is None or isinstance(value, str) and value.upper() in ("NA", "N/A", "-", "N.A.", "NONE"):
            raise ValidationError(name, f"{TOP_ITEM_NEEDED} (NA in capitals when not answered).")
    if value is None:
        if spec.required:
            raise ValidationError(name, f"The {label(name)} is required.")
        if spec.default is not None:
            return spec.default
        return 0 if spec.kind == "bool" else ("" if spec.kind == "flags" else None)
    try:
        return cleaner(name, spec, value)
    except DateInputError as error:
        raise ValidationError(name, f"The {label(name)} {error}") from None


def _clean_text(name, spec, value):
    return str(value)


def _clean_date(name, spec, value):
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    day = parse_import_date(text)
    # Already in its stored form (the usual case in an import): no need to write it again.
    return text if text.isascii() and len(text) == 10 and text[4] == "-" else day.isoformat()


def _clean_datetime(name, spec, value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        raise ValidationError(name, f"The {label(name)} needs a time as well as a date.")
    text = str(value)
    moment = parse_import_datetime(text)
    return text if text.isascii() and len(text) == 16 and text[4] == "-" else moment.strftime("%Y-%m-%d %H:%M")


def _clean_code(name, spec, value):
    value = str(value)
    if value not in spec.choices:
        article = "an" if label(name)[:1] in "aeiou" else "a"
        raise ValidationError(
            name, f"'{value}' is not {article} {label(name)} code: use one of {', '.join(spec.choices)}."
        )
    return value


def _clean_flags(name, spec, value):
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(";")
    flags = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if item not in spec.choices:
            raise ValidationError(name, f"'{item}' is not a risk flag: use {', '.join(spec.choices)}, separated by ;.")
        if item not in flags:
            flags.append(item)
    return ";".join(flags)


def _clean_list(name, spec, value):
    """A `;`-separated list of codes: spaces round an item and empty items ignored, a repeated
    item kept once (DOMAIN.md, Shared rules)."""
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(";")
    found: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if item not in spec.choices:
            raise ValidationError(
                name, f"'{item}' is not a {label(name)} code: use {', '.join(spec.choices)}, separated by ;."
            )
        if item not in found:
            found.append(item)
    return ";".join(found) or None


def _clean_int(name, spec, value):
    if isinstance(value, bool):
        raise ValidationError(name, f"The {label(name)} must be a whole number.")
    try:
        number = int(value) if not isinstance(value, str) else int(value, 10)
    except (TypeError, ValueError):
        raise ValidationError(
            name, f"The {label(name)} must be a whole number from {spec.low} to {spec.high}, not '{value}'."
        ) from None
    if isinstance(value, float) and value != number:
        raise ValidationError(name, f"The {label(name)} must be a whole number, not {value}.")
    if not spec.low <= number <= spec.high:
        raise ValidationError(name, f"The {label(name)} must be from {spec.low} to {spec.high}, not {number}.")
    return number


def _clean_yes_no(name, spec, value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).lower()
    if text not in ("yes", "no"):
        raise ValidationError(name, f"The {label(name)} must be yes or no, not '{value}'.")
    return text


def _clean_bool(name, spec, value):
    if isinstance(value, bool) or value in (0, 1):
        return int(value)
    text = str(value).lower()
    if text in ("yes", "true", "1"):
        return 1
    if text in ("no", "false", "0"):
        return 0
    raise ValidationError(name, f"The {label(name)} must be yes or no, not '{value}'.")


_CLEANERS = {
    "text": _clean_text,
    "date": _clean_date,
    "datetime": _clean_datetime,
    "code": _clean_code,
    "flags": _clean_flags,
    "list": _clean_list,
    "int": _clean_int,
    "yes_no": _clean_yes_no,
    "bool": _clean_bool,
}


def check_fields(
    spec: dict[str, Field], values: dict[str, Any], partial: bool = False
) -> tuple[dict[str, Any], list[ValidationError]]:
    """Clean every field of a record and list every problem, keyed by field name.

    With `partial`, fields absent from `values` are left out rather than checked as empty.
    """
    return field_checker(spec)(values, partial)


def field_checker(spec: dict[str, Field]) -> Callable[..., tuple[dict[str, Any], list[ValidationError]]]:
    """`check_fields` for one spec, with its per-field preparation done once: an import checks
    hundreds of thousands of rows against the same fields."""
    columns = {f.column: name for name, f in spec.items() if f.column}
    plan = [(name, field, _CLEANERS[field.kind]) for name, field in spec.items()]

    def check(values: dict[str, Any], partial: bool = False) -> tuple[dict[str, Any], list[ValidationError]]:
        if columns:
            values = {columns.get(name, name): value for name, value in values.items()}
        problems = [
            ValidationError(name, f"'{name}' is not a field of this record.") for name in values if name not in spec
        ]
        clean: dict[str, Any] = {}
        for name, field_spec, cleaner in plan:
            if partial and name not in values:
                continue
            try:
                clean[name] = _clean(name, field_spec, values.get(name), cleaner)
            except ValidationError as error:
                problems.append(error)
        return clean, problems

    return check


def check_client(clean: dict[str, Any], today: date) -> list[ValidationError]:
    """Rules across a client's fields."""
    problems = check_client_details(clean)
    dob = clean.get("date_of_birth")
    if dob and dob > today.isoformat():
        problems.append(ValidationError("date_of_birth", "The date of birth is in the future."))
    elif dob and dob < "1900-01-01":
        problems.append(ValidationError("date_of_birth", "The date of birth is before 1900: check the year."))
    return problems


def check_client_details(clean: dict[str, Any]) -> list[ValidationError]:
    """Sex and ethnicity are required unless the client is a quick referral (DOMAIN.md)."""
    if clean.get("quick_referral") == "yes":
        return []
    return [
        ValidationError(
            name,
            f"The {label(name)} is required (only a quick referral may leave it empty until it is asked).",
        )
        for name in QUICK_REFERRAL_OPTIONAL
        if name in clean and not clean[name]  # a column absent from an import is reported on its header
    ]


def check_episode(clean: dict[str, Any], today: date | None = None) -> list[ValidationError]:
    """Rules across an episode's fields: dates in order, a reason exactly with a discharge, the
    substances, route and contact event of Episodes v2 (the event's date is *past* when `today`
    is given)."""
    problems = check_episode_v2(clean, today)
    referral, start, discharge = (clean.get("referral_date"), clean.get("start_date"), clean.get("discharge_date"))
    if start and referral and start < referral:
        problems.append(ValidationError("start_date", "The start date is before the referral date."))
    if discharge and referral and discharge < referral:
        problems.append(ValidationError("discharge_date", "The discharge date is before the referral date."))
    elif discharge and start and discharge < start:
        problems.append(ValidationError("discharge_date", "The discharge date is before the start date."))
    if discharge and not clean.get("discharge_reason"):
        problems.append(ValidationError("discharge_reason", "A discharge needs a reason: choose one from the list."))
    if clean.get("discharge_reason") and not discharge:
        problems.append(ValidationError("discharge_date", "A discharge reason needs a discharge date as well."))
    order_start, order_end = clean.get("order_start"), clean.get("order_end")
    if order_start and order_end and order_end < order_start:
        problems.append(ValidationError("order_end", "The order ends before it starts."))
    return problems


def check_episode_v2(clean: dict[str, Any], today: date | None = None) -> list[ValidationError]:
    """Episodes v2's rules of record, each reported on the field whose rule it is."""
    problems = []
    primary, drug_2, drug_3 = clean.get("primary_substance"), clean.get("drug_2"), clean.get("drug_3")
    if drug_2 and drug_2 == primary:
        problems.append(
            ValidationError(
                "drug_2", "The second substance is the primary substance: choose another, or leave it empty."
            )
        )
    if drug_3 and not drug_2:
        problems.append(ValidationError("drug_3", "The third substance needs a second substance first."))
    elif drug_3 and drug_3 in (primary, drug_2):
        problems.append(
            ValidationError("drug_3", "The third substance repeats the primary or second substance: choose another.")
        )
    route = clean.get("route")
    if primary == "alcohol" and route not in (None, "oral"):
        problems.append(ValidationError("route", "With alcohol as the primary substance the route is oral, or empty."))
    if route == "inject" and clean.get("injecting_status") != "currently":
        problems.append(
            ValidationError("injecting_status", "The route is inject, so the injecting status is currently.")
        )
    event_date = clean.get("contact_event_date")
    if event_date and not clean.get("contact_event"):
        problems.append(
            ValidationError("contact_event_date", "The contact event date needs the event that prompted the contact.")
        )
    if event_date and today and str(event_date) > today.isoformat():
        problems.append(
            ValidationError("contact_event_date", "The contact event date is in the future: it records what happened.")
        )
    return problems


def occasional_user_problem(clean: dict[str, Any]) -> ValidationError | None:
    """A rule of entry (DOMAIN.md, Occasional user): `completed_occasional_user` is refused when the
    primary substance, the second or the third is heroin, other opiates or crack. The importer and
    `cjcase check` accept historic episodes that break it; the data-quality check lists them."""
    if clean.get("discharge_reason") != "completed_occasional_user":
        return None
    used = [clean.get(name) for name in ("primary_substance", "drug_2", "drug_3")]
    found = [substance for substance in used if substance in codes.NOT_OCCASIONAL_USE]
    if not found:
        return None
    return ValidationError(
        "discharge_reason",
        f"An occasional-user completion cannot be recorded for an episode with {codes.label(found[0])} "
        "among its substances: choose another reason.",
    )


def check_goal(clean: dict[str, Any]) -> list[ValidationError]:
    """Rules across a goal's fields: a closed date exactly when the goal is not open."""
    problems = []
    status, closed = clean.get("status"), clean.get("closed_date")
    if status == "open" and closed:
        problems.append(
            ValidationError("closed_date", "An open goal has no closed date: clear it or change the status.")
        )
    if status and status != "open" and not closed:
        problems.append(ValidationError("closed_date", "A closed goal needs the date it was closed."))
    if closed and clean.get("set_date") and closed < clean["set_date"]:
        problems.append(ValidationError("closed_date", "The closed date is before the date the goal was set."))
    return problems


def check_top(clean: dict[str, Any]) -> list[ValidationError]:
    """Rules across a TOP's items (DOMAIN.md, TOP v2), reported on the units or sharing column.
    An item that is NA (None) or absent takes part in no rule."""
    problems = []
    days, units = clean.get("alcohol_days"), clean.get(codes.TOP_UNITS_FIELD)
    if days is not None and units is not None:
        if days == 0 and units != 0:
            problems.append(
                ValidationError(
                    codes.TOP_UNITS_FIELD,
                    "With no days of drinking, the units on a drinking day are 0 or NA.",
                )
            )
        elif days > 0 and units == 0:
            problems.append(
                ValidationError(
                    codes.TOP_UNITS_FIELD,
                    f"With {days} days of drinking, the units on a drinking day are above 0 or NA.",
                )
            )
    if clean.get("injecting_days") == 0:
        for name in codes.TOP_SHARING_FIELDS:
            if clean.get(name) == "yes":
                problems.append(
                    ValidationError(name, f"With no days of injecting, {label(name)} is no or NA, not yes.")
                )
    return problems


def check_session(clean: dict[str, Any]) -> list[ValidationError]:
    """Rules of record across a session's fields (DOMAIN.md, Sessions v2): a contact is made or
    still to be made; a legal stage only on an assessment; an absence decision only on an absence."""
    problems = []
    kind, status = clean.get("kind"), clean.get("status")
    if kind in codes.CONTACT_KIND and status and status not in codes.CONTACT_STATUS:
        problems.append(
            ValidationError(
                "status",
                f"This {codes.label(kind)} is a contact, not an appointment: its status is scheduled or "
                f"attended (made), not {status}.",
            )
        )
    if clean.get("requirement") and kind and kind != "assessment":
        problems.append(
            ValidationError(
                "requirement",
                f"Only an assessment is a legal stage: {clean['requirement']} needs kind assessment, not {kind}.",
            )
        )
    if clean.get("absence") and status and status not in codes.ABSENCE_STATUS:
        problems.append(
            ValidationError(
                "absence",
                f"An absence decision belongs to a DNA or an appointment left early, not to status {status}: "
                "clear it or change the status.",
            )
        )
    return problems


def check_custody_event(clean: dict[str, Any], today: date) -> list[ValidationError]:
    """Rules of record across a custody event's fields (DOMAIN.md, Custody events)."""
    problems = []
    today_text = today.isoformat()
    arrested, test_at = clean.get("arrested_at"), clean.get("test_at")
    result = clean.get("test_result")
    tested = result is not None and result != "not_tested"
    positive = result == "positive"
    if arrested and arrested[:10] > today_text:
        problems.append(ValidationError("arrested_at", "The arrest is in the future: record it once it has happened."))
    for name in ("offence", "test_at"):
        if tested and not clean.get(name):
            problems.append(ValidationError(name, f"The {label(name)} is needed with a test result of {result}."))
        if result == "not_tested" and clean.get(name):
            problems.append(
                ValidationError(name, f"The {label(name)} is given only when the person was tested: clear it.")
            )
    if test_at and test_at[:10] > today_text:
        problems.append(ValidationError("test_at", "The test is in the future: record it once it has happened."))
    elif test_at and arrested and test_at < arrested:
        problems.append(ValidationError("test_at", "The test is before the arrest: a test on arrest follows it."))
    substances = clean.get("substances_positive")
    if positive and not substances:
        problems.append(
            ValidationError(
                "substances_positive", "The substances found are needed with a positive test (opiates; cocaine)."
            )
        )
    elif substances and not positive:
        problems.append(
            ValidationError("substances_positive", "Substances are given only with a positive test: clear them.")
        )
    elif substances:
        for item in substances.split(";"):
            if item not in codes.ARREST_TEST_SUBSTANCE:
                problems.append(
                    ValidationError(
                        "substances_positive",
                        f"'{item}' is not tested for on arrest: use {', '.join(codes.ARREST_TEST_SUBSTANCE)}.",
                    )
                )
                break
    if clean.get("disputed") == "yes" and not positive:
        problems.append(ValidationError("disputed", "Only a positive test can be disputed."))
    if clean.get("confirmatory_result") and clean.get("disputed") != "yes":
        problems.append(
            ValidationError(
                "confirmatory_result", "The confirmatory result follows a disputed test: set disputed to yes."
            )
        )
    if clean.get("ra_imposed") == "yes" and not positive:
        problems.append(ValidationError("ra_imposed", "The Required Assessment follows a positive test only."))
    if clean.get("ra_followup_required") == "yes" and clean.get("ra_imposed") != "yes":
        problems.append(ValidationError("ra_followup_required", "The follow-up needs a Required Assessment imposed."))
    ceased = clean.get("ra_ceased_date")
    if ceased:
        if clean.get("ra_followup_required") != "yes":
            problems.append(
                ValidationError("ra_ceased_date", "The follow-up requirement ceases only when one was required.")
            )
        elif ceased > today_text:
            problems.append(ValidationError("ra_ceased_date", "The date the follow-up ceased is in the future."))
        elif arrested and ceased < arrested[:10]:
            problems.append(ValidationError("ra_ceased_date", "The follow-up cannot cease before the arrest."))
    outcome = clean.get("assessment_outcome")
    if outcome == "referred_structured" and not clean.get("referred_to"):
        problems.append(ValidationError("referred_to", "Say which provider the person was referred to."))
    elif clean.get("referred_to") and outcome not in ("referred_structured", "already_in_treatment"):
        problems.append(
            ValidationError(
                "referred_to",
                "The provider is named only when the outcome is referred_structured or already_in_treatment.",
            )
        )
    return problems


def check_consent(clean: dict[str, Any]) -> list[ValidationError]:
    """A consent ends after it was given."""
    problems = []
    for name in ("expires_date", "withdrawn_date"):
        if clean.get(name) and clean.get("given_date") and clean[name] < clean["given_date"]:
            problems.append(ValidationError(name, f"The {label(name)} is before the date it was given."))
    return problems


def check_adult(date_of_birth: str, referral_date: str, field: str = "referral_date") -> ValidationError | None:
    """Clients are adults: 18 or over on the referral date of each episode."""
    from cjcase.domain.dates import age_on

    age = age_on(date.fromisoformat(date_of_birth), date.fromisoformat(referral_date))
    if age < 18:
        return ValidationError(
            field,
            f"The client was {age} on the referral date {referral_date}: this service is for adults (18 or over).",
        )
    return None


def overlap(earlier: dict[str, Any], later: dict[str, Any]) -> bool:
    """True when two episodes of one client overlap (the same day counts as an overlap)."""
    first, second = sorted((earlier, later), key=lambda e: e["referral_date"])
    return first.get("discharge_date") is None or second["referral_date"] <= first["discharge_date"]


def _after_today(clean: dict[str, Any], names: tuple[str, ...], today: date) -> list[ValidationError]:
    """The *past* rule: these dates may not be after today."""
    return [
        ValidationError(name, f"The {label(name)} is after today: record it once it has happened.")
        for name in names
        if clean.get(name) and clean[name] > today.isoformat()
    ]


def check_requirement(clean: dict[str, Any]) -> list[ValidationError]:
    """A requirement ends on or after its start."""
    if clean.get("end_date") and clean.get("start_date") and clean["end_date"] < clean["start_date"]:
        return [ValidationError("end_date", "The end date is before the start date.")]
    return []


def requirements_overlap(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """True when two requirements of one client with the same code overlap (the same day counts)."""
    if first["requirement"] != second["requirement"]:
        return False
    earlier, later = sorted((first, second), key=lambda r: r["start_date"])
    return not earlier.get("end_date") or later["start_date"] <= earlier["end_date"]


def check_order(clean: dict[str, Any], today: date) -> list[ValidationError]:
    """Rules across an order's fields (DOMAIN.md "Community orders")."""
    problems = []
    kind, components = clean.get("order_type"), clean.get("components")
    if kind == "combined":
        count = len(components.split(";")) if components else 0
        if count < 2:
            problems.append(
                ValidationError("components", "Combined orders name two or three of drr, atr and mhtr in components.")
            )
    elif components:
        problems.append(ValidationError("components", "Components are given only for a combined order."))
    problems += _after_today(
        clean,
        ("sentence_date", "consent_date", "suitability_assessed_date", "treatment_start_date", "outcome_date"),
        today,
    )
    sentence = clean.get("sentence_date")
    if sentence:
        for name in ("consent_date", "suitability_assessed_date"):
            if clean.get(name) and clean[name] > sentence:
                problems.append(
                    ValidationError(name, f"The {label(name)} is after the sentence date: it comes before.")
                )
        for name in ("treatment_start_date", "outcome_date"):
            if clean.get(name) and clean[name] < sentence:
                problems.append(ValidationError(name, f"The {label(name)} is before the sentence date."))
    if clean.get("outcome_date") and not clean.get("outcome"):
        problems.append(ValidationError("outcome", "An outcome date needs the outcome: choose one from the list."))
    if clean.get("outcome") and not clean.get("outcome_date"):
        problems.append(ValidationError("outcome_date", "An outcome needs the date it happened."))
    return problems


def normal_result(kind: str | None, result: str | None) -> str | None:
    """An order event's result in its stored form; raises when it does not fit the kind."""
    text = (result or "").strip()
    if kind not in ("test", "review", "breach_outcome"):
        if text:
            raise ValidationError(
                "result", "The result is only for test, review and breach_outcome events: leave it empty."
            )
        return None
    if not text:
        raise ValidationError("result", f"The result is required for a {label(kind or '')} event.")
    if kind == "review":
        return _clean_code("result", Field("code", choices=codes.REVIEW_PROGRESS), text)
    if kind == "breach_outcome":
        return _clean_code("result", Field("code", choices=codes.BREACH_OUTCOME), text)
    items = [item.strip() for item in text.split(";") if item.strip()]
    if any(item in codes.TEST_RESULT_ALONE for item in items):
        if len(set(items)) > 1:
            raise ValidationError("result", "Negative or refused stands alone as a test result: give it on its own.")
        return items[0]
    choices = codes.TEST_SUBSTANCE
    return _clean_list("result", Field("list", choices=choices), text)


def check_order_event(clean: dict[str, Any], today: date) -> list[ValidationError]:
    """Rules across an order event's own fields; its result is put in its stored form. (The
    rules against its order are the service's and the importer's.)"""
    problems = _after_today(clean, ("date",), today)
    if clean.get("date") and clean.get("sentence_date") and clean["date"] < clean["sentence_date"]:
        problems.append(ValidationError("date", "The event is dated before the sentence date."))
    try:
        clean["result"] = normal_result(clean.get("kind"), clean.get("result"))
    except ValidationError as error:
        problems.append(error)
    return problems
