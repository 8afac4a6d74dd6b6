"""Custody events: the arrest, the drug test on arrest and the Required Assessment that may
follow (DOMAIN.md, Custody events), with its stages as assessment sessions; and the arrest
referral that takes a custody worker from a positive test to a booked RA1 in one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cjcase.domain import codes, rules
from cjcase.domain.dates import age_on, format_datetime
from cjcase.domain.errors import ValidationError
from cjcase.domain.model import Client, CustodyEvent, Episode, Session
from cjcase.services import legal
from cjcase.services.caseload import Caseload

# What a positive arrest test suggests as the referral's primary substance (the worker may change it).
PRIMARY_OF_ARREST_TEST = {"opiates": "heroin", "cocaine": "crack"}


@dataclass
class ArrestReferral:
    """What "New arrest referral" wrote: the client (perhaps new), the event and the RA1 booking."""

    client: Client
    event: CustodyEvent
    ra1: Session


class Custody:
    """The custody events of a caseload, with their rules."""

    def __init__(self, caseload: Caseload):
        self.caseload = caseload
        self.db = caseload.db

    # ------------------------------------------------------------ events

    def _problems(self, client: Client, clean: dict[str, Any], event_id: int | None) -> list[ValidationError]:
        problems = rules.check_custody_event(clean, self.caseload.clock.today())
        if problems:
            return problems
        arrested = date.fromisoformat(clean["arrested_at"][:10])
        age = age_on(client.date_of_birth, arrested)
        if age < 18:
            return [
                ValidationError(
                    "arrested_at",
                    f"The client was {age} on the day of the arrest: testing on arrest and the Required "
                    "Assessment apply from 18.",
                )
            ]
        if event_id is not None:
            return self._stage_problems(client.id, event_id, clean)
        return []

    def _stage_problems(self, client_id: int, event_id: int, clean: dict[str, Any]) -> list[ValidationError]:
        """A change to an event must leave every RA stage it holds with an event to belong to."""
        current = self.get_event(event_id)
        stages = self.ra_stages(current)
        if not stages:
            return []
        if clean.get("ra_imposed") != "yes" or clean["arrested_at"] > stages[0].starts_at.strftime("%Y-%m-%d %H:%M"):
            return [
                ValidationError(
                    "ra_imposed",
                    f"This arrest has {len(stages)} RA appointment(s) booked on it: delete or move them first.",
                )
            ]
        if clean.get("ra_followup_required") != "yes" and any(s.requirement == "ra_followup" for s in stages):
            return [
                ValidationError("ra_followup_required", "This arrest has an RA follow-up appointment: delete it first.")
            ]
        return []

    def add_event(self, client_id: int, values: dict[str, Any]) -> CustodyEvent:
        """Record an arrest and its test."""
        client = self.caseload.get_client(client_id)
        event_id = self.caseload._insert(
            "custody_event", values, client_id, lambda clean: self._problems(client, clean, None)
        )
        return self.get_event(event_id)

    def update_event(self, event_id: int, changes: dict[str, Any]) -> CustodyEvent:
        """Change an event: the confirmatory result, the follow-up, the assessment outcome."""
        client = self.caseload.get_client(self.get_event(event_id).client_id)
        self.caseload._update(
            "custody_event", event_id, changes, lambda merged, row: self._problems(client, merged, event_id)
        )
        return self.get_event(event_id)

    def update_event_and_book_followup(
        self, event_id: int, changes: dict[str, Any], followup_at: datetime | None
    ) -> CustodyEvent:
        """Change an event and, when a follow-up time is given (RA4), book its `ra_followup`
        appointment, in one transaction: the follow-up never stands without its booking."""
        with self.db.atomic():
            event = self.update_event(event_id, changes)
            if followup_at is not None:
                self.book_stage(event.client_id, followup_at, "ra_followup")
        return event

    def delete_event(self, event_id: int) -> None:
        """Delete an event recorded in error (not one with RA appointments on it)."""
        event = self.get_event(event_id)
        if self.ra_stages(event):
            raise ValidationError("arrested_at", "This arrest has RA appointments on it: delete those first.")
        self.caseload._delete("custody_event", event_id)

    def get_event(self, event_id: int) -> CustodyEvent:
        """One custody event by id."""
        return CustodyEvent.from_row(self.caseload._row("custody_events", event_id))

    def events(self, client_id: int) -> list[CustodyEvent]:
        """A client's custody events, latest arrest first."""
        return [
            CustodyEvent.from_row(row)
            for row in self.db.query(
                "SELECT * FROM custody_events WHERE client_id = ? ORDER BY arrested_at DESC", [client_id]
            )
        ]

    def episode_of(self, event: CustodyEvent) -> Episode | None:
        """The episode an event belongs to, found from its link date D (never stored, so corrected
        episode dates move it): the client's episode open on D; else the one referred earliest from
        D + 1 to D + 28 days (a referral opened just after the arrest); else none, the event
        belonging to the client alone."""
        day = event.link_date
        episodes = sorted(self.caseload.episodes(event.client_id), key=lambda e: e.referral_date)
        for episode in episodes:
            if episode.referral_date <= day and (episode.discharge_date is None or day <= episode.discharge_date):
                return episode
        return next((e for e in episodes if day < e.referral_date <= day + timedelta(days=28)), None)

    # ------------------------------------------------------------ RA stages

    def ra_stages(self, event: CustodyEvent) -> list[Session]:
        """The RA appointments that belong to an event, in time order: each `ra_initial` or
        `ra_followup` session belongs to the client's latest RA event arrested at or before it."""
        if event.ra_imposed != "yes":
            return []
        later = self.db.execute(
            "SELECT min(arrested_at) FROM custody_events WHERE client_id = ? AND ra_imposed = 'yes' "
            "AND arrested_at > ?",
            [event.client_id, event.arrested_at.strftime("%Y-%m-%d %H:%M")],
        ).fetchone()[0]
        sql = (
            "SELECT * FROM sessions WHERE client_id = ? AND requirement IN ('ra_initial', 'ra_followup') "
            "AND starts_at >= ?" + (" AND starts_at < ?" if later else "") + " ORDER BY starts_at, id"
        )
        params = [event.client_id, event.arrested_at.strftime("%Y-%m-%d %H:%M"), *([later] if later else [])]
        return [Session.from_row(row) for row in self.db.query(sql, params)]

    def stage_lines(self, event: CustodyEvent) -> list[str]:
        """The event and its RA stages in order, as the record shows them."""
        test = codes.label(event.test_result)
        if event.substances:
            test += f" ({', '.join(event.substances)})"
        if event.disputed == "yes":
            test += ", disputed" + (f": {codes.label(event.confirmatory_result)}" if event.confirmatory_result else "")
        lines = [f"Arrested {format_datetime(event.arrested_at)} at {event.custody_suite} · test {test}"]
        if event.ra_imposed == "yes":
            lines.append("  RA1 Required Assessment imposed")
        for session in self.ra_stages(event):
            stage = "RA initial" if session.requirement == "ra_initial" else "RA follow-up"
            lines.append(f"  {stage} {format_datetime(session.starts_at)}: {codes.label(session.status)}")
        if event.ra_followup_required == "yes":
            lines.append("  RA4 follow-up required")
        if event.ra_ceased_date:
            lines.append(f"  RA5 follow-up ceased {event.ra_ceased_date:%d/%m/%Y}")
        if event.assessment_outcome:
            lines.append(
                f"  Outcome: {codes.label(event.assessment_outcome)}"
                + (f" to {event.referred_to}" if event.referred_to else "")
            )
        return lines

    def book_stage(self, client_id: int, when: datetime, stage: str = "ra_initial", **extra: Any) -> Session:
        """Book an RA appointment (an assessment carrying its stage)."""
        if stage not in codes.SESSION_REQUIREMENT:
            raise ValidationError("requirement", f"'{stage}' is not a legal stage.")
        values = {"when": when, "kind": "assessment", "status": "scheduled", "requirement": stage, **extra}
        return self.caseload.add_session(client_id, values)

    # ------------------------------------------------------------ the arrest referral

    def new_arrest_referral(
        self,
        client: dict[str, Any] | int,
        event: dict[str, Any],
        ra1_at: datetime,
        primary_substance: str | None = None,
        with_requirement: bool = True,
    ) -> ArrestReferral:
        """From a positive test to a booked RA1, in one transaction: the client (an existing one
        by id, or a new quick referral from its details), the custody event with the RA imposed,
        a `required_assessment` requirement from the day of the test (the program offers it; the
        import never adds one), an arrest-referral episode when none is open, and the RA1
        appointment at the time on the notice."""
        values = {**event, "test_result": "positive", "ra_imposed": "yes"}
        died = self.caseload.died_on(client) if isinstance(client, int) else None
        if died is not None:
            # A rule of entry: an arrest referral books an RA1 and opens a requirement, for the living.
            raise ValidationError(
                "arrested_at",
                f"This client died on {died:%d/%m/%Y}: no new arrest referral can be made for them. "
                "Check the client, or the death record.",
            )
        with self.db.atomic():
            person = (
                self.caseload.get_client(client)
                if isinstance(client, int)
                else self.caseload.add_quick_referral(client)
            )
            created = self.add_event(person.id, values)
            test_day = (created.test_at or created.arrested_at).date()
            if with_requirement:
                substance = primary_substance or PRIMARY_OF_ARREST_TEST.get(
                    created.substances[0] if created.substances else "", "other"
                )
                add_requirement(self.caseload, person.id, "required_assessment", test_day, substance)
            if ra1_at < (created.test_at or created.arrested_at):
                raise ValidationError("ra1_at", "The RA1 appointment comes after the test: check its date and time.")
            ra1 = self.book_stage(person.id, ra1_at, "ra_initial")
        return ArrestReferral(self.caseload.get_client(person.id), created, ra1)


def add_requirement(caseload: Caseload, client_id: int, code: str, start: date, primary_substance: str) -> None:
    """Put a requirement in force from a day, as the program offers after a Required Assessment
    is imposed (DOMAIN.md: from the date of the test), unless one of that code already is; with no
    episode open that day, an arrest-referral episode is opened then too (a referral made in
    custody)."""
    from cjcase.services.requirements import Requirements

    if any(found == code for found, _ in legal.in_force(caseload.db, client_id, start)):
        return
    row = caseload.db.execute(
        "SELECT id FROM episodes WHERE client_id = ? AND referral_date <= ? "
        "AND (discharge_date IS NULL OR discharge_date >= ?) LIMIT 1",
        [client_id, start.isoformat(), start.isoformat()],
    ).fetchone()
    if row is None:
        caseload.add_episode(
            client_id,
            {
                "referral_date": start,
                "referral_source": "arrest_referral",
                "pathway": "arrest_referral",
                "primary_substance": primary_substance,
            },
        )
    Requirements(caseload).add(client_id, {"requirement": code, "start_date": start})
