"""The NDTMS-shaped TOP extract: one row per TOP dated in the period, under the NDTMS field names
of DOMAIN.md (TOP v2), keyed by the pseudonym; `NA` where an item was not answered. A client whose
episode says no to NDTMS (`consent_to_ndtms` = no) gives only the pseudonym and consent."""

from __future__ import annotations

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.codes import NA

# The columns a TOP extract template may list, in the order of the form.
TOP_EXTRACT_COLUMNS = (
    "pseudo_id",
    "CONSENT",
    "setting",
    "TOPDATE",
    "TRSTAGE",
    "ALCUSE",
    "OPIUSE",
    "CRAUSE",
    "COCAUSE",
    "AMPHUSE",
    "CANNUSE",
    "OTDRGUSE",
    "IVDRGUSE",
    "SHARING",
    "SHOTHEFT",
    "DRGSELL",
    "OTHTHEFT",
    "ASSAULT",
    "PSYHSTAT",
    "PWORK",
    "EDUCAT",
    "PHSTAT",
    "ACUTHPBM",
    "HRISK",
    "QUALLIFE",
)
# What a row of a client without consent to NDTMS still carries.
CONSENT_FREE_COLUMNS = frozenset(("pseudo_id", "CONSENT"))
_ITEM_OF_FIELD = {field: item for item, field in codes.TOP_NDTMS_FIELD.items()}

# The TOP's episode (for its consent): open on the TOP's date; else the latest referred on or
# before it (a TOP a few days after discharge); else the earliest referred after it.
TOPS_SQL = """
SELECT t.*, c.client_ref, coalesce(
    (SELECT e.id FROM episodes e WHERE e.client_id = t.client_id AND e.referral_date <= t.top_date
       AND (e.discharge_date IS NULL OR t.top_date <= e.discharge_date)),
    (SELECT e.id FROM episodes e WHERE e.client_id = t.client_id AND e.referral_date <= t.top_date
       ORDER BY e.referral_date DESC LIMIT 1),
    (SELECT e.id FROM episodes e WHERE e.client_id = t.client_id
       ORDER BY e.referral_date LIMIT 1)) AS episode_id
FROM tops t JOIN clients c ON c.id = t.client_id
WHERE t.top_date BETWEEN :start AND :end
"""


def consent_of(db: sqlite_utils.Database) -> dict[int, str | None]:
    """Each episode's consent to NDTMS, where the caseload records it (an older schema has none)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(episodes)")}
    if "consent_to_ndtms" not in columns:
        return {}
    return {row[0]: row[1] for row in db.execute("SELECT id, consent_to_ndtms FROM episodes")}


def ndtms_value(name: str, value: int | str | None) -> int | str:
    """An item as NDTMS takes it: the number, Y or N, or NA when not answered."""
    if value is None:
        return NA
    if value in ("yes", "no"):
        return "Y" if value == "yes" else "N"
    return value


def top_record(top: dict, pseudonym: str, consent: str | None) -> dict[str, int | str | None]:
    """One TOP as the NDTMS-shaped row, every column filled (the template picks its columns)."""
    record: dict[str, int | str | None] = {
        "pseudo_id": pseudonym,
        "CONSENT": {"yes": "Y", "no": "N"}.get(consent or ""),
        "setting": top["setting"],
        "TOPDATE": top["top_date"],
        "TRSTAGE": top["stage"],
        "SHARING": codes.ndtms_sharing(top["sharing_needles"], top["sharing_paraphernalia"]),
        "OTHTHEFT": codes.ndtms_other_theft(
            top["vehicle_theft"], top["property_theft_burglary"], top["fraud_forgery_handling"], top["other_theft_days"]
        ),
    }
    for field, item in _ITEM_OF_FIELD.items():
        record[field] = ndtms_value(item, top[item])
    return record


def rows(db: sqlite_utils.Database, params: dict[str, str], key: bytes, pseudo_id) -> list[tuple[dict, bool]]:
    """Each TOP of the period as its row, with whether it is withheld for want of consent."""
    consents = consent_of(db)
    found = []
    for top in db.query(TOPS_SQL, params):
        consent = consents.get(top["episode_id"]) if top["episode_id"] is not None else None
        pseudonym = pseudo_id(key, top["client_ref"])
        record = top_record(top, pseudonym, consent)
        withheld = consent == "no"
        if withheld:
            record = {name: (value if name in CONSENT_FREE_COLUMNS else None) for name, value in record.items()}
        # By date, then pseudonym and stage: never by row ids, which differ between one caseload and
        # the same records combined from several laptops (the two must give the same bytes).
        order = (top["top_date"], pseudonym, codes.TOP_STAGE.index(top["stage"]), top["setting"])
        found.append((order, record, withheld))
    found.sort(key=lambda item: item[0])
    return [(record, withheld) for _, record, withheld in found]
