"""The code lists of DOMAIN.md: the only values the program stores for coded fields."""

from __future__ import annotations

PATHWAY = (
    "arrest_referral",
    "restriction_on_bail",
    "court",
    "prison_link",
    "drr",
    "atr",
    "iom",
    "community",
)
REFERRAL_SOURCE = (
    "self",
    "family_friends",
    "gp",
    "health_other",
    "arrest_referral",
    "liaison_diversion",
    "court",
    "probation",
    "prison",
    "drr",
    "atr",
    "police_diversion",
    "other_cj",
    "drug_service",
    "other",
)
SUBSTANCE = (
    "heroin",
    "other_opiates",
    "crack",
    "cocaine",
    "amphetamines",
    "cannabis",
    "benzodiazepines",
    "alcohol",
    "other",
)
SEX = ("male", "female", "other", "not_stated")
# NHS ethnic category letters, then `99` (not known: not asked, or not recorded), beside `Z`
# (asked and declined to say) (DOMAIN.md, Clients v2).
ETHNICITY = (*"ABCDEFGHJKLMNPRSZ", "99")
# The v1 kinds are the appointment kinds (`phone` is a booked phone appointment); the contact
# kinds are contacts that are not appointments (DOMAIN.md, Sessions v2). v1 measures count
# appointments only.
APPOINTMENT_KIND = (
    "assessment",
    "keywork",
    "group",
    "phone",
    "court_support",
    "prison_visit",
    "gate_pickup",
    "review",
)
CONTACT_KIND = ("attempted_contact", "text_message", "letter", "professional_contact")
SESSION_KIND = APPOINTMENT_KIND + CONTACT_KIND
SESSION_STATUS = (
    "scheduled",
    "attended",
    "dna",
    "cancelled_client",
    "cancelled_service",
    "rearranged",
    "attended_left_early",
    "client_in_custody",
    "client_in_hospital",
    "prison_regime_cancelled",
)
# The v1 statuses: the v1 return lists only these (DOMAIN.md: v1 measures keep their meaning).
SESSION_STATUS_V1 = SESSION_STATUS[:5]
# A contact is made (`attended`: sent, tried or held) or still to be made; any other status is an error.
CONTACT_STATUS = ("scheduled", "attended")
# What can happen to an appointment, recorded as its outcome; attended, DNA and leaving early only
# once its time has come (a rule of entry), a cancellation at any time.
SESSION_OUTCOME = (
    "attended",
    "dna",
    "attended_left_early",
    "cancelled_client",
    "cancelled_service",
    "client_in_custody",
    "client_in_hospital",
    "prison_regime_cancelled",
)
NEEDS_TIME_TO_HAVE_COME = ("attended", "dna", "attended_left_early")
# An absence to report: missed, or came but did not remain ("attend and remain", RA3).
ABSENCE_STATUS = ("dna", "attended_left_early")
# The responsible officer's decision on an absence.
ABSENCE = ("acceptable", "unacceptable")
# The legal stage an assessment appointment is (only on kind `assessment`).
SESSION_REQUIREMENT = ("ra_initial", "ra_followup", "rob_assessment", "rob_followup")
RA_STAGE = ("ra_initial", "ra_followup")
ROB_STAGE = ("rob_assessment", "rob_followup")
# Contacts after the last DNA that count as its follow-up (with an attended appointment or a note).
FOLLOW_UP_CONTACT = ("attempted_contact", "text_message", "letter")

# Custody events (DOMAIN.md): the arrest, the test on arrest and the Required Assessment.
OFFENCE = ("trigger", "non_trigger_inspector_authority")
TEST_RESULT = ("positive", "negative", "refused", "not_tested")
# One list for arrest and order tests; only the arrest-test codes are tested for on arrest. The
# list grows only by appending, and a code becomes an arrest-test code only when the law says so.
TEST_SUBSTANCE = (
    "opiates",
    "cocaine",
    "amphetamines",
    "benzodiazepines",
    "cannabis",
    "methadone",
    "buprenorphine",
    "other",
)
ARREST_TEST_SUBSTANCE = ("opiates", "cocaine")
CONFIRMATORY_RESULT = ("confirmed", "not_confirmed")
ASSESSMENT_OUTCOME = ("no_need", "brief_intervention", "referred_structured", "already_in_treatment", "declined")
DISCHARGE_REASON = (
    "completed_drug_free",
    "completed_alcohol_free",
    "completed_occasional_user",
    "transferred_community",
    "transferred_custody",
    "dropped_out",
    "withdrawn_by_provider",
    "retained_in_custody",
    "declined_treatment",
    "died",
)
OUTCOME = ("planned", "transferred", "unplanned", "other")
OUTCOME_OF_REASON = {
    "completed_drug_free": "planned",
    "completed_alcohol_free": "planned",
    "completed_occasional_user": "planned",
    "transferred_community": "transferred",
    "transferred_custody": "transferred",
    "dropped_out": "unplanned",
    "withdrawn_by_provider": "unplanned",
    "declined_treatment": "unplanned",
    "retained_in_custody": "other",
    "died": "other",
}


