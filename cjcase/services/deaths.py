"""Deaths (DOMAIN.md): recording that a client died. In the program, recording a death discharges
the episode open on that day as `died` on the date of death, marks the client's later scheduled
sessions `cancelled_service` and closes the client for the agenda; the record is kept (under the
retention rules, like any closed client's). An import must already agree (see `conflicts`).
Every write is one transaction with its audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from cjcase.domain import codes, rules
from cjcase.domain.clinical import DEATH, Death, check_death, days_since_release
from cjcase.domain.clock import Clock
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.services.audit import write_audit

# Appointment kinds: a session of one of these marked attended is contact with the living client
# (a letter or text sent may be dated after the death: it went before the news came).
APPOINTMENT_KINDS = codes.APPOINTMENT_KIND
ATTENDED = ("attended", "attended_left_early")


def dated_as_alive(entity: str, clean: dict[str, Any]) -> tuple[str, str | None]:
    """The field and day of a record that shows the client alive on that day (a referral, an
    attended appointment, a TOP), or (field, None) for one that does not."""
    if entity == "episode":
        return "referral_date", clean.get("referral_date")
    if entity == "session" and clean.get("kind") in APPOINTMENT_KINDS and clean.get("status") in ATTENDED:
        return "when", str(clean.get("when") or "")[:10] or None
    if entity == "top":
        return "date", clean.get("date")
    return "", None


@dataclass
class DeathRecorded:
    """What recording a death changed besides the death record."""

    death: Death
    discharged_episode_id: int | None
    cancelled_sessions: int


def _has_table(db: sqlite_utils.Database, name: str) -> bool:
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone())


def later_records(db: sqlite_utils.Database, client_id: int, died: str) -> list[str]:
    """What is dated after a date of death and cannot be (DOMAIN.md): a referral, an attended
    appointment, a custody event, an order event, a TOP or an intervention, each as a phrase."""
    found = []
    kinds = ", ".join(f"'{kind}'" for kind in APPOINTMENT_KINDS)
    statuses = ", ".join(f"'{status}'" for status in ATTENDED)
    checks = [
        ("a referral on {}", "SELECT min(referral_date) FROM episodes WHERE client_id = ? AND referral_date > ?"),
        (
            "an attended appointment on {}",
            f"SELECT min(substr(starts_at, 1, 10)) FROM sessions WHERE client_id = ? AND kind IN ({kinds}) "
            f"AND status IN ({statuses}) AND substr(starts_at, 1, 10) > ?",
        ),
        ("a TOP dated {}", "SELECT min(top_date) FROM tops WHERE client_id = ? AND top_date > ?"),
        (
            "an intervention on {}",
            "SELECT min(intervention_date) FROM interventions WHERE client_id = ? AND intervention_date > ?",
        ),
    ]
    if _has_table(db, "custody_events"):
        checks.append(
            (
                "a custody event on {}",
                "SELECT min(substr(arrested_at, 1, 10)) FROM custody_events WHERE client_id = ? "
                "AND substr(arrested_at, 1, 10) > ?",
            )
        )
    if _has_table(db, "order_events"):
        checks.append(
            ("an order event on {}", "SELECT min(event_date) FROM order_events WHERE client_id = ? AND event_date > ?")
        )
    for phrase, sql in checks:
        day = db.execute(sql, [client_id, died]).fetchone()[0]
        if day:
            found.append(phrase.format(date.fromisoformat(day).strftime("%d/%m/%Y")))
    return found


def open_episode_on(db: sqlite_utils.Database, client_id: int, day: str) -> dict[str, Any] | None:
    """The client's episode open on a day, if any."""
    rows = list(
        db.query(
            "SELECT * FROM episodes WHERE client_id = ? AND referral_date <= ? "
            "AND (discharge_date IS NULL OR discharge_date >= ?) ORDER BY referral_date DESC LIMIT 1",
            [client_id, day, day],
        )
    )
    return rows[0] if rows else None


