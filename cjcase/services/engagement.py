"""Keeping people engaged: the compliance checklist, reportable absences, information sharing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cjcase.domain import codes, rules
from cjcase.domain.dates import format_date, format_datetime
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Barrier, Consent, Disclosure, Session
from cjcase.domain.timeslots import parse_slots
from cjcase.services import legal
from cjcase.services.audit import write_audit
from cjcase.services.caseload import Caseload, raise_first
from cjcase.store.database import INTEGRITY_ERRORS

# What a booking may become before its time: still booked, or cancelled.
BOOKING_STATUS = ("scheduled", "cancelled_client", "cancelled_service")


class Engagement:
    """The engagement records of a caseload, with their rules."""

    def __init__(self, caseload: Caseload):
        self.caseload = caseload
        self.db = caseload.db

    # ------------------------------------------------------------ compliance checklist

    def set_barrier(
        self,
        client_id: int,
        barrier: str,
        note: str | None = None,
        plan: str | None = None,
        unavailable: str | None = None,
    ) -> Barrier:
        """Record (or change) a barrier to attending and the plan agreed for it."""
        self.caseload.get_client(client_id)
        rules.clean_value("barrier", rules.Field("code", True, codes.BARRIER), barrier)
        slots = parse_slots(unavailable)
        if slots and barrier != "appointment_timing":
            raise ValidationError("unavailable", "Times that do not work belong to the appointment timing barrier.")
        row = {
            "client_id": client_id,
            "barrier": barrier,
            "note": (note or "").strip() or None,
            "plan": (plan or "").strip() or None,
            "unavailable": "; ".join(str(s) for s in slots) or None,
        }
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO barriers (client_id, barrier, note, plan, unavailable) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (client_id, barrier) DO UPDATE SET note = excluded.note, plan = excluded.plan, "
                "unavailable = excluded.unavailable, updated_at = datetime('now')",
                [row["client_id"], row["barrier"], row["note"], row["plan"], row["unavailable"]],
            )
            barrier_id = self.db.execute(
                "SELECT id FROM barriers WHERE client_id = ? AND barrier = ?", [client_id, barrier]
            ).fetchone()[0]
            write_audit(self.db, "update", "barrier", barrier_id, client_id, f"fields: {barrier}")
        return next(b for b in self.barriers(client_id) if b.id == barrier_id)

    def barriers(self, client_id: int) -> list[Barrier]:
        """A client's compliance checklist, in the list's order."""
        rows = {r["barrier"]: r for r in self.db.query("SELECT * FROM barriers WHERE client_id = ?", [client_id])}
        return [Barrier.from_row(rows[code]) for code in codes.BARRIER if code in rows]

    def checklist_text(self, client_id: int) -> str:
        """The compliance checklist as lines, for the record and the DNA follow-up."""
        lines = []
        for barrier in self.barriers(client_id):
            line = f"{codes.label(barrier.barrier).capitalize()}: {barrier.note or '—'}"
            if barrier.unavailable:
                line += f" [not {barrier.unavailable}]"
            if barrier.plan:
                line += f" → plan: {barrier.plan}"
            lines.append(line)
        return "\n".join(lines)

    def clashes(self, client_id: int, moment: datetime) -> list[str]:
        """The checklist's reasons why a time does not work for the client (empty: it is fine)."""
        found = []
        for barrier in self.barriers(client_id):
            for slot in parse_slots(barrier.unavailable):
                if slot.covers(moment):
                    reason = f" ({barrier.note})" if barrier.note else ""
                    found.append(f"{slot} does not work{reason}")
        return found

    # ------------------------------------------------------------ reportable absences

    def requirement_on(self, client_id: int, day: date) -> tuple[str, str] | None:
        """The legal requirement and who must be told of an absence, on a day, if any."""
        return self.caseload.requirement_on(client_id, day)

    def reportable(self, client_id: int, day: date, stage: str | None = None) -> list[tuple[str, str]]:
        """Who must be told of an absence on a day: (requirement, agency) for each requirement in
        force, and the police for an RA stage."""
        return legal.reportable(self.db, client_id, day, stage)

    def stages_offered(self, client_id: int, day: date) -> tuple[str, ...]:
        """The legal stages an assessment of a client may be on a day: RA stages once an RA has been
        imposed on an arrest, RoB stages while a RoB requirement is in force."""
        return legal.stages_offered(self.db, client_id, day)

    def order_running(self, client_id: int, day: date) -> bool:
        """Whether an order is running on a day: an absence then asks for the officer's decision."""
        return legal.order_running(self.db, client_id, day)

    def is_legal_assessment(self, session: Session) -> bool:
        """Whether an appointment is a Required Assessment or Restriction on Bail assessment: an
        assessment on a day the client is under one of those requirements."""
        if session.requirement:  # an RA or RoB stage, so recorded (DOMAIN.md, Sessions v2)
            return True
        required = self.caseload.requirements_on(session.client_id, session.starts_at.date())
        return session.kind == "assessment" and any(r.requirement in ("required_assessment", "rob") for r in required)

    def change_booking(self, session_id: int, changes: dict[str, Any]) -> Session:
        """Change a booking: move it, change its details or cancel it. Moving is not recording:
        it stays scheduled; a Required Assessment or RoB assessment moved is kept as
        `rearranged` and the new time booked as a new session (DOMAIN.md). Returns the booking."""
        session = self.caseload.get_session(session_id)
        if session.status != "scheduled":
            raise ValidationError("status", "This appointment is no longer a booking: edit the session instead.")
        status = changes.get("status") or "scheduled"
        if status not in BOOKING_STATUS:
            raise ValidationError(
                "status", "A booking stays scheduled or is cancelled: record what happened once its time has come."
            )
        when = changes.get("when")
        moved = when is not None and rules.clean_value("when", rules.SESSION["when"], when) != (
            session.starts_at.strftime("%Y-%m-%d %H:%M")
        )
        if moved and status == "scheduled" and self.is_legal_assessment(session):
            return self.caseload.rearrange_session(session_id, changes)
        return self.caseload.update_session(session_id, {**changes, "status": status})

    def date_warnings(self, client_id: int, when: datetime, status: str) -> list[str]:
        """What to ask about a session's date before saving it: a booking in the past, or a
        session before the referral of the episode it belongs to (the client's first episode
        referred after it, when none is open on its day)."""
        found = []
        if status == "scheduled" and when < self.caseload.clock.now():
            found.append(f"This booking is in the past ({format_datetime(when)}): a booking is for a time to come.")
        day = when.date().isoformat()
        row = self.db.execute(
            "SELECT min(referral_date) FROM episodes WHERE client_id = ? AND referral_date > ? "
            "AND NOT EXISTS (SELECT 1 FROM episodes o WHERE o.client_id = ? AND o.referral_date <= ? "
            "AND (o.discharge_date IS NULL OR o.discharge_date >= ?))",
            [client_id, day, client_id, day, day],
        ).fetchone()
        if row and row[0]:
            referred = date.fromisoformat(row[0])
            found.append(f"This is before the client's referral on {format_date(referred)}.")
        return found

    def record_dna(
        self,
        session_id: int,
        reason: str | None,
        notified_at: datetime | None = None,
        status: str = "dna",
        absence: str | None = None,
    ) -> Session:
        """Record a missed appointment (or one left early: `status` attended_left_early); where the
        absence must be reported, its reason is required (the caseload refuses it without one) and,
        once done, when the agency was told; on a running order, the officer's `absence` decision."""
        if status not in codes.ABSENCE_STATUS:
            raise ValidationError("status", "An absence is a DNA or an appointment left early.")
        changes: dict[str, Any] = {"status": status, "dna_reason": reason}
        if notified_at is not None:
            changes["notified_at"] = notified_at
        if absence is not None:
            changes["absence"] = absence or None
        return self.caseload.update_session(session_id, changes)

    # ------------------------------------------------------------ information sharing

    def add_consent(self, client_id: int, values: dict[str, Any]) -> Consent:
        """Add a line to the client's information-sharing ledger."""
        self.caseload.get_client(client_id)
        clean, problems = rules.check_fields(rules.CONSENT, values)
        raise_first(problems)
        raise_first(rules.check_consent(clean))
        with self.db.atomic():
            try:
                consent_id = self.db.table("consents").insert({**clean, "client_id": client_id}).last_pk
            except INTEGRITY_ERRORS:
                raise ValidationError("agency", "This agreement is already in the ledger.") from None
            write_audit(self.db, "create", "consent", consent_id, client_id)
        return next(c for c in self.consents(client_id) if c.id == consent_id)

    def withdraw_consent(self, consent_id: int, on: date) -> None:
        """Record that consent was withdrawn."""
        row = self.db.execute("SELECT client_id, given_date FROM consents WHERE id = ?", [consent_id]).fetchone()
        if row is None or on.isoformat() < row[1]:
            raise ValidationError("withdrawn_date", "Withdrawal comes after the consent was given.")
        with self.db.atomic():
            self.db.execute(
                "UPDATE consents SET withdrawn_date = ?, updated_at = datetime('now') WHERE id = ?",
                [on.isoformat(), consent_id],
            )
            write_audit(self.db, "update", "consent", consent_id, row[0], "fields: withdrawn_date")

    def consents(self, client_id: int) -> list[Consent]:
        """The client's information-sharing ledger, newest first."""
        return [
            Consent.from_row(r)
            for r in self.db.query(
                "SELECT * FROM consents WHERE client_id = ? ORDER BY given_date DESC, id DESC", [client_id]
            )
        ]

    def consent_summary(self, client_id: int, today: date) -> str:
        """Consent at a glance for the client header."""
        current = [
            c
            for c in self.consents(client_id)
            if not c.withdrawn_date and not (c.expires_date and c.expires_date < today)
        ]
        ended = [c for c in self.consents(client_id) if c not in current and c.lawful_basis == "consent"]
        parts = [f"{c.agency} ({codes.label(c.lawful_basis)})" for c in current]
        if ended:
            parts.append(f"{len(ended)} ended")
        return "; ".join(parts)

    def record_disclosure(
        self, client_id: int, disclosed_on: date, to_whom: str, what: str, basis: str, by_whom: str
    ) -> Disclosure:
        """Log information shared about the client: when, with whom, what, on what basis, by whom."""
        self.caseload.get_client(client_id)
        for name, value in (("to_whom", to_whom), ("what", what), ("by_whom", by_whom)):
            if not (value or "").strip():
                raise ValidationError(name, f"Say {rules.label(name)}.")
        rules.clean_value("basis", rules.Field("code", True, codes.LAWFUL_BASIS), basis)
        day = rules.clean_value("disclosed_on", rules.Field("date", True), disclosed_on)
        with self.db.atomic():
            disclosure_id = (
                self.db.table("disclosures")
                .insert(
                    {
                        "client_id": client_id,
                        "disclosed_on": day,
                        "to_whom": to_whom.strip(),
                        "what": what.strip(),
                        "basis": basis,
                        "by_whom": by_whom.strip(),
                    }
                )
                .last_pk
            )
            write_audit(self.db, "create", "disclosure", disclosure_id, client_id)
        return Disclosure.from_row(next(self.db.query("SELECT * FROM disclosures WHERE id = ?", [disclosure_id])))

    def disclosures(self, client_id: int) -> list[Disclosure]:
        """The disclosure log of a client, newest first."""
        return [
            Disclosure.from_row(r)
            for r in self.db.query(
                "SELECT * FROM disclosures WHERE client_id = ? ORDER BY disclosed_on DESC, id DESC", [client_id]
            )
        ]
