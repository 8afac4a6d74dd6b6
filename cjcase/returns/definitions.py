"""Each measure and extract column in words (DOMAIN.md), and the groups' codes as people read them."""

from __future__ import annotations

from cjcase.domain import codes

MEASURE_DEFINITIONS = {
    "referrals_received": "Episodes with a referral date in the period.",
    "new_starts": "Episodes whose first structured intervention (start date) is in the period.",
    "new_starts_waited_over_21_days": "Of the new starts: the start date is more than 21 days after the referral.",
    "in_treatment_at_end": "Episodes open on the last day of the period that had started by then.",
    "awaiting_start_at_end": "Episodes open on the last day of the period that had not started by then.",
    "awaiting_start_over_21_days_at_end": "Of those awaiting a start: referred more than 21 days before the end.",
    "discharges": "Episodes with a discharge date in the period, by outcome and by reason.",
    "planned_exit_rate": (
        "Among discharges in the period of episodes that had started: planned exits as a percentage of "
        "planned and unplanned exits (transfers and other exits left out). Not NDTMS's successful completion."
    ),
    "closed_before_start": "Discharges in the period of episodes that never started.",
    "appointments": (
        "Sessions dated in the period, by status (scheduled included); the kind rows count attended sessions."
    ),
    "attendance_rate": (
        "Attended sessions as a percentage of attended and missed (DNA) sessions in the period, "
        "leaving out court support and gate pick-ups."
    ),
    "clients_seen": "Distinct clients with an attended session in the period.",
    "continuity_of_care_rate": (
        "Of the prison releases in the period: the percentage whose client had an attended assessment, "
        "keywork, group or review session from the release day to 21 days after it."
    ),
    "goals_set": "Care-plan goals set in the period, by life domain.",
    "goals_closed": "Care-plan goals closed in the period, by how they ended.",
    "goals_achieved_rate": "Goals achieved as a percentage of the goals closed in the period, withdrawn goals aside.",
    "court_hearings": "Court dates in the period, by type of hearing.",
    "new_starts_by_age": "New starts by the client's age in whole years on the start date.",
    "new_starts_by_sex": "New starts by the client's sex.",
    "new_starts_by_ethnicity": "New starts by ethnic group (NHS ethnic categories grouped).",
    "top_pairs": (
        "Clients whose latest TOP in the period is a review or exit, with a start TOP of the same "
        "episode at least 28 days before it."
    ),
    "top_primary_using_at_start": "Of the TOP pairs: the start TOP shows use of the primary substance.",
    "top_primary_abstinent": "Of those using at start: no days of use of the primary substance on the later TOP.",
    "top_primary_reduced": "Of those using at start: fewer days of use on the later TOP (abstinent included).",
    "top_offending_reduced": (
        "Of the TOP pairs with any shoplifting, drug selling or other theft days at start: fewer on the later TOP."
    ),
}

COLUMN_DEFINITIONS = {
    "pseudo_id": "A keyed hash of the client's reference: the same client has the same pseudo_id in every extract.",
    "age_band": "The client's age band on the referral date.",
    "sex": "The client's sex.",
    "ethnicity": "The client's NHS ethnic category letter (Z: not stated).",
    "pathway": "The criminal-justice point where the service picked the client up.",
    "referral_source": "Who referred the client.",
    "primary_substance": "The substance the episode is mainly about.",
    "referral_month": "The month of the referral.",
    "start_month": "The month of the first structured intervention; empty if not started.",
    "discharge_month": "The month of discharge; empty while open.",
    "discharge_reason": "Why the episode closed.",
    "discharge_outcome": "planned, transferred, unplanned or other, from the discharge reason.",
    "attended_in_period": "Sessions attended within the episode and the period.",
    "dna_in_period": "Sessions missed (did not attend) within the episode and the period.",
    "continuity_engaged": (
        "For a prison release in the period: yes if a structured session was attended within 21 days, "
        "else no; empty without a release."
    ),
}

_WORDS = {
    "all": "All",
    "gp": "GP",
    "drr": "DRR (Drug Rehabilitation Requirement)",
    "atr": "ATR (Alcohol Treatment Requirement)",
    "iom": "IOM (Integrated Offender Management)",
    "dna": "Did not attend",
    "cancelled_client": "Cancelled by the client",
    "cancelled_service": "Cancelled by the service",
    "other_cj": "Other criminal justice",
    "under_18": "Under 18",
    "65+": "65 and over",
    "not_stated": "Not stated",
}


def group_words(group: str) -> str:
    """A group code as people read it: `pathway:arrest_referral` → `Arrest referral`; a group a
    template relabelled is already in words."""
    if ":" not in group and group != "all":
        return group
    code = group.split(":", 1)[-1]
    if code in _WORDS:
        return _WORDS[code]
    if code[:1].isdigit():
        return f"Aged {code}"
    return codes.label(code).capitalize()
