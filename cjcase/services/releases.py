"""Releases from custody: recording them, the checklist, the handshake to a community provider,
exclusions, and the continuity-of-care status of each release's 21-day window.

Every write is one transaction with its audit row; the rules of DOMAIN.md "Releases from
custody" are checked here (record rules in cjcase.domain.releases; the one-due-release rule,
a rule of entry for the program, here and in the importer for releases.csv)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from cjcase.domain import rules
from cjcase.domain.clock import Clock
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.domain.releases import (
    DUE_DAYS,
    RELEASE,
    WINDOW_DAYS,
    Release,
    check_release,
    continuity_status,
)
from cjcase.services.audit import write_audit
from cjcase.store.database import INTEGRITY_ERRORS

STRUCTURED = "('assessment', 'keywork', 'group', 'review')"

# The episode a release belongs to (DOMAIN.md "The episode of a record"): the client's episode open
# on the link date L; if none, the one with the earliest referral from L + 1 to L + 28 days.
# Written over aliases `r` (releases) and `e` (episodes).
LINK_DATE = "coalesce(r.actual_date, r.expected_date)"
RELEASE_OF_EPISODE = f"""(r.client_id = e.client_id AND (
    (e.referral_date <= {LINK_DATE} AND (e.discharge_date IS NULL OR {LINK_DATE} <= e.discharge_date))
    OR (e.referral_date > {LINK_DATE} AND e.referral_date <= date({LINK_DATE}, '+28 days')
        AND NOT EXISTS (SELECT 1 FROM episodes o WHERE o.client_id = r.client_id
            AND o.referral_date <= {LINK_DATE} AND (o.discharge_date IS NULL OR {LINK_DATE} <= o.discharge_date))
        AND NOT EXISTS (SELECT 1 FROM episodes o WHERE o.client_id = r.client_id
            AND o.referral_date > {LINK_DATE} AND o.referral_date < e.referral_date))))"""

# The v1 numerator rule (an attended structured session at this service in the window), over `r`.
V1_ENGAGED = f"""EXISTS (
    SELECT 1 FROM sessions s WHERE s.client_id = r.client_id AND s.status = 'attended'
      AND s.kind IN {STRUCTURED}
      AND s.starts_at >= r.actual_date
      AND s.starts_at < date(r.actual_date, '+{WINDOW_DAYS + 1} days'))"""

CHECKLIST_FIELDS = (
    "first_appointment_provider",
    "first_appointment_at",
    "script_continuity",
    "naloxone_offered",
    "naloxone_issued",
    "gate_pickup_booked",
    "accommodation_on_release",
)

_CONSTRAINTS = {
    "releases.client_id, releases.expected_date": (
        "expected_date",
        "This client already has a release expected on that date.",
    ),
    "releases.client_id, releases.actual_date": (
        "actual_date",
        "This client already has a release on that date.",
    ),
}


@dataclass
class ReleaseView:
    """A release with what the screens show of it on a day: its status and the client's name."""

    release: Release
    status: str
    client_ref: str
    client_name: str
    first_name: str = ""
    last_name: str = ""
    met_at_gate: bool = False
    first_seen: date | None = None  # the first attended structured session here in the window

    @property
    def days_to_first_appointment(self) -> int | None:
        """Days from release to the first appointment booked (None when either is unknown)."""
        release = self.release
        if release.actual_date and release.first_appointment_at:
            return (release.first_appointment_at.date() - release.actual_date).days
        return None

    @property
    def days_to_start(self) -> int | None:
        """Days from release to engagement: the community start, or the first structured session here."""
        release = self.release
        if not release.actual_date:
            return None
        starts = [d for d in (release.community_start_date, self.first_seen) if d and release.in_window(d)]
        if not starts:
            return None
        return (min(starts) - release.actual_date).days


