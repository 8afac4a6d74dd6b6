"""Legal requirements (DOMAIN.md "Legal requirements"): dated duties, several at once, none of one
code overlapping another; which are in force on a day, and which agencies an absence is told to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Protocol

import sqlite_utils

from cjcase.domain import codes, rules
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.domain.model import Client, Episode, Requirement
from cjcase.services.audit import write_audit
from cjcase.store.database import INTEGRITY_ERRORS


class _Caseload(Protocol):
    """What requirements use of the caseload façade (services.caseload.Caseload, which reads
    requirements through this module's functions)."""

    db: sqlite_utils.Database

    def get_client(self, client_id: int) -> Client: ...
    def add_episode(self, client_id: int, values: dict[str, Any]) -> Episode: ...


def in_force(db: sqlite_utils.Database, client_id: int, day: date) -> list[Requirement]:
    """The client's requirements in force on a day, in the code list's order."""
    rows = db.query(
        "SELECT * FROM requirements WHERE client_id = ? AND start_date <= ? AND (end_date IS NULL OR end_date >= ?)",
        [client_id, day.isoformat(), day.isoformat()],
    )
    found = [Requirement.from_row(row) for row in rows]
    return sorted(found, key=lambda r: (codes.REQUIREMENT.index(r.requirement), r.start_date))


def stored_problems(db: sqlite_utils.Database) -> list[str]:
    """Requirements of one code of a client that overlap, for `cjcase check`."""
    problems = []
    earlier: dict[tuple[int, str], list[dict]] = {}
    for row in db.query("SELECT * FROM requirements ORDER BY client_id, requirement, start_date"):
        key = (row["client_id"], row["requirement"])
        for other in earlier.get(key, []):
            if rules.requirements_overlap(other, row):
                problems.append(
                    f"requirements row {row['id']} overlaps requirements row {other['id']} of the same code."
                )
        earlier.setdefault(key, []).append(row)
    return problems


def default_agency(requirement: str) -> str:
    """The agency told of an absence when a requirement names none."""
    return codes.NOTIFY_BY_REQUIREMENT[requirement]


def by_agency(requirements: Iterable[Requirement]) -> list[tuple[str, list[Requirement]]]:
    """Requirements grouped by the agency to tell, each agency once, in the order first met: an
    absence is told once to each."""
    groups: dict[str, list[Requirement]] = {}
    for requirement in requirements:
        groups.setdefault(requirement.agency, []).append(requirement)
    return list(groups.items())


def who(agency: str, requirements: list[Requirement]) -> str:
    """The agency with any named contacts: `police (custody sergeant)`."""
    contacts = list(dict.fromkeys(r.notify_contact for r in requirements if r.notify_contact))
    return f"{agency} ({'; '.join(contacts)})" if contacts else agency


def short(requirements: Iterable[Requirement]) -> str:
    """The codes as a line says them: `DRR+licence`."""
    return "+".join(dict.fromkeys(codes.REQUIREMENT_SHORT[r.requirement] for r in requirements))


def summary(requirements: list[Requirement]) -> str:
    """The requirements in force, for the record's header: `DRR (tell probation), RoB (tell police)`."""
    return ", ".join(
        f"{codes.REQUIREMENT_SHORT[r.requirement]} (tell {r.agency}"
        + (f", {r.notify_contact})" if r.notify_contact else ")")
        for r in requirements
    )


def values_from_episode(code: str | None, notify_text: str | None, referral: Any, discharge: Any) -> dict | None:
    """The requirement a v1 episode's `legal_requirement` and `notify_agency` stand for (None for
    `none`): from its referral to its discharge (DOMAIN.md "From v1")."""
    if not code or code == "none":
        return None
    agency, contact = codes.split_notify(notify_text)
    return {
        "requirement": code,
        "start_date": referral,
        "end_date": discharge,
        "agency_to_notify": agency,
        "notify_contact": contact,
    }


class Requirements:
    """A caseload's legal requirements, written with their rules and audited."""

    def __init__(self, caseload: _Caseload):
        self.caseload = caseload
        self.db = caseload.db

    def of_client(self, client_id: int) -> list[Requirement]:
        """All of a client's requirements, latest start first."""
        return [
            Requirement.from_row(row)
            for row in self.db.query(
                "SELECT * FROM requirements WHERE client_id = ? ORDER BY start_date DESC, requirement", [client_id]
            )
        ]

    def in_force(self, client_id: int, day: date) -> list[Requirement]:
        """The client's requirements in force on a day."""
        return in_force(self.db, client_id, day)

    def summary_on(self, client_id: int, day: date) -> str:
        """The requirements in force on a day as the record's header says them (empty: none)."""
        return summary(self.in_force(client_id, day))

    def get(self, requirement_id: int) -> Requirement:
        """One requirement by id."""
        row = self.db.execute("SELECT 1 FROM requirements WHERE id = ?", [requirement_id]).fetchone()
        if row is None:
            raise NotFoundError(f"That requirement (#{requirement_id}) no longer exists.")
        return Requirement.from_row(next(self.db.query("SELECT * FROM requirements WHERE id = ?", [requirement_id])))

    def _problems(self, client_id: int, clean: dict[str, Any], requirement_id: int | None) -> list[ValidationError]:
        problems = rules.check_requirement(clean)
        if problems:
            return problems
        for other in self.of_client(client_id):
            if other.id == requirement_id:
                continue
            other_values = {
                "requirement": other.requirement,
                "start_date": other.start_date.isoformat(),
                "end_date": other.end_date.isoformat() if other.end_date else None,
            }
            if rules.requirements_overlap(other_values, clean):
                return [
                    ValidationError(
                        "requirement",
                        f"The client already has a {other.requirement.upper()} requirement from "
                        f"{other.start_date:%d/%m/%Y}"
                        + (f" to {other.end_date:%d/%m/%Y}" if other.end_date else " with no end date")
                        + ": two of one kind may not overlap; end the earlier one first.",
                    )
                ]
        return []

    def add(self, client_id: int, values: dict[str, Any]) -> Requirement:
        """Record a requirement the client is under."""
        self.caseload.get_client(client_id)
        clean, problems = rules.check_fields(rules.REQUIREMENT, values)
        problems = problems or self._problems(client_id, clean, None)
        if problems:
            raise problems[0]
        with self.db.atomic():
            try:
                new_id = self.db.table("requirements").insert({**clean, "client_id": client_id}).last_pk
            except INTEGRITY_ERRORS:
                raise ValidationError("start_date", "The client already has that requirement from that date.") from None
            assert new_id is not None
            write_audit(self.db, "create", "requirement", new_id, client_id)
        return self.get(new_id)

    def update(self, requirement_id: int, changes: dict[str, Any]) -> Requirement:
        """Change a requirement (end it, name the agency or contact, correct its dates)."""
        current = self.get(requirement_id)
        clean_changes, problems = rules.check_fields(rules.REQUIREMENT, changes, partial=True)
        if problems:
            raise problems[0]
        row = next(self.db.query("SELECT * FROM requirements WHERE id = ?", [requirement_id]))
        merged = {**{name: row[name] for name in rules.REQUIREMENT}, **clean_changes}
        problems = self._problems(current.client_id, merged, requirement_id)
        if problems:
            raise problems[0]
        changed = {name: value for name, value in clean_changes.items() if row[name] != value}
        if not changed:
            return current
        with self.db.atomic():
            try:
                self.db.table("requirements").update(
                    requirement_id, {**changed, "updated_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
                )
            except INTEGRITY_ERRORS:
                raise ValidationError("start_date", "The client already has that requirement from that date.") from None
            write_audit(
                self.db,
                "update",
                "requirement",
                requirement_id,
                current.client_id,
                "fields: " + ", ".join(sorted(changed)),
            )
        return self.get(requirement_id)

    def delete(self, requirement_id: int) -> None:
        """Delete a requirement recorded in error."""
        current = self.get(requirement_id)
        with self.db.atomic():
            self.db.execute("DELETE FROM requirements WHERE id = ?", [requirement_id])
            write_audit(self.db, "delete", "requirement", requirement_id, current.client_id)

    def record_from_episode(self, client_id: int, episode_values: dict[str, Any]) -> Requirement | None:
        """Create or update the requirement a referral's legal requirement stands for, under its
        key (client, code, start): what episodes.csv's v1 columns do on import."""
        values = values_from_episode(
            episode_values.get("legal_requirement"),
            episode_values.get("notify_agency"),
            episode_values.get("referral_date"),
            episode_values.get("discharge_date"),
        )
        if values is None:
            return None
        start = rules.clean_value("start_date", rules.REQUIREMENT["start_date"], values["start_date"])
        existing = self.db.execute(
            "SELECT id FROM requirements WHERE client_id = ? AND requirement = ? AND start_date = ?",
            [client_id, values["requirement"], start],
        ).fetchone()
        if existing:
            return self.update(existing[0], values)
        return self.add(client_id, values)

    def refer(self, client_id: int, values: dict[str, Any]) -> Episode:
        """Open a referral whose form also names the legal requirement (and who to tell): the
        episode and its requirement from the referral date, in one transaction."""
        values = dict(values)
        code = values.pop("legal_requirement", None)
        notify = values.pop("notify_agency", None)
        with self.db.atomic():
            episode = self.caseload.add_episode(client_id, values)
            self.record_from_episode(
                client_id,
                {"legal_requirement": code, "notify_agency": notify, "referral_date": episode.referral_date},
            )
        return episode
