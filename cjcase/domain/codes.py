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
    # CJIT caseload closures (DOMAIN.md, Episodes v2): outcome `transferred`, no NDTMS DISRSN.
    "transferred_other_cjit_area",
    "transferred_offender_management",
    "dropped_out",
    "withdrawn_by_provider",
    "retained_in_custody",
    "declined_treatment",
    "died",
)
# The v1 reasons: the v1 return and extract list only these, and count each CJIT closure as
# `transferred_community` until the return v2 (DOMAIN.md).
DISCHARGE_REASON_V1 = tuple(reason for reason in DISCHARGE_REASON if not reason.endswith(("_cjit_area", "_management")))
V1_REASON = {
    "transferred_other_cjit_area": "transferred_community",
    "transferred_offender_management": "transferred_community",
}
# The CJIT words for the two closures, as the form says them.
DISCHARGE_REASON_LABEL = {
    "transferred_other_cjit_area": "Transferred to another CJIT area",
    "transferred_offender_management": "Transferred to offender management team and no longer case managed by the CJIT",
}


def v1_reason(reason: str | None) -> str | None:
    """A discharge reason as the v1 return and extract count it."""
    return V1_REASON.get(reason or "", reason)


# Episodes v2 (DOMAIN.md): the route of the primary substance, injecting status, and the event that
# prompted the contact, with the CJIT form's words.
ROUTE = ("inject", "sniff", "smoke", "oral", "other", "not_known")
INJECTING_STATUS = ("never", "previously", "currently", "not_known")
CONTACT_EVENT_LABEL = {
    "ra_positive_test": "RA imposed following positive test",
    "rob": "Restriction on Bail",
    "conditional_caution": "Conditional Cautioning",
    "pre_sentence_report": "Pre-Sentence Report",
    "offender_manager_requirement": "Required by Offender Manager/DRR/ATR/IOM",
    "voluntary_after_release": "Voluntary – following release from prison",
    "voluntary_cell_sweep": "Voluntary – following cell sweep",
    "voluntary_liaison_diversion": "Voluntary – liaison and diversion team",
    "voluntary_other": "Voluntary – other",
    "post_treatment_referral": "Following referral by treatment provider (post-treatment)",
    "post_order_request": "Requested by Offender Manager (post-DRR/ATR)",
    "other": "Other",
}
CONTACT_EVENT = tuple(CONTACT_EVENT_LABEL)
# Interventions, deaths and safeguarding (DOMAIN.md).
INTERVENTION_KIND = (
    "naloxone_issued",
    "naloxone_training",
    "hcv_test",
    "hbv_vaccination",
    "hiv_test",
    "overdose_plan",
    "other",
)
INTERVENTION_LABEL = {
    "naloxone_issued": "Naloxone kit issued",
    "naloxone_training": "Naloxone / overdose training",
    "hcv_test": "Hepatitis C test",
    "hbv_vaccination": "Hepatitis B vaccine dose",
    "hiv_test": "HIV test",
    "overdose_plan": "Overdose-risk plan",
    "other": "Other (say what in the notes)",
}
DRUG_RELATED_SUSPECTED = ("yes", "no", "not_known")
SAFEGUARDING_CATEGORY = ("adult", "child", "domestic_abuse", "exploitation", "other")

# The substances that rule out `completed_occasional_user` (NDTMS 82) when entered.
NOT_OCCASIONAL_USE = ("heroin", "other_opiates", "crack")
OPIATES = ("heroin", "other_opiates")
# The substance group of an episode, derived and never stored, for the return v2.
SUBSTANCE_GROUP = ("opiate", "non_opiate_only", "non_opiate_and_alcohol", "alcohol_only")


def substance_group(primary: str | None, drug_2: str | None = None, drug_3: str | None = None) -> str | None:
    """The first group that applies to the set of the episode's substances (empty ones left out):
    opiate if it holds heroin or other opiates; alcohol only if it is exactly alcohol; non-opiate
    and alcohol if it holds alcohol; otherwise non-opiate only (crack and other included)."""
    found = {substance for substance in (primary, drug_2, drug_3) if substance}
    if not found:
        return None
    if found & set(OPIATES):
        return "opiate"
    if found == {"alcohol"}:
        return "alcohol_only"
    if "alcohol" in found:
        return "non_opiate_and_alcohol"
    return "non_opiate_only"


