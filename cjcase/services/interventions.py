"""Interventions (DOMAIN.md): countable harm-reduction and health actions (naloxone kits and
training, blood-borne-virus tests, hepatitis B doses, overdose plans). Every write is one
transaction with its audit row."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from cjcase.domain import codes, rules
from cjcase.domain.clinical import INTERVENTION, Intervention, check_intervention
from cjcase.domain.clock import Clock
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.services.audit import write_audit
from cjcase.store.database import INTEGRITY_ERRORS


def _columns(clean: dict[str, Any]) -> dict[str, Any]:
    return {(INTERVENTION[name].column or name): value for name, value in clean.items()}


class Interventions:
    """A client's interventions: logged, corrected, deleted, listed and counted."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None):
        self.db = db
        self.clock = clock or Clock()

    def add(self, client_id: int, values: dict[str, Any]) -> Intervention:
        """Log an intervention (kind and date required; `other` needs notes; the date is past and
        not after a recorded death)."""
        clean = self._clean(values)
        self._not_after_death(client_id, clean["date"])
        with self.db.atomic():
            try:
                new_id = self.db.table("interventions").insert({**_columns(clean), "client_id": client_id}).last_pk
            except INTEGRITY_ERRORS as error:
                raise _constraint_error(error) from None
            write_audit(self.db, "create", "intervention", new_id, client_id)
        return self.get(int(new_id or 0))

    def update(self, intervention_id: int, changes: dict[str, Any]) -> Intervention:
        """Correct an intervention."""
        current = self._row(intervention_id)
        merged = {name: current[field.column or name] for name, field in INTERVENTION.items()}
        merged.update(changes)
        clean = self._clean(merged)
        self._not_after_death(current["client_id"], clean["date"])
        changed = {k: v for k, v in _columns(clean).items() if current[k] != v}
        if changed:
            with self.db.atomic():
                try:
                    self.db.table("interventions").update(
                        intervention_id, {**changed, "updated_at": self.clock.now().strftime("%Y-%m-%d %H:%M:%S")}
                    )
                except INTEGRITY_ERRORS as error:
                    raise _constraint_error(error) from None
                write_audit(
                    self.db,
                    "update",
                    "intervention",
                    intervention_id,
                    current["client_id"],
                    "fields: " + ", ".join(sorted(changed)),
                )
        return self.get(intervention_id)

    def delete(self, intervention_id: int) -> None:
        """Delete an intervention recorded in error."""
        current = self._row(intervention_id)
        with self.db.atomic():
            self.db.execute("DELETE FROM interventions WHERE id = ?", [intervention_id])
            write_audit(self.db, "delete", "intervention", intervention_id, current["client_id"])

    def get(self, intervention_id: int) -> Intervention:
        """One intervention by id."""
        return Intervention.from_row(self._row(intervention_id))

    def of_client(self, client_id: int) -> list[Intervention]:
        """A client's interventions, latest first."""
        return [
            Intervention.from_row(row)
            for row in self.db.query(
                "SELECT * FROM interventions WHERE client_id = ? ORDER BY intervention_date DESC, id DESC", [client_id]
            )
        ]

    def counts(self, client_id: int) -> dict[str, int]:
        """How many of each kind the client has had, in the list's order (kinds with none left out)."""
        found = dict(
            self.db.execute(
                "SELECT kind, count(*) FROM interventions WHERE client_id = ? GROUP BY kind", [client_id]
            ).fetchall()
        )
        return {kind: found[kind] for kind in codes.INTERVENTION_KIND if kind in found}

    def _clean(self, values: dict[str, Any]) -> dict[str, Any]:
        clean, problems = rules.check_fields(INTERVENTION, values)
        problems = problems or check_intervention(clean, self.clock.today())
        if problems:
            raise problems[0]
        if clean.get("notes"):
            clean["notes"] = clean["notes"].strip()
        return clean

    def _not_after_death(self, client_id: int, day: str) -> None:
        died = self.db.execute("SELECT date_of_death FROM deaths WHERE client_id = ?", [client_id]).fetchone()
        if died and day > died[0]:
            raise ValidationError(
                "date", f"The client died on {date.fromisoformat(died[0]):%d/%m/%Y}: an intervention cannot come after."
            )

    def _row(self, intervention_id: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM interventions WHERE id = ?", [intervention_id]))
        if not rows:
            raise NotFoundError(f"That intervention (#{intervention_id}) no longer exists.")
        return rows[0]


def _constraint_error(error: Exception) -> ValidationError:
    if "UNIQUE" in str(error):
        return ValidationError("kind", "This client already has an intervention of that kind on that date.")
    return ValidationError("kind", f"The intervention breaks a rule of the caseload ({error}).")