class Deaths:
    """Recording a death, and what the record shows of it."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None):
        self.db = db
        self.clock = clock or Clock()

    def of_client(self, client_id: int) -> Death | None:
        """The client's death record, if they died."""
        rows = list(self.db.query("SELECT * FROM deaths WHERE client_id = ?", [client_id]))
        return Death.from_row(rows[0]) if rows else None

    def record(self, client_id: int, values: dict[str, Any]) -> DeathRecorded:
        """Record a death: the episode open on that day is discharged as `died` on the date of
        death, later scheduled sessions are cancelled by the service, in one transaction. Refused
        (on `date_of_death`) when something dated after it shows the client alive."""
        client = list(self.db.query("SELECT id, date_of_birth FROM clients WHERE id = ?", [client_id]))
        if not client:
            raise NotFoundError(f"That client (#{client_id}) no longer exists.")
        if self.of_client(client_id):
            raise ValidationError("date_of_death", "A death is already recorded for this client.")
        clean, problems = rules.check_fields(DEATH, values)
        problems = problems or check_death(clean, client[0]["date_of_birth"], self.clock.today())
        if problems:
            raise problems[0]
        died = clean["date_of_death"]
        later = later_records(self.db, client_id, died)
        if later:
            raise ValidationError(
                "date_of_death",
                f"The client has {' and '.join(later)}, after that date: check the date of death, "
                "or correct that record first.",
            )
        episode = open_episode_on(self.db, client_id, died)
        if episode and episode["start_date"] and episode["start_date"] > died:
            raise ValidationError(
                "date_of_death",
                f"The episode referred on {date.fromisoformat(episode['referral_date']):%d/%m/%Y} started after "
                "that date: check the date of death or the start date.",
            )
        if clean.get("notes"):
            clean["notes"] = clean["notes"].strip()
        with self.db.atomic():
            death_id = self.db.table("deaths").insert({**clean, "client_id": client_id}).last_pk
            write_audit(self.db, "create", "death", death_id, client_id)
            discharged = None
            if episode and (episode["discharge_date"] != died or episode["discharge_reason"] != "died"):
                self.db.execute(
                    "UPDATE episodes SET discharge_date = ?, discharge_reason = 'died', transferred_to = NULL, "
                    "updated_at = datetime('now') WHERE id = ?",
                    [died, episode["id"]],
                )
                write_audit(
                    self.db,
                    "update",
                    "episode",
                    episode["id"],
                    client_id,
                    "fields: discharge_date, discharge_reason (died)",
                )
                discharged = episode["id"]
            cancelled = self.db.execute(
                "UPDATE sessions SET status = 'cancelled_service', updated_at = datetime('now') "
                "WHERE client_id = ? AND status = 'scheduled' AND starts_at > ?",
                [client_id, f"{died} 23:59"],
            ).rowcount
            if cancelled:
                write_audit(
                    self.db, "update", "session", None, client_id, f"cancelled {cancelled} sessions after a death"
                )
        return DeathRecorded(self.get(int(death_id or 0)), discharged, cancelled)

    def update(self, death_id: int, changes: dict[str, Any]) -> Death:
        """Correct whether the death is suspected drug-related, or its notes. (A wrong date of
        death is deleted and recorded again, so the episode and sessions follow it.)"""
        current = self.get(death_id)
        if "date_of_death" in changes and changes["date_of_death"] not in (None, current.date_of_death):
            raise ValidationError(
                "date_of_death", "To correct the date of death, delete the death record and record it again."
            )
        merged = {"date_of_death": current.date_of_death, "drug_related_suspected": current.drug_related_suspected}
        merged["notes"] = current.notes
        merged.update({k: v for k, v in changes.items() if k != "date_of_death"})
        clean, problems = rules.check_fields(DEATH, merged)
        if problems:
            raise problems[0]
        changed = {k: v for k, v in clean.items() if k != "date_of_death" and getattr(current, k) != v}
        if changed:
            with self.db.atomic():
                self.db.table("deaths").update(
                    death_id, {**changed, "updated_at": self.clock.now().strftime("%Y-%m-%d %H:%M:%S")}
                )
                write_audit(
                    self.db, "update", "death", death_id, current.client_id, "fields: " + ", ".join(sorted(changed))
                )
        return self.get(death_id)

    def delete(self, death_id: int) -> None:
        """Delete a death recorded in error (the episode's discharge stays as it is)."""
        current = self.get(death_id)
        with self.db.atomic():
            self.db.execute("DELETE FROM deaths WHERE id = ?", [death_id])
            write_audit(self.db, "delete", "death", death_id, current.client_id)

    def get(self, death_id: int) -> Death:
        """One death record by id."""
        rows = list(self.db.query("SELECT * FROM deaths WHERE id = ?", [death_id]))
        if not rows:
            raise NotFoundError(f"That death record (#{death_id}) no longer exists.")
        return Death.from_row(rows[0])

    def days_since_release(self, death: Death) -> int | None:
        """The date of death minus the latest release (actual date) on or before it; None if none."""
        days = [
            date.fromisoformat(row[0])
            for row in self.db.execute(
                "SELECT actual_date FROM releases WHERE client_id = ? AND actual_date IS NOT NULL", [death.client_id]
            ).fetchall()
        ]
        return days_since_release(death.date_of_death, days)

    def died(self) -> set[int]:
        """The ids of clients with a death record (closed for the agenda)."""
        return {row[0] for row in self.db.execute("SELECT client_id FROM deaths").fetchall()}