def is_transfer(reason: str | None) -> bool:
    """A discharge that hands the client on: entered, it says where to."""
    return OUTCOME_OF_REASON.get(reason or "") == "transferred"


def needs_exit_top(reason: str | None) -> bool:
    """A planned exit asks for an exit TOP."""
    return OUTCOME_OF_REASON.get(reason or "") == "planned"


GOAL_DOMAIN = (
    "substance_use",
    "offending",
    "housing",
    "physical_health",
    "mental_health",
    "family_relationships",
    "education_training_employment",
    "finance_benefits",
)
GOAL_STATUS = ("open", "achieved", "partly_achieved", "not_achieved", "withdrawn")
HEARING_TYPE = (
    "first_appearance",
    "bail",
    "plea",
    "trial",
    "sentencing",
    "review",
    "breach",
    "appeal",
    "other",
)
TOP_STAGE = ("start", "review", "exit")
RISK_FLAG = (
    "overdose",
    "safeguarding",
    "domestic_abuse",
    "violence_to_staff",
    "self_harm",
    "lone_working",
)
YES_NO = ("yes", "no")
AGE_BAND = ("under_18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
ETHNIC_GROUP = ("white", "mixed", "asian", "black", "other", "not_stated")
ETHNIC_GROUP_OF_CATEGORY = {
    **dict.fromkeys("ABC", "white"),
    **dict.fromkeys("DEFG", "mixed"),
    **dict.fromkeys("HJKL", "asian"),
    **dict.fromkeys("MNP", "black"),
    **dict.fromkeys("RS", "other"),
    "Z": "not_stated",
    "99": "not_stated",
}


def ethnic_group(ethnicity: str | None) -> str:
    """The return's ethnic group of a client's ethnicity; `99` and an empty one are not stated."""
    return ETHNIC_GROUP_OF_CATEGORY.get(ethnicity or "", "not_stated")


# Short markers the caseload table shows for each risk flag.
RISK_MARKER = {
    "overdose": "OD",
    "safeguarding": "SG",
    "domestic_abuse": "DA",
    "violence_to_staff": "VS",
    "self_harm": "SH",
    "lone_working": "LW",
}

BARRIER = ("appointment_timing", "family_commitments", "medical", "childcare", "travel", "literacy_language")
# The v1 episode field's codes (`none` is no requirement); still taken in episodes.csv.
LEGAL_REQUIREMENT = ("required_assessment", "rob", "drr", "atr", "licence", "none")
LAWFUL_BASIS = ("consent", "court_order", "safeguarding", "vital_interests")
# A legal requirement (DOMAIN.md "Legal requirements"): the v1 codes and two new ones.
REQUIREMENT = ("required_assessment", "rob", "drr", "atr", "licence", "mhtr", "iom")
AGENCY = ("police", "probation", "court", "prison")
# Who is told of an absence, unless the requirement names another agency.
NOTIFY_BY_REQUIREMENT = {
    "required_assessment": "police",
    "rob": "police",
    "drr": "probation",
    "atr": "probation",
    "licence": "probation",
    "mhtr": "probation",
    "iom": "police",
}


def agency_to_notify(requirement: str, named: str | None = None) -> str:
    """Who is told of an absence on a legal requirement: the agency it names, else the
    requirement's own (police for arrest, bail and IOM, probation for orders and licences)."""
    return named or NOTIFY_BY_REQUIREMENT[requirement]


def split_notify(text: str | None) -> tuple[str | None, str | None]:
    """A v1 episode's `notify_agency` text as a requirement's (agency_to_notify, notify_contact):
    one of the four agencies (trimmed, any case) is the agency; any other text is the contact."""
    cleaned = (text or "").strip()
    if cleaned.lower() in AGENCY:
        return cleaned.lower(), None
    return None, cleaned or None


# Community orders with treatment requirements (DOMAIN.md "Community orders").
ORDER_TYPE = ("drr", "atr", "mhtr", "combined")
ORDER_COMPONENT = ("drr", "atr", "mhtr")
REVIEW_FREQUENCY = ("none", "monthly", "other")
ORDER_OUTCOME = (
    "completed",
    "revoked_good_progress",
    "revoked_breach",
    "resentenced",
    "further_offence_custody",
    "expired",
    "died",
    "transferred",
)
ORDER_EVENT_KIND = ("test", "review", "warning", "breach_laid", "breach_outcome", "progress_report_sent")
TEST_RESULT_ALONE = ("negative", "refused")
REVIEW_PROGRESS = ("good", "adequate", "poor")
BREACH_OUTCOME = ("continued", "revoked_resentenced", "custody")


# Short pathway names for narrow tables.
PATHWAY_SHORT = {
    "arrest_referral": "Arrest ref",
    "restriction_on_bail": "RoB",
    "court": "Court",
    "prison_link": "Prison",
    "drr": "DRR",
    "atr": "ATR",
    "iom": "IOM",
    "community": "Community",
}

# TOP day-count columns, in form order.
TOP_DAY_FIELDS = (
    "alcohol_days",
    "opiates_days",
    "crack_days",
    "cocaine_days",
    "amphetamines_days",
    "cannabis_days",
    "other_drug_days",
    "injecting_days",
    "shoplifting_days",
    "drug_selling_days",
    "other_theft_days",
    "paid_work_days",
    "education_days",
)
TOP_SCORE_FIELDS = ("psych_health", "phys_health", "quality_of_life")
TOP_YES_NO_FIELDS = ("assault", "acute_housing_problem")

# The TOP column that counts days of use of each primary substance (DOMAIN.md, top_primary_*).
TOP_FIELD_OF_SUBSTANCE = {
    "heroin": "opiates_days",
    "other_opiates": "opiates_days",
    "crack": "crack_days",
    "cocaine": "cocaine_days",
    "amphetamines": "amphetamines_days",
    "cannabis": "cannabis_days",
    "benzodiazepines": "other_drug_days",
    "alcohol": "alcohol_days",
    "other": "other_drug_days",
}

# Structured-treatment contacts for continuity of care after release.
STRUCTURED_KINDS = ("assessment", "keywork", "group", "review")


def age_band(age: int) -> str:
    """The DOMAIN.md age band of an age in whole years."""
    if age < 18:
        return "under_18"
    for band, upper in (("18-24", 24), ("25-34", 34), ("35-44", 44), ("45-54", 54), ("55-64", 64)):
        if age <= upper:
            return band
    return "65+"


# Releases from custody (DOMAIN.md "Releases from custody").
RELEASE_TYPE = ("licence", "end_of_sentence", "home_detention_curfew", "remand_or_court", "other")
ACCOMMODATION_ON_RELEASE = ("settled", "temporary", "no_fixed_abode", "not_known")
SCRIPT_CONTINUITY = ("yes", "no", "not_applicable")
COC_EXCLUSION = ("re_imprisoned", "died", "moved_out_of_area", "transferred_secure_setting")
CONTINUITY_STATUS = ("due", "pending", "engaged", "not_engaged", "excluded")


def all_codes() -> frozenset[str]:
    """Every code of every list: values that can never identify a person."""
    lists = (
        PATHWAY,
        REFERRAL_SOURCE,
        SUBSTANCE,
        SEX,
        ETHNICITY,
        SESSION_KIND,
        SESSION_STATUS,
        DISCHARGE_REASON,
        OUTCOME,
        GOAL_DOMAIN,
        GOAL_STATUS,
        HEARING_TYPE,
        TOP_STAGE,
        RISK_FLAG,
        YES_NO,
        AGE_BAND,
        ETHNIC_GROUP,
        BARRIER,
        LEGAL_REQUIREMENT,
        LAWFUL_BASIS,
        REQUIREMENT,
        AGENCY,
        ORDER_TYPE,
        REVIEW_FREQUENCY,
        ORDER_OUTCOME,
        ORDER_EVENT_KIND,
        TEST_SUBSTANCE,
        TEST_RESULT_ALONE,
        REVIEW_PROGRESS,
        BREACH_OUTCOME,
        ABSENCE,
        SESSION_REQUIREMENT,
        OFFENCE,
        TEST_RESULT,
        CONFIRMATORY_RESULT,
        ASSESSMENT_OUTCOME,
        RELEASE_TYPE,
        ACCOMMODATION_ON_RELEASE,
        SCRIPT_CONTINUITY,
        COC_EXCLUSION,
        CONTINUITY_STATUS,
    )
    return frozenset(code for codes in lists for code in codes)


def label(code: str | None) -> str:
    """A code as the screens, printouts and calendars say it: `transferred_custody` is
    "transferred custody"."""
    return (code or "").replace("_", " ")


# The TOP form's measures as its grid labels them.
TOP_LABEL = {
    "alcohol_days": "Alcohol",
    "opiates_days": "Opiates",
    "crack_days": "Crack",
    "cocaine_days": "Cocaine",
    "amphetamines_days": "Amphetamines",
    "cannabis_days": "Cannabis",
    "other_drug_days": "Other drug",
    "injecting_days": "Injecting",
    "shoplifting_days": "Shoplifting",
    "drug_selling_days": "Drug selling",
    "other_theft_days": "Other theft",
    "paid_work_days": "Paid work",
    "education_days": "Education",
    "psych_health": "Psych (0-20)",
    "phys_health": "Phys (0-20)",
    "quality_of_life": "QoL (0-20)",
    "assault": "Assault",
    "acute_housing_problem": "Housing crisis",
}
