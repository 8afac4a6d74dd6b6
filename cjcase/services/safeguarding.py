"""Safeguarding concerns (DOMAIN.md): dated concerns raised with another agency, open until
closed with an outcome. An open concern shows in the record header; one open more than 28 days
with no update is an agenda action (never in the read-only view). A concern neither sets nor
clears a risk flag. Every write is one transaction with its audit row."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlite_utils

from cjcase.domain import rules
from cjcase.domain.clinical import SAFEGUARDING, SAFEGUARDING_STALE_DAYS, SafeguardingConcern, check_safeguarding
from cjcase.domain.clock import Clock
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.services.audit import write_audit
from cjcase.store.database import INTEGRITY_ERRORS


class Safeguarding:
    """A client's safeguarding concerns: raised, updated, closed, listed."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None):
        self.db = db
        self.clock = clock or Clock()

    def add(self, client_id: int, values: dict[str, Any]) -> SafeguardingConcern:
        """Record a concern raised with another agency."""
        clean = self._clean(values)
        today = self.clock.today().isoformat()
        with self.db.atomic():
            try:
                new_id = (
                    self.db.table("safeguarding")
                    .insert({**clean, "client_id": client_id, "last_update": today})
                    .last_pk
                )
            except INTEGRITY_ERRORS as error:
                raise _constraint_error(error) from None
            write_audit(self.db, "create", "safeguarding", new_id, client_id)
        return self.get(int(new_id or 0))

    def update(self, concern_id: int, changes: dict[str, Any]) -> SafeguardingConcern:
        """Change a concern (an update: its notes, its outcome, its closing); the day of the change
        is its last update, which clears the agenda's "no update" action."""
        current = self._row(concern_id)
        merged = {name: current[name] for name in SAFEGUARDING}
        merged.update(changes)
        clean = self._clean(merged)
        changed = {k: v for k, v in clean.items() if current[k] != v}
        if not changed:
            return self.get(concern_id)
        with self.db.atomic():
            try:
                self.db.table("safeguarding").update(
                    concern_id,
                    {
                        **changed,
                        "last_update": self.clock.today().isoformat(),
                        "updated_at": self.clock.now().strftime("%Y-%m-%d %H:%M:%S"),
                    },
                )
            except INTEGRITY_ERRORS as error:
                raise _constraint_error(error) from None
            write_audit(
                self.db,
                "update",
                "safeguarding",
                concern_id,
                current["client_id"],
                "fields: " + ", ".join(sorted(changed)),
            )
        return self.get(concern_id)

    def close(self, concern_id: int, outcome: str, closed_date: date | None = None) -> SafeguardingConcern:
        """Close a concern with its outcome (on today unless given)."""
        return self.update(concern_id, {"outcome": outcome, "closed_date": closed_date or self.clock.today()})

    def delete(self, concern_id: int) -> None:
        """Delete a concern recorded in error."""
        current = self._row(concern_id)
        with self.db.atomic():
            self.db.execute("DELETE FROM safeguarding WHERE id = ?", [concern_id])
            write_audit(self.db, "delete", "safeguarding", concern_id, current["client_id"])

    def get(self, concern_id: int) -> SafeguardingConcern:
        """One concern by id."""
        return SafeguardingConcern.from_row(self._row(concern_id))

    def of_client(self, client_id: int) -> list[SafeguardingConcern]:
        """A client's concerns: open first, latest raised first."""
        return [
            SafeguardingConcern.from_row(row)
            for row in self.db.query(
                "SELECT * FROM safeguarding WHERE client_id = ? "
                "ORDER BY closed_date IS NOT NULL, raised_date DESC, id DESC",
                [client_id],
            )
        ]

    def open_concerns(self, client_id: int) -> list[SafeguardingConcern]:
        """A client's open concerns, latest raised first."""
        return [concern for concern in self.of_client(client_id) if concern.is_open]

    def _clean(self, values: dict[str, Any]) -> dict[str, Any]:
        clean, problems = rules.check_fields(SAFEGUARDING, values)
        problems = problems or check_safeguarding(clean, self.clock.today())
        if problems:
            raise problems[0]
        return {
            k: (v.strip() if isinstance(v, str) and k in ("raised_with", "outcome", "notes") else v)
            for k, v in clean.items()
        }

    def _row(self, concern_id: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM safeguarding WHERE id = ?", [concern_id]))
        if not rows:
            raise NotFoundError(f"That safeguarding concern (#{concern_id}) no longer exists.")
        return rows[0]


# Open concerns with no update for more than 28 days, for the agenda's action list: the day they
# were last changed in the program, or raised when imported (`:stale_before` is today - 28).
STALE_SQL = """SELECT g.client_id, g.id AS record_id, g.category, g.raised_with, g.raised_date,
        coalesce(g.last_update, g.raised_date) AS updated_on, {name}
    FROM safeguarding g JOIN clients c ON c.id = g.client_id
    WHERE g.closed_date IS NULL AND coalesce(g.last_update, g.raised_date) < ?
    ORDER BY updated_on"""


def stale_before(today: date) -> str:
    """The day before which an open concern's last update makes it an action."""
    return (today - timedelta(days=SAFEGUARDING_STALE_DAYS)).isoformat()


def _constraint_error(error: Exception) -> ValidationError:
    if "UNIQUE" in str(error):
        return ValidationError("category", "This client already has a concern of that category raised on that date.")
    return ValidationError("raised_date", f"The concern breaks a rule of the caseload ({error}).")
