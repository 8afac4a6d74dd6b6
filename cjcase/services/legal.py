"""The legal side of a session: which requirements are in force on a day, whether an order is
running, and the rules of record a session's `requirement` and `absence` follow (DOMAIN.md,
Sessions v2). The program and the importer ask these same functions.

`in_force` is the one place here that says which legal requirements a client is under: it asks
the requirements (services.requirements), the records a v1 episode's `legal_requirement` became.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from cjcase.domain import codes
from cjcase.domain.errors import ValidationError

if TYPE_CHECKING:  # only named in hints
    import sqlite_utils


def in_force(db: sqlite_utils.Database, client_id: int, day: date | str) -> list[tuple[str, str]]:
    """Every legal requirement a client is under on a day, with the agency told of an absence,
    as (code, agency) pairs (services.requirements holds the records)."""
    from cjcase.services import requirements

    when = date.fromisoformat(day) if isinstance(day, str) else day
    return [(found.requirement, found.agency) for found in requirements.in_force(db, client_id, when)]


def order_running(db: sqlite_utils.Database, client_id: int, day: date | str) -> bool:
    """Whether a community order of the client's is running on a day (DOMAIN.md, orders: from its
    sentence date to its outcome date). No order is running where orders are not yet recorded."""
    text = day if isinstance(day, str) else day.isoformat()
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'").fetchone():
        return False
    return (
        db.execute(
            "SELECT 1 FROM orders WHERE client_id = ? AND sentence_date <= ? "
            "AND (outcome_date IS NULL OR outcome_date >= ?) LIMIT 1",
            [client_id, text, text],
        ).fetchone()
        is not None
    )


def ra_event(db: sqlite_utils.Database, client_id: int, when: str) -> dict[str, Any] | None:
    """The custody event an RA session belongs to: the client's latest with `ra_imposed` = yes
    whose arrest is at or before the session's time."""
    rows = list(
        db.query(
            "SELECT * FROM custody_events WHERE client_id = ? AND ra_imposed = 'yes' AND arrested_at <= ? "
            "ORDER BY arrested_at DESC LIMIT 1",
            [client_id, when],
        )
    )
    return rows[0] if rows else None


def reportable(db: sqlite_utils.Database, client_id: int, day: date | str, stage: str | None) -> list[tuple[str, str]]:
    """Who must be told of an absence on a day: the agency of each requirement in force; an RA
    stage is itself a Required Assessment the police are told of (reading: the RA session exists
    only because an RA was imposed)."""
    found = in_force(db, client_id, day)
    if stage in codes.RA_STAGE and not any(code == "required_assessment" for code, _ in found):
        found.append(("required_assessment", codes.agency_to_notify("required_assessment")))
    return found


def session_problems(db: sqlite_utils.Database, client_id: int, clean: dict[str, Any]) -> list[ValidationError]:
    """The rules of record a session's legal fields follow that read other records: an RA stage
    belongs to a custody event with the RA imposed (a follow-up, with one required), a RoB stage
    needs a RoB requirement in force, and an absence decision needs a requirement in force or an
    order running on the session's day."""
    problems = []
    when = str(clean.get("when") or "")
    day = when[:10]
    stage = clean.get("requirement")
    if stage in codes.RA_STAGE and when:
        event = ra_event(db, client_id, when)
        if event is None:
            problems.append(
                ValidationError(
                    "requirement",
                    f"{stage} needs a custody event with ra_imposed yes arrested at or before {when}: "
                    "record the arrest first.",
                )
            )
        elif stage == "ra_followup" and event["ra_followup_required"] != "yes":
            problems.append(
                ValidationError(
                    "requirement",
                    f"ra_followup needs ra_followup_required yes on the custody event of {event['arrested_at']}.",
                )
            )
    if stage in codes.ROB_STAGE and day and not any(code == "rob" for code, _ in in_force(db, client_id, day)):
        problems.append(
            ValidationError("requirement", f"{stage} needs a rob requirement in force on {day}: record it first.")
        )
    if clean.get("absence") and day and not in_force(db, client_id, day) and not order_running(db, client_id, day):
        problems.append(
            ValidationError(
                "absence",
                f"An absence decision is for a day with a requirement in force or an order running, "
                f"and {day} has none: clear it.",
            )
        )
    return problems


def stages_offered(db: sqlite_utils.Database, client_id: int, day: date | str) -> tuple[str, ...]:
    """The legal stages worth offering for an assessment on a day (the rules above still decide)."""
    text = day if isinstance(day, str) else day.isoformat()
    offered: tuple[str, ...] = ()
    if ra_event(db, client_id, f"{text} 23:59") is not None:
        offered += codes.RA_STAGE
    if any(code == "rob" for code, _ in in_force(db, client_id, text)):
        offered += codes.ROB_STAGE
    return offered