class Releases:
    """A caseload's releases, read and written with the rules enforced."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None):
        self.db = db
        self.clock = clock or Clock()

    # ------------------------------------------------------------ reads

    def get(self, release_id: int) -> Release:
        """One release by id."""
        return Release.from_row(self._row(release_id))

    def of_client(self, client_id: int) -> list[Release]:
        """A client's releases, latest expected first."""
        return [
            Release.from_row(row)
            for row in self.db.query(
                "SELECT * FROM releases WHERE client_id = ? ORDER BY expected_date DESC", [client_id]
            )
        ]

    def structured_days(self, client_id: int) -> list[date]:
        """Days of the client's attended structured sessions here."""
        return [
            date.fromisoformat(row[0][:10])
            for row in self.db.execute(
                f"SELECT starts_at FROM sessions WHERE client_id = ? AND status = 'attended' AND kind IN {STRUCTURED}",
                [client_id],
            ).fetchall()
        ]

    def status(self, release: Release, day: date | None = None) -> str:
        """The release's continuity status on `day` (today by default)."""
        return continuity_status(release, day or self.clock.today(), self.structured_days(release.client_id))

    def current(self, client_id: int, day: date | None = None) -> tuple[Release, str] | None:
        """The release the record shows first: the due one, else the latest released, with its status."""
        releases = self.of_client(client_id)
        if not releases:
            return None
        due = [r for r in releases if r.is_due]
        chosen = due[0] if due else max(releases, key=lambda r: r.link_date)
        return chosen, self.status(chosen, day)

    def markers(self, client_ids: list[int], day: date | None = None) -> dict[int, str]:
        """The continuity status to mark in the caseload list: `due` or `pending` (the two that ask
        for action), by client."""
        if not client_ids:
            return {}
        found: dict[int, str] = {}
        for view in self._views(
            f"r.client_id IN ({', '.join('?' * len(client_ids))})", list(client_ids), day or self.clock.today()
        ):
            if view.status in ("due", "pending") and found.get(view.release.client_id) != "pending":
                found[view.release.client_id] = view.status
        return found

    def due(self, start: date, end: date, keyworker: str | None = None) -> list[ReleaseView]:
        """Releases due (no actual date, not excluded) expected from `start` to `end`, by expected date."""
        where = "r.actual_date IS NULL AND r.coc_exclusion IS NULL AND r.expected_date BETWEEN ? AND ?"
        params: list[Any] = [start.isoformat(), end.isoformat()]
        if keyworker:
            where += " AND c.keyworker = ?"
            params.append(keyworker)
        return self._views(where, params, self.clock.today())

    def due_soon(self, keyworker: str | None = None) -> list[ReleaseView]:
        """Releases due up to 14 days ahead (overdue ones included: still not recorded)."""
        today = self.clock.today()
        return self.due(date.min, today + timedelta(days=DUE_DAYS), keyworker)

    def in_window(self, day: date | None = None) -> list[ReleaseView]:
        """Releases whose window is open on `day`: pending or engaged, by release date."""
        day = day or self.clock.today()
        where = "r.actual_date IS NOT NULL AND r.actual_date BETWEEN ? AND ? AND r.coc_exclusion IS NULL"
        return self._views(where, [(day - timedelta(days=WINDOW_DAYS)).isoformat(), day.isoformat()], day)

    def in_period(self, start: date, end: date, day: date | None = None) -> list[ReleaseView]:
        """Every release with its actual date in the period, or still due and expected in it."""
        where = "(r.actual_date BETWEEN :start AND :end) OR (r.actual_date IS NULL AND r.expected_date BETWEEN :start AND :end)"
        return self._views(where, {"start": start.isoformat(), "end": end.isoformat()}, day or self.clock.today())

    def weekly(self, weeks: int = 26, day: date | None = None) -> tuple[list[int], list[int]]:
        """Releases and engagements per week over the last `weeks` weeks, oldest first (a week
        ends on `day` and every 7 days before it); an engagement counts in its release's week."""
        day = day or self.clock.today()
        first = day - timedelta(days=7 * weeks - 1)
        released = [0] * weeks
        engaged = [0] * weeks
        for view in self._views("r.actual_date BETWEEN ? AND ?", [first.isoformat(), day.isoformat()], day):
            assert view.release.actual_date is not None
            week = (view.release.actual_date - first).days // 7
            released[week] += 1
            if view.status == "engaged":
                engaged[week] += 1
        return released, engaged

    def _views(self, where: str, params: Any, day: date) -> list[ReleaseView]:
        rows = list(
            self.db.query(
                f"""SELECT r.*, c.client_ref, c.first_name, c.last_name
                    FROM releases r JOIN clients c ON c.id = r.client_id
                    WHERE {where} ORDER BY coalesce(r.actual_date, r.expected_date), c.last_name, r.id""",
                params,
            )
        )
        client_ids = sorted({row["client_id"] for row in rows})
        structured: dict[int, list[date]] = defaultdict(list)
        gate: dict[int, list[date]] = defaultdict(list)
        for start in range(0, len(client_ids), 500):
            chunk = client_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for client_id, starts_at, kind in self.db.execute(
                f"SELECT client_id, starts_at, kind FROM sessions WHERE client_id IN ({marks}) "
                f"AND status = 'attended' AND (kind IN {STRUCTURED} OR kind = 'gate_pickup')",
                chunk,
            ).fetchall():
                target = gate if kind == "gate_pickup" else structured
                target[client_id].append(date.fromisoformat(starts_at[:10]))
        views = []
        for row in rows:
            release = Release.from_row(row)
            seen = sorted(d for d in structured[release.client_id] if release.in_window(d) and d <= day)
            views.append(
                ReleaseView(
                    release,
                    continuity_status(release, day, structured[release.client_id]),
                    row["client_ref"],
                    f"{row['first_name']} {row['last_name']}",
                    row["first_name"],
                    row["last_name"],
                    any(release.in_window(d) for d in gate[release.client_id]),
                    seen[0] if seen else None,
                )
            )
        return views

    def _row(self, release_id: int) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM releases WHERE id = ?", [release_id]))
        if not rows:
            raise NotFoundError(f"That release (#{release_id}) no longer exists.")
        return rows[0]

    # ------------------------------------------------------------ writes

    def add(self, client_id: int, values: dict[str, Any]) -> Release:
        """Record a release (planned, or already happened)."""
        if not self.db.execute("SELECT 1 FROM clients WHERE id = ?", [client_id]).fetchone():
            raise NotFoundError(f"That client (#{client_id}) no longer exists.")
        clean, problems = rules.check_fields(RELEASE, values)
        if problems:
            raise problems[0]
        self._check(client_id, clean, None, from_v1=False)
        with self.db.atomic():
            try:
                new_id = self.db.table("releases").insert({**clean, "client_id": client_id}).last_pk
            except INTEGRITY_ERRORS as error:
                raise _constraint_error(error) from None
            assert new_id is not None
            write_audit(self.db, "create", "release", new_id, client_id)
        return self.get(new_id)

    def update(self, release_id: int, changes: dict[str, Any]) -> Release:
        """Change a release's fields: the checklist, the handshake, the dates. A moved expected
        date keeps the release's identity, and the audit says from which date to which."""
        current = self._row(release_id)
        clean_changes, problems = rules.check_fields(RELEASE, changes, partial=True)
        if problems:
            raise problems[0]
        merged = {name: current.get(name) for name in RELEASE} | clean_changes
        self._check(current["client_id"], merged, release_id, from_v1=bool(current["from_v1"]))
        changed = {name: value for name, value in clean_changes.items() if current.get(name) != value}
        if not changed:
            return self.get(release_id)
        detail = "fields: " + ", ".join(sorted(changed))
        if "expected_date" in changed:
            detail += f"; expected date moved from {current['expected_date']} to {changed['expected_date']}"
        with self.db.atomic():
            try:
                self.db.table("releases").update(
                    release_id, {**changed, "updated_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
                )
            except INTEGRITY_ERRORS as error:
                raise _constraint_error(error) from None
            write_audit(self.db, "update", "release", release_id, current["client_id"], detail)
        return self.get(release_id)

    def move_expected_date(self, release_id: int, new_date: date) -> Release:
        """The prison's date moved: the same release, expected on another day."""
        release = self.get(release_id)
        if release.actual_date:
            raise ValidationError(
                "expected_date", "This release has happened: correct its actual date instead of moving it."
            )
        return self.update(release_id, {"expected_date": new_date})

    def record_release(self, release_id: int, actual_date: date | None = None) -> Release:
        """The person was released (today unless said): the 21-day window starts."""
        release = self.get(release_id)
        if release.actual_date:
            raise ValidationError(
                "actual_date", f"This release was recorded already, on {release.actual_date:%d/%m/%Y}."
            )
        return self.update(release_id, {"actual_date": actual_date or self.clock.today()})

    def set_checklist(self, release_id: int, values: dict[str, Any]) -> Release:
        """Tick the pre-release checklist: first appointment (with whom, when), script continuity,
        naloxone offered and issued, gate pick-up, accommodation."""
        unknown = set(values) - set(CHECKLIST_FIELDS)
        if unknown:
            raise ValidationError(sorted(unknown)[0], "That is not on the pre-release checklist.")
        return self.update(release_id, values)

    def handshake(self, release_id: int, values: dict[str, Any]) -> Release:
        """The onward referral, the first appointment offered and the community start confirmed."""
        allowed = {
            "onward_provider",
            "onward_referred_date",
            "first_appointment_provider",
            "first_appointment_at",
            "community_start_date",
            "confirmed_by",
        }
        unknown = set(values) - allowed
        if unknown:
            raise ValidationError(sorted(unknown)[0], "That is not part of the handshake.")
        return self.update(release_id, values)

    def exclude(self, release_id: int, exclusion: str | None) -> Release:
        """Exclude a release from continuity of care (None lifts the exclusion)."""
        return self.update(release_id, {"coc_exclusion": exclusion})

    def delete(self, release_id: int) -> None:
        """Delete a release recorded in error."""
        current = self._row(release_id)
        with self.db.atomic():
            self.db.execute("DELETE FROM releases WHERE id = ?", [release_id])
            write_audit(self.db, "delete", "release", release_id, current["client_id"])

    def _check(self, client_id: int, clean: dict[str, Any], release_id: int | None, from_v1: bool) -> None:
        problems = check_release(clean, self.clock.today(), from_v1=from_v1)
        if problems:
            raise problems[0]
        if clean.get("actual_date") is None and clean.get("coc_exclusion") is None:
            other = self.db.execute(
                "SELECT expected_date FROM releases WHERE client_id = ? AND actual_date IS NULL "
                "AND coc_exclusion IS NULL AND id IS NOT ?",
                [client_id, release_id],
            ).fetchone()
            if other:
                raise ValidationError(
                    "expected_date",
                    f"This client already has a release due (expected {date.fromisoformat(other[0]):%d/%m/%Y}): "
                    "move that one's expected date instead of adding another.",
                )


def _constraint_error(error: Exception) -> ValidationError:
    text = str(error)
    for columns, (field, message) in _CONSTRAINTS.items():
        if text.endswith(columns):
            return ValidationError(field, message)
    return ValidationError("release", f"The release breaks a rule of the caseload ({text}).")