OUTCOME = ("planned", "transferred", "unplanned", "other")
OUTCOME_OF_REASON = {
    "completed_drug_free": "planned",
    "completed_alcohol_free": "planned",
    "completed_occasional_user": "planned",
    "transferred_community": "transferred",
    "transferred_custody": "transferred",
    "transferred_other_cjit_area": "transferred",
    "transferred_offender_management": "transferred",
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
TOP_STAGE = ("start", "review", "exit", "post_treatment_exit")
# The stages the v1 measures read (post-treatment-exit TOPs are left out, DOMAIN.md).
TOP_V1_STAGES = ("start", "review", "exit")
TOP_SETTING = ("community", "custody")
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
# A requirement as a line of the agenda or the record's header names it: the short forms workers use.
REQUIREMENT_SHORT = {
    "required_assessment": "RA",
    "rob": "RoB",
    "drr": "DRR",
    "atr": "ATR",
    "licence": "licence",
    "mhtr": "MHTR",
    "iom": "IOM",
}
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

# TOP v2 (DOMAIN.md): every item of the paper form, in its order, in its four sections. Each item
# may be NA (not answered), stored as NULL and never as 0 or no.
NA = "NA"
TOP_UNITS_FIELD = "alcohol_units_per_drinking_day"  # 0-200
TOP_SHARING_FIELDS = ("sharing_needles", "sharing_paraphernalia")
TOP_THEFT_FIELDS = ("vehicle_theft", "property_theft_burglary", "fraud_forgery_handling")
TOP_SECTIONS = (
    (
        "Substance use",
        (
            "alcohol_days",
            TOP_UNITS_FIELD,
            "opiates_days",
            "crack_days",
            "cocaine_days",
            "amphetamines_days",
            "cannabis_days",
            "other_drug_days",
            "tobacco_days",
        ),
    ),
    ("Injecting risk behaviour", ("injecting_days", *TOP_SHARING_FIELDS)),
    (
        "Crime",
        ("shoplifting_days", "drug_selling_days", "other_theft_days", *TOP_THEFT_FIELDS, "assault"),
    ),
    (
        "Health and social functioning",
        (
            "psych_health",
            "paid_work_days",
            "education_days",
            "phys_health",
            "acute_housing_problem",
            "eviction_risk",
            "quality_of_life",
        ),
    ),
)
TOP_ITEMS = tuple(name for _, items in TOP_SECTIONS for name in items)
# The items added in v2: a v1 file without their columns imports them as NA.
TOP_V2_ITEMS = (
    TOP_UNITS_FIELD,
    "tobacco_days",
    *TOP_SHARING_FIELDS,
    *TOP_THEFT_FIELDS,
    "eviction_risk",
)
TOP_V2_YES_NO_FIELDS = (*TOP_SHARING_FIELDS, *TOP_THEFT_FIELDS, "eviction_risk")
# What kind of answer each item takes: days 0-28, a rating 0-20, units 0-200, or yes/no.
TOP_ITEM_KIND = {
    **{name: "days" for name in TOP_ITEMS if name.endswith("_days")},
    **dict.fromkeys(TOP_SCORE_FIELDS, "rating"),
    TOP_UNITS_FIELD: "units",
    **dict.fromkeys(TOP_YES_NO_FIELDS + TOP_V2_YES_NO_FIELDS, "yes_no"),
}
# The NDTMS field of each item that has one (DOMAIN.md, TOP v2); SHARING and OTHTHEFT are derived.
TOP_NDTMS_FIELD = {
    "alcohol_days": "ALCUSE",
    "opiates_days": "OPIUSE",
    "crack_days": "CRAUSE",
    "cocaine_days": "COCAUSE",
    "amphetamines_days": "AMPHUSE",
    "cannabis_days": "CANNUSE",
    "other_drug_days": "OTDRGUSE",
    "injecting_days": "IVDRGUSE",
    "shoplifting_days": "SHOTHEFT",
    "drug_selling_days": "DRGSELL",
    "assault": "ASSAULT",
    "psych_health": "PSYHSTAT",
    "paid_work_days": "PWORK",
    "education_days": "EDUCAT",
    "phys_health": "PHSTAT",
    "acute_housing_problem": "ACUTHPBM",
    "eviction_risk": "HRISK",
    "quality_of_life": "QUALLIFE",
}


def ndtms_sharing(needles: str | None, paraphernalia: str | None) -> str:
    """NDTMS SHARING from the two sharing items: Y if either is yes, N if both are no, else NA."""
    if "yes" in (needles, paraphernalia):
        return "Y"
    if needles == "no" and paraphernalia == "no":
        return "N"
    return NA


def ndtms_other_theft(vehicle: str | None, burglary: str | None, fraud: str | None, other_days: int | None) -> str:
    """NDTMS OTHTHEFT: Y if any of the vehicle, property and fraud items is yes, N if all three
    are no; when all three are NA it follows other_theft_days (Y above 0, N at 0, NA if NA);
    otherwise NA."""
    items = (vehicle, burglary, fraud)
    if "yes" in items:
        return "Y"
    if all(item == "no" for item in items):
        return "N"
    if all(item is None for item in items):
        return NA if other_days is None else ("Y" if other_days > 0 else "N")
    return NA


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
        TOP_SETTING,
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
        ROUTE,
        INJECTING_STATUS,
        CONTACT_EVENT,
        SUBSTANCE_GROUP,
        INTERVENTION_KIND,
        DRUG_RELATED_SUSPECTED,
        SAFEGUARDING_CATEGORY,
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
    "alcohol_units_per_drinking_day": "Units/drink day",
    "tobacco_days": "Tobacco",
    "sharing_needles": "Shared needles",
    "sharing_paraphernalia": "Shared spoon etc",
    "vehicle_theft": "Vehicle theft",
    "property_theft_burglary": "Property theft",
    "fraud_forgery_handling": "Fraud/handling",
    "eviction_risk": "Eviction risk",
}
