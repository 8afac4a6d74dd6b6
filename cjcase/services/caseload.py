"""Every write to the caseload: clients, episodes, sessions, goals, court dates and TOPs.

Each public write is one transaction that leaves a row in the audit log, and every rule of
DOMAIN.md is checked here, so the TUI, the CLI and the importer share them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from cjcase.domain import codes, rules
from cjcase.domain.clock import Clock
from cjcase.domain.codes import GOAL_STATUS, NEEDS_TIME_TO_HAVE_COME
from cjcase.domain.dates import format_datetime
from cjcase.domain.errors import NotFoundError, ValidationError
from cjcase.domain.model import (
    ActionItem,
    AgendaItem,
    AuditEntry,
    CaseloadRow,
    CaseNote,
    Client,
    CourtDate,
    CustodyEvent,
    DischargeOutcome,
    Episode,
    Goal,
    GoalReview,
    KeyworkerChange,
    Requirement,
    Session,
    TimelineItem,
    Top,
)
from cjcase.services import agenda, demo, erasure, legal, names, requirements, search, settings
from cjcase.services import tops as top_rules
from cjcase.services.audit import write_audit
from cjcase.services.deaths import Deaths, dated_as_alive
from cjcase.services.interventions import Interventions
from cjcase.services.releases import Releases
from cjcase.services.safeguarding import Safeguarding
from cjcase.store.database import INTEGRITY_ERRORS

# Entering or changing any of these asks the occasional-user rule (DOMAIN.md, Episodes v2).
OCCASIONAL_USER_FIELDS = frozenset({"discharge_reason", "primary_substance", "drug_2", "drug_3"})

if TYPE_CHECKING:
    from cjcase.services.my_clients import MyClients
    from cjcase.services.record_overview import ReleaseShown

# The columns the search index holds: a change to one leaves the old value in its segments.
NAME_FIELDS = ("client_ref", "first_name", "last_name", "preferred_name", "aliases")

# What the program enters for a living client only: entity -> (its date field, a phrase).
AFTER_DEATH = {
    "session": ("when", "a session"),
    "court_date": ("when", "a hearing"),
    "custody_event": ("arrested_at", "a custody event"),
}

# entity name -> (table, field rules, record class, check across fields)
ENTITIES = {
    "client": ("clients", rules.CLIENT, Client),
    "episode": ("episodes", rules.EPISODE, Episode),
    "session": ("sessions", rules.SESSION, Session),
    "goal": ("goals", rules.GOAL, Goal),
    "court_date": ("court_dates", rules.COURT_DATE, CourtDate),
    "top": ("tops", rules.TOP, Top),
    "custody_event": ("custody_events", rules.CUSTODY_EVENT, CustodyEvent),
}


def columns_of(spec: dict[str, rules.Field], clean: dict[str, Any]) -> dict[str, Any]:
    """Rename cleaned fields to their table columns (`when` is `starts_at`, and so on)."""
    return {(spec[name].column or name): value for name, value in clean.items()}


def raise_first(problems: list[ValidationError]) -> None:
    """Raise the first problem found, if any."""
    if problems:
        raise problems[0]


_CONSTRAINT_FIELDS = {
    "clients.client_ref": ("client_ref", "That client reference is already in use: choose another."),
    "episodes.client_id, episodes.referral_date": (
        "referral_date",
        "This client already has an episode referred on that date.",
    ),
    "episodes.client_id": ("discharge_date", "This client already has an open episode."),
    "sessions.client_id, sessions.starts_at, sessions.kind": (
        "when",
        "This client already has a session of that kind at that time.",
    ),
    "goals.client_id, goals.domain, goals.set_date, goals.description": (
        "description",
        "This goal is already in the care plan.",
    ),
    "court_dates.client_id, court_dates.hearing_at": ("when", "This client already has a hearing at that time."),
    "tops.client_id, tops.top_date, tops.stage": ("date", "This client already has a TOP of that stage on that date."),
    "custody_events.client_id, custody_events.arrested_at": (
        "arrested_at",
        "This client already has an arrest recorded at that time.",
    ),
}


# What a cancelled appointment was, in words, for refusing to mark it attended or DNA.
CANCELLED_WORDS = {
    "cancelled_client": "cancelled by the client",
    "cancelled_service": "cancelled by the service",
    "prison_regime_cancelled": "cancelled by the prison regime",
}


class Caseload:
    """The keyworker's records, read and written with the domain rules enforced."""

    def __init__(self, db: sqlite_utils.Database, clock: Clock | None = None):
        self.db = db
        self.clock = clock or Clock()

    # ------------------------------------------------------------ reads for the screens
    # The screens ask these (never the database handle), so a screen holds no query.

    @property
    def releases(self) -> Releases:
        """Releases from custody: the checklist, the handshake and continuity of care."""
        return Releases(self.db, self.clock)

    @property
    def interventions(self) -> Interventions:
        """Harm-reduction and health interventions: naloxone, tests, vaccine doses, overdose plans."""
        return Interventions(self.db, self.clock)

    @property
    def deaths(self) -> Deaths:
        """Recording a death (discharges the open episode, cancels later sessions)."""
        return Deaths(self.db, self.clock)

    @property
    def safeguarding(self) -> Safeguarding:
        """Safeguarding concerns raised with other agencies."""
        return Safeguarding(self.db, self.clock)

    def reader(self) -> Caseload:
        """The caseload over the calling thread's own read-only connection, for a load off the
        event loop (the caseload itself on the main thread)."""
        db = self.db.reader() if hasattr(self.db, "reader") else self.db
        return self if db is self.db else Caseload(db, self.clock)

    @property
    def passphrase(self) -> str | None:
        """The passphrase an encrypted caseload was opened with (None: not encrypted)."""
        return getattr(self.db, "passphrase", None)

    @property
    def opening_warnings(self) -> list[str]:
        """What opening the file found worth saying that did not stop it (a day's backup the full
        disk had no room for)."""
        return list(getattr(self.db, "warnings", []))

    def setting(self, key: str) -> str:
        """One of the organisation's settings."""
        return settings.get(self.db, key)

    def is_demo(self) -> bool:
        """Whether this is a demo caseload (made up by `cjcase demo`), not a real one."""
        return demo.is_demo(self.db)

    def peer_mentors(self) -> list[str]:
        """The organisation's peer mentors."""
        return settings.peer_mentors(self.db)

    def keyworkers(self) -> list[str]:
        """The keyworkers named on the caseload."""
        return search.keyworkers(self.db)

    def known_names(self, kind: str) -> list[str]:
        """The organisation's list of keyworkers, courts or peer mentors."""
        return names.known(self.db, kind)

    def resolve_name(self, kind: str, text: str | None) -> str | None:
        """The listed name that typed letters stand for, if exactly one."""
        return names.resolve(self.db, kind, text)

    def add_name(self, kind: str, name: str) -> str:
        """Put a new name on one of the organisation's lists, deliberately."""
        return names.add_name(self.db, kind, name)

    def find(self, now: datetime, **filters: Any) -> list[CaseloadRow]:
        """A page of the caseload list (see search.caseload for the filters)."""
        return search.caseload(self.db, now, **filters)

    def count(self, **filters: Any) -> int:
        """How many clients the filters match."""
        return search.count(self.db, **filters)

    def agenda(self, start: date, end: date, **filters: Any) -> list[AgendaItem]:
        """What is due on these days."""
        return agenda.agenda(self.db, start, end, **filters)

    def agenda_count(self, start: date, end: date, **filters: Any) -> int:
        """How many things are due on these days."""
        return agenda.agenda_count(self.db, start, end, **filters)

    def actions(self, now: datetime, keyworker: str | None = None) -> list[ActionItem]:
        """What needs action now, most urgent first (for one keyworker's clients, if named)."""
        return agenda.actions(self.db, now, keyworker)

    def release_shown(self, client_id: int) -> ReleaseShown | None:
        """The release from custody a client's record shows (the due one, else the latest)."""
        from cjcase.services.record_overview import release_shown

        return release_shown(self.db, self.clock, client_id)

    def next_reference(self) -> str | None:
        """The next free client reference in the organisation's pattern, if its references have one."""
        from cjcase.services.references import next_reference

        return next_reference(self.db)

    def my_clients(self) -> MyClients:
        """Whose clients are "mine" on this laptop, and whether the agenda shows only theirs."""
        from cjcase.services import my_clients

        return my_clients.remembered(self.db)

    def remember_my_clients(self, keyworker: str | None, on: bool) -> str | None:
        """Keep on this laptop whose clients are "mine" and whether the agenda shows only theirs;
        a sentence when the laptop could not keep it."""
        from cjcase.services import my_clients

        return my_clients.remember(my_clients.MyClients(keyworker, on))

    def reminders(self, now: datetime) -> list[str]:
        """The reminders shown as the caseload opens."""
        return agenda.reminders(self.db, now)

    def timeline(self, client_id: int) -> list[TimelineItem]:
        """A client's history and plans in one list, latest first (contacts included)."""
        return agenda.timeline(self.db, client_id)

    def audit_trail(self, client_id: int) -> list[AuditEntry]:
        """A client's audit trail."""
        return agenda.audit_trail(self.db, client_id)

    # ------------------------------------------------------------ generic writes

    def _insert_row(self, table: str, values: dict[str, Any]) -> int:
        """The new row's id (sqlite-utils types it as optional; an INSERT always sets it)."""
        new_id = self.db.table(table).insert(values).last_pk
        assert new_id is not None
        return new_id

    def _insert(self, entity: str, values: dict[str, Any], client_id: int | None, extra_checks=None) -> int:
        table, spec, _ = ENTITIES[entity]
        clean, problems = rules.check_fields(spec, values)
        raise_first(problems)
        if extra_checks:
            raise_first(extra_checks(clean))
        raise_first(self._after_death(entity, clean, client_id))
        raise_first(self.entry_after_death(entity, clean, client_id))
        row = columns_of(spec, clean)
        if client_id is not None:
            row["client_id"] = client_id
        with self.db.atomic():
            try:
                record_id = self._insert_row(table, row)
            except INTEGRITY_ERRORS as error:
                raise self._constraint_error(error) from None
            write_audit(self.db, "create", entity, record_id, client_id if entity != "client" else record_id)
        return record_id

    def _update(self, entity: str, record_id: int, changes: dict[str, Any], check_all) -> None:
        table, spec, record_class = ENTITIES[entity]
        current = self._row(table, record_id)
        clean_changes, problems = rules.check_fields(spec, changes, partial=True)
        raise_first(problems)
        merged = {**self._fields_of(spec, current), **clean_changes}
        raise_first(check_all(merged, current))
        raise_first(self._after_death(entity, merged, current.get("client_id")))
        changed = {name: value for name, value in clean_changes.items() if current[spec[name].column or name] != value}
        if not changed:
            return
        row = columns_of(spec, changed)
        row["updated_at"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        client_id = current["id"] if entity == "client" else current["client_id"]
        with self.db.atomic():
            try:
                self.db.table(table).update(record_id, row)
            except INTEGRITY_ERRORS as error:
                raise self._constraint_error(error) from None
            write_audit(self.db, "update", entity, record_id, client_id, "fields: " + ", ".join(sorted(changed)))

    def _delete(self, entity: str, record_id: int) -> None:
        table, _, _ = ENTITIES[entity]
        current = self._row(table, record_id)
        client_id = current["id"] if entity == "client" else current["client_id"]
        with self.db.atomic():
            self.db.execute(f"DELETE FROM {table} WHERE id = ?", [record_id])
            write_audit(self.db, "delete", entity, record_id, client_id)

    def _after_death(self, entity: str, clean: dict[str, Any], client_id: int | None) -> list[ValidationError]:
        """A rule of record (DOMAIN.md, deaths): nothing that shows the client alive (a referral,
        an attended appointment, a TOP) is dated after a recorded death."""
        field, day = dated_as_alive(entity, clean)
        if client_id is None or day is None:
            return []
        died = self.db.execute("SELECT date_of_death FROM deaths WHERE client_id = ?", [client_id]).fetchone()
        if not died or day <= died[0]:
            return []
        return [
            ValidationError(
                field,
                f"The client died on {date.fromisoformat(died[0]):%d/%m/%Y}: nothing showing them alive can be "
                "dated after that. Check the date, or the death record.",
            )
        ]

    def died_on(self, client_id: int) -> date | None:
        """The client's date of death, if one is recorded."""
        row = self.db.execute("SELECT date_of_death FROM deaths WHERE client_id = ?", [client_id]).fetchone()
        return date.fromisoformat(row[0]) if row else None

    def entry_after_death(self, entity: str, clean: dict[str, Any], client_id: int | None) -> list[ValidationError]:
        """A rule of entry (the importer keeps its own rules of record): after a recorded death the
        program books or logs no session, hearing or custody event dated after the date of death."""
        if entity not in AFTER_DEATH or client_id is None:
            return []
        field, what = AFTER_DEATH[entity]
        died = self.died_on(client_id)
        day = str(clean.get(field) or "")[:10]
        if died is None or not day or day <= died.isoformat():
            return []
        return [
            ValidationError(
                field,
                f"The client died on {died:%d/%m/%Y}: {what} cannot be dated after that. "
                "Check the date, or the death record.",
            )
        ]

    def _row(self, table: str, record_id: int) -> dict[str, Any]:
        rows = list(self.db.query(f"SELECT * FROM {table} WHERE id = ?", [record_id]))
        if not rows:
            raise NotFoundError(f"That record ({table} #{record_id}) no longer exists.")
        return rows[0]

    @staticmethod
    def _fields_of(spec, row) -> dict[str, Any]:
        return {name: row.get(field.column or name) for name, field in spec.items()}

    @staticmethod
    def _constraint_error(error: Exception) -> ValidationError:
        text = str(error)
        for columns, (field, message) in _CONSTRAINT_FIELDS.items():
            if text.endswith(columns):
                return ValidationError(field, message)
        match = re.search(r"CHECK constraint failed: (\w+)", text)
        field = match.group(1) if match else "record"
        return ValidationError(field, f"The {rules.label(field)} breaks a rule of the caseload ({text}).")

    def _name_problems(self, clean: dict[str, Any], kind: str) -> list[ValidationError]:
        """A keyworker or court not on the organisation's list (a rule of entry)."""
        problem = names.problem(self.db, kind, clean.get(kind))
        return [problem] if problem else []

    # ------------------------------------------------------------ clients

    def add_client(self, values: dict[str, Any]) -> Client:
        """Create a client."""
        today = self.clock.today()
        client_id = self._insert(
            "client", values, None, lambda c: rules.check_client(c, today) + self._name_problems(c, "keyworker")
        )
        return self.get_client(client_id)

    def add_quick_referral(self, values: dict[str, Any]) -> Client:
        """Take someone on in custody or at court with name and date of birth only (DOMAIN.md,
        Clients v2): the reference, names and date of birth are required as for every client,
        sex and ethnicity may stay empty until asked, every other client rule holds. The one way
        every screen or command makes a quick referral (a new arrest referral too); audited."""
        return self.add_client({**values, "quick_referral": "yes"})

    def update_client(self, client_id: int, changes: dict[str, Any]) -> Client:
        """Change a client's details."""
        if "keyworker" in changes and (changes["keyworker"] or None) != self.get_client(client_id).keyworker:
            names.check(self.db, "keyworker", changes["keyworker"])

        def check_all(merged, current):
            problems = rules.check_client(merged, self.clock.today())
            if merged["date_of_birth"] != current["date_of_birth"]:
                for episode in self.episodes(client_id):
                    problem = rules.check_adult(
                        merged["date_of_birth"], episode.referral_date.isoformat(), "date_of_birth"
                    )
                    if problem:
                        problems.append(problem)
                        break
            return problems

        before = self.get_client(client_id)
        self._update("client", client_id, changes, check_all)
        after = self.get_client(client_id)
        if any(getattr(before, name) != getattr(after, name) for name in NAME_FIELDS):
            erasure.purge_old_values(self.db)  # the old name leaves the search index and the WAL
        return after

    def delete_client(self, client_id: int) -> None:
        """Delete a client and all their records."""
        self._delete("client", client_id)

    def possible_duplicates(self, values: dict[str, Any]) -> list[Client]:
        """Existing clients a new one may duplicate: same birth date and a similar name,
        or the same prison number or probation case reference."""
        found: dict[int, Client] = {}
        dob = values.get("date_of_birth")
        if dob:
            dob_text = dob.isoformat() if isinstance(dob, date) else str(dob)
            try:
                dob_text = rules.clean_value("date_of_birth", rules.CLIENT["date_of_birth"], dob_text)
            except ValidationError:
                dob_text = ""  # not a date: matches nobody
            for row in self.db.query("SELECT * FROM clients WHERE date_of_birth = ?", [dob_text]):
                if _similar_name(values, row):
                    found[row["id"]] = Client.from_row(row)
        for column in ("prison_number", "probation_ref"):
            value = (values.get(column) or "").strip()
            if value:
                for row in self.db.query(f"SELECT * FROM clients WHERE upper({column}) = upper(?)", [value]):
                    found[row["id"]] = Client.from_row(row)
        return list(found.values())

    def has_clients(self) -> bool:
        """True once anyone is on the caseload."""
        return search.has_clients(self.db)

    def get_client(self, client_id: int) -> Client:
        """One client by id."""
        return Client.from_row(self._row("clients", client_id))

    def client_by_ref(self, client_ref: str) -> Client:
        """One client by their reference."""
        rows = list(self.db.query("SELECT * FROM clients WHERE client_ref = ?", [client_ref.strip()]))
        if not rows:
            raise NotFoundError(f"No client has the reference {client_ref}.")
        return Client.from_row(rows[0])

    # ------------------------------------------------------------ episodes

    def add_episode(self, client_id: int, values: dict[str, Any]) -> Episode:
        """Open (or record) an episode of a client."""
        client = self.get_client(client_id)
        episode_id = self._insert(
            "episode",
            values,
            client_id,
            lambda clean: self._episode_problems(client, clean, None, entering=True),
        )
        return self.get_episode(episode_id)

    def update_episode(self, episode_id: int, changes: dict[str, Any]) -> Episode:
        """Change an episode's dates, codes or discharge."""
        current = self.get_episode(episode_id)
        client = self.get_client(current.client_id)
        self._update(
            "episode",
            episode_id,
            changes,
            lambda merged, row: self._episode_problems(
                client,
                merged,
                episode_id,
                entering=bool({"discharge_reason", "transferred_to"} & set(changes)),
                substances_entered=bool(OCCASIONAL_USER_FIELDS & set(changes)),
            ),
        )
        return self.get_episode(episode_id)

    def discharge_episode(
        self,
        episode_id: int,
        discharge_date: date,
        reason: str,
        transferred_to: str | None = None,
        close_goals_as: str | None = None,
    ) -> DischargeOutcome:
        """Discharge an episode, cancel the client's sessions booked after the discharge and,
        with `close_goals_as`, close their open goals with that status: one transaction."""
        episode = self.get_episode(episode_id)
        if not episode.is_open:
            raise ValidationError("discharge_date", "This episode is already discharged.")
        # "Transferred to" belongs to a transfer only; another reason leaves it empty.
        changes = {
            "discharge_date": discharge_date,
            "discharge_reason": reason,
            "transferred_to": transferred_to if codes.is_transfer(reason) else None,
        }
        client = self.get_client(episode.client_id)
        spec = rules.EPISODE
        clean, problems = rules.check_fields(spec, changes, partial=True)
        raise_first(problems)
        merged = {**self._fields_of(spec, self._row("episodes", episode_id)), **clean}
        raise_first(self._episode_problems(client, merged, episode_id, entering=True))
        cutoff = f"{clean['discharge_date']} 23:59"
        with self.db.atomic():
            self.db.table("episodes").update(episode_id, columns_of(spec, clean))
            write_audit(self.db, "update", "episode", episode_id, client.id, "fields: " + ", ".join(sorted(clean)))
            cancelled = self.db.execute(
                "UPDATE sessions SET status = 'cancelled_service', updated_at = datetime('now') "
                "WHERE client_id = ? AND status = 'scheduled' AND starts_at > ?",
                [client.id, cutoff],
            ).rowcount
            if cancelled:
                write_audit(
                    self.db, "update", "session", None, client.id, f"cancelled {cancelled} future sessions on discharge"
                )
            closed = 0
            if close_goals_as:
                if close_goals_as not in GOAL_STATUS[1:]:
                    raise ValidationError("goal_status", "Choose how the open goals ended.")
                closed = self.db.execute(
                    "UPDATE goals SET status = ?, closed_date = max(set_date, ?), "
                    "updated_at = datetime('now') WHERE client_id = ? AND status = 'open'",
                    [close_goals_as, clean["discharge_date"], client.id],
                ).rowcount
                if closed:
                    write_audit(self.db, "update", "goal", None, client.id, f"closed {closed} open goals on discharge")
        return DischargeOutcome(cancelled, closed, codes.needs_exit_top(clean["discharge_reason"]))

    def delete_episode(self, episode_id: int) -> None:
        """Delete an episode recorded in error."""
        self._delete("episode", episode_id)

    def get_episode(self, episode_id: int) -> Episode:
        """One episode by id."""
        return Episode.from_row(self._row("episodes", episode_id))

    def episodes(self, client_id: int) -> list[Episode]:
        """A client's episodes, latest referral first."""
        return [
            Episode.from_row(row)
            for row in self.db.query(
                "SELECT * FROM episodes WHERE client_id = ? ORDER BY referral_date DESC", [client_id]
            )
        ]

    def open_episode(self, client_id: int) -> Episode | None:
        """The client's open episode, if any."""
        rows = list(self.db.query("SELECT * FROM episodes WHERE client_id = ? AND discharge_date IS NULL", [client_id]))
        return Episode.from_row(rows[0]) if rows else None

    def _episode_problems(
        self,
        client: Client,
        clean: dict,
        episode_id: int | None,
        entering: bool = False,
        substances_entered: bool | None = None,
    ):
        problems = rules.check_episode(clean, self.clock.today())
        if problems:
            return problems
        # A rule of entry: asked whenever the reason or a substance is entered or changed.
        if entering if substances_entered is None else substances_entered:
            occasional = rules.occasional_user_problem(clean)
            if occasional:
                return [occasional]
        if entering and codes.is_transfer(clean.get("discharge_reason")) and not clean.get("transferred_to"):
            # A rule of entry: the importer keeps historic transfers with no destination.
            return [ValidationError("transferred_to", "Say where the client was transferred to.")]
        adult = rules.check_adult(client.date_of_birth.isoformat(), clean["referral_date"])
        if adult:
            return [adult]
        for other in self.episodes(client.id):
            if other.id == episode_id:
                continue
            other_row = {
                "referral_date": other.referral_date.isoformat(),
                "discharge_date": other.discharge_date.isoformat() if other.discharge_date else None,
            }
            if other.is_open and not clean.get("discharge_date"):
                return [
                    ValidationError(
                        "referral_date",
                        f"The client already has an open episode (referred {other.referral_date:%d/%m/%Y}): "
                        "discharge it before opening another.",
                    )
                ]
            if rules.overlap(other_row, clean):
                return [
                    ValidationError(
                        "referral_date",
                        f"This episode overlaps the one referred on {other.referral_date:%d/%m/%Y}: "
                        "a new referral must come after the earlier discharge date.",
                    )
                ]
        return []

    # ------------------------------------------------------------ sessions

    def add_session(self, client_id: int, values: dict[str, Any]) -> Session:
        """Log or book a session."""
        self.get_client(client_id)
        return self.get_session(self._insert_session(client_id, values))

    def update_session(self, session_id: int, changes: dict[str, Any]) -> Session:
        """Change a session (its outcome, time, notes)."""
        self._update_session(session_id, changes)
        return self.get_session(session_id)

    def requirements_on(self, client_id: int, day: date) -> list[Requirement]:
        """The legal requirements a client is under on a day (several may be in force at once)."""
        return requirements.in_force(self.db, client_id, day)

    def requirement_on(self, client_id: int, day: date) -> tuple[str, str] | None:
        """The first legal requirement in force on a day and who must be told of an absence (see
        `requirements_on` for all of them)."""
        found = legal.in_force(self.db, client_id, day)
        return found[0] if found else None

    def _dna_problems(self, client_id: int, session: dict[str, Any]) -> list[ValidationError]:
        """A rule of entry: a missed appointment (or one left early) on a legal requirement or an
        RA stage is reported, so it needs its reason, for every agency to tell. (The importer
        keeps historic records that lack one.)"""
        if session.get("status") not in codes.ABSENCE_STATUS or (session.get("dna_reason") or "").strip():
            return []
        found = legal.reportable(self.db, client_id, str(session["when"])[:10], session.get("requirement"))
        if not found:
            return []
        kinds = " and ".join(dict.fromkeys(codes.REQUIREMENT_SHORT.get(code, code) for code, _ in found))
        agencies = " and ".join(dict.fromkeys(agency for _, agency in found))
        what = "missed it" if session["status"] == "dna" else "left early"
        return [
            ValidationError(
                "dna_reason",
                f"This client is on a {kinds} requirement: say why they {what}, for {agencies}.",
            )
        ]

    def _session_problems(self, client_id: int, clean: dict[str, Any]) -> list[ValidationError]:
        """The rules of record of a session (DOMAIN.md, Sessions v2), then those that read the
        client's other records."""
        return rules.check_session(clean) or legal.session_problems(self.db, client_id, clean)

    def _insert_session(self, client_id: int, values: dict[str, Any]) -> int:
        return self._insert(
            "session",
            values,
            client_id,
            lambda clean: (
                self._session_problems(client_id, clean)
                or self._dna_problems(client_id, clean) + self._outcome_problems(clean)
            ),
        )

    def _update_session(self, session_id: int, changes: dict[str, Any]) -> None:
        def check_all(merged, current):
            problems = self._session_problems(current["client_id"], merged)
            if problems:
                return problems
            # Only a change that makes the session an absence, or clears its reason, is new entry.
            entering = {"status", "dna_reason"} & set(changes) and (
                current["status"] != merged.get("status") or "dna_reason" in changes
            )
            if entering:
                problems += self._dna_problems(current["client_id"], merged)
            # Likewise the outcome's time: only when the change sets the outcome or moves the time.
            if merged.get("status") != current["status"] or merged.get("when") != current["starts_at"]:
                problems += self._outcome_problems(merged)
            return problems

        self._update("session", session_id, changes, check_all)

    def _outcome_problems(self, clean: dict[str, Any]) -> list[ValidationError]:
        """A rule of entry (DOMAIN.md): an appointment is marked attended or DNA only once its
        time has come. (The importer takes historic records that break it.)"""
        status, when = clean.get("status"), clean.get("when")
        if status not in NEEDS_TIME_TO_HAVE_COME or not when:
            return []
        at = when if isinstance(when, datetime) else datetime.strptime(str(when), "%Y-%m-%d %H:%M")
        if at <= self.clock.now():
            return []
        word = {"attended": "attended", "dna": "DNA"}.get(status, "left early")
        return [
            ValidationError(
                "status",
                f"This appointment is not until {format_datetime(at)}: mark it {word} once its time has come "
                "(until then it stays scheduled).",
            )
        ]

    def outcome_refusal(self, session_id: int, status: str) -> str | None:
        """Why an appointment cannot be given this outcome now (None: it can)."""
        session = self.get_session(session_id)
        cancelled = CANCELLED_WORDS.get(session.status)
        if cancelled and status in NEEDS_TIME_TO_HAVE_COME:
            word = {"attended": "attended", "dna": "DNA"}.get(status, "left early")
            return (
                f"This appointment ({format_datetime(session.starts_at)}) was {cancelled}, so it cannot be "
                f"marked {word}: log what happened instead as a new session (l, Log session) and leave the "
                "cancellation as it is."
            )
        problems = self._outcome_problems({"status": status, "when": session.starts_at})
        return problems[0].message if problems else None

    def log_session(
        self, client_id: int, values: dict[str, Any], next_values: dict[str, Any] | None = None
    ) -> tuple[Session, Session | None]:
        """Log a session and, in the same transaction, book the next appointment."""
        self.get_client(client_id)
        with self.db.atomic():
            session_id = self._insert_session(client_id, values)
            next_id = self._insert_session(client_id, next_values) if next_values else None
        return self.get_session(session_id), self.get_session(next_id) if next_id else None

    def update_session_and_book(
        self, session_id: int, changes: dict[str, Any], next_values: dict[str, Any] | None = None
    ) -> tuple[Session, Session | None]:
        """Record an appointment's outcome and, in the same transaction, book the next one."""
        client_id = self.get_session(session_id).client_id
        with self.db.atomic():
            self._update_session(session_id, changes)
            next_id = self._insert_session(client_id, next_values) if next_values else None
        return self.get_session(session_id), self.get_session(next_id) if next_id else None

    def set_session_status(self, session_id: int, status: str) -> Session:
        """Record what happened to an appointment: attended, dna, cancelled. A DNA on a legal
        requirement is refused here (on `dna_reason`): the screen then opens the form that asks
        why and when the agency was told."""
        return self.update_session(session_id, {"status": status})

    def rearrange_session(self, session_id: int, changes: dict[str, Any]) -> Session:
        """Move an appointment by keeping it as `rearranged` and booking the new time as a new
        session with the same details and `changes` (DOMAIN.md: a Required Assessment's RA2),
        in one transaction; returns the new booking."""
        old = self._row("sessions", session_id)
        spec = rules.SESSION
        values = {**self._fields_of(spec, old), **changes, "status": "scheduled"}
        values = {name: value for name, value in values.items() if value is not None}
        with self.db.atomic():
            self.db.execute(
                "UPDATE sessions SET status = 'rearranged', updated_at = datetime('now') WHERE id = ?", [session_id]
            )
            write_audit(self.db, "update", "session", session_id, old["client_id"], "fields: status (rearranged)")
            new_id = self._insert("session", values, old["client_id"])
        return self.get_session(new_id)

    def delete_session(self, session_id: int) -> None:
        """Delete a session recorded in error."""
        self._delete("session", session_id)

    def get_session(self, session_id: int) -> Session:
        """One session by id."""
        return Session.from_row(self._row("sessions", session_id))

    def sessions(self, client_id: int) -> list[Session]:
        """A client's sessions, latest first."""
        return [
            Session.from_row(row)
            for row in self.db.query("SELECT * FROM sessions WHERE client_id = ? ORDER BY starts_at DESC", [client_id])
        ]

    # ------------------------------------------------------------ goals

    def add_goal(self, client_id: int, values: dict[str, Any]) -> Goal:
        """Add a goal to a client's care plan."""
        self.get_client(client_id)
        return self.get_goal(self._insert("goal", values, client_id, rules.check_goal))

    def update_goal(self, goal_id: int, changes: dict[str, Any]) -> Goal:
        """Change a goal (its wording, review date, status)."""
        self._update("goal", goal_id, changes, lambda merged, row: rules.check_goal(merged))
        return self.get_goal(goal_id)

    def open_goal_count(self, client_id: int) -> int:
        """How many of a client's goals are open."""
        return self.db.execute(
            "SELECT count(*) FROM goals WHERE client_id = ? AND status = 'open'", [client_id]
        ).fetchone()[0]

    def close_goal(self, goal_id: int, status: str, closed_date: date) -> Goal:
        """Close a goal as achieved, partly achieved, not achieved or withdrawn."""
        if status == "open":
            raise ValidationError(
                "status", "Choose how the goal ended: achieved, partly_achieved, not_achieved or withdrawn."
            )
        return self.update_goal(goal_id, {"status": status, "closed_date": closed_date})

    def review_goal(
        self, goal_id: int, reviewed_on: date, note: str, next_review_date: date | None = None
    ) -> GoalReview:
        """Record a review of a goal with its note, and when to review it next."""
        goal = self.get_goal(goal_id)
        if not (note or "").strip():
            raise ValidationError("note", "Write what the review found.")
        reviewed = rules.clean_value("reviewed_on", rules.Field("date", True), reviewed_on)
        following = rules.clean_value("next_review_date", rules.Field("date"), next_review_date)
        if following and following < reviewed:
            raise ValidationError("next_review_date", "The next review is before this one.")
        with self.db.atomic():
            review_id = self._insert_row(
                "goal_reviews",
                {
                    "goal_id": goal_id,
                    "reviewed_on": reviewed,
                    "note": note.strip(),
                    "next_review_date": following,
                },
            )
            self.db.execute(
                "UPDATE goals SET review_date = ?, updated_at = datetime('now') WHERE id = ?", [following, goal_id]
            )
            write_audit(self.db, "create", "goal_review", review_id, goal.client_id)
        return GoalReview.from_row(self._row("goal_reviews", review_id))

    def delete_goal(self, goal_id: int) -> None:
        """Delete a goal recorded in error."""
        self._delete("goal", goal_id)

    def get_goal(self, goal_id: int) -> Goal:
        """One goal by id."""
        return Goal.from_row(self._row("goals", goal_id))

    def goals(self, client_id: int) -> list[Goal]:
        """A client's care plan: open goals first, by domain."""
        return [
            Goal.from_row(row)
            for row in self.db.query(
                "SELECT * FROM goals WHERE client_id = ? ORDER BY status != 'open', domain, set_date DESC", [client_id]
            )
        ]

    def goal_reviews(self, goal_id: int) -> list[GoalReview]:
        """The reviews of a goal, latest first."""
        return [
            GoalReview.from_row(row)
            for row in self.db.query(
                "SELECT * FROM goal_reviews WHERE goal_id = ? ORDER BY reviewed_on DESC, id DESC", [goal_id]
            )
        ]

    # ------------------------------------------------------------ court dates

    def add_court_date(self, client_id: int, values: dict[str, Any]) -> CourtDate:
        """Add a court hearing."""
        self.get_client(client_id)
        return self.get_court_date(
            self._insert("court_date", values, client_id, lambda c: self._name_problems(c, "court"))
        )

    def update_court_date(self, court_date_id: int, changes: dict[str, Any]) -> CourtDate:
        """Change a hearing (its outcome, time, court)."""
        if "court" in changes and changes["court"] != self.get_court_date(court_date_id).court:
            names.check(self.db, "court", changes["court"])
        self._update("court_date", court_date_id, changes, lambda merged, row: [])
        return self.get_court_date(court_date_id)

    def delete_court_date(self, court_date_id: int) -> None:
        """Delete a hearing recorded in error."""
        self._delete("court_date", court_date_id)

    def get_court_date(self, court_date_id: int) -> CourtDate:
        """One hearing by id."""
        return CourtDate.from_row(self._row("court_dates", court_date_id))

    def court_dates(self, client_id: int) -> list[CourtDate]:
        """A client's hearings, latest first."""
        return [
            CourtDate.from_row(row)
            for row in self.db.query(
                "SELECT * FROM court_dates WHERE client_id = ? ORDER BY hearing_at DESC", [client_id]
            )
        ]

    def adjourn_hearing(
        self,
        court_date_id: int,
        new_when: datetime,
        outcome: str = "Adjourned",
        support_needed: str | None = None,
    ) -> CourtDate:
        """Adjourn a hearing: it keeps its record with the outcome and leaves every forward-looking
        view, and a new hearing of the same type and court is booked, linked back to it, with the
        support the client needs on the day (the old hearing's unless `support_needed` is given;
        an empty text clears it)."""
        old = self.get_court_date(court_date_id)
        later = self.db.execute(
            "SELECT hearing_at FROM court_dates WHERE adjourned_from_id = ? ORDER BY hearing_at LIMIT 1",
            [court_date_id],
        ).fetchone()
        if later:
            moved = datetime.strptime(later[0], "%Y-%m-%d %H:%M")
            raise ValidationError(
                "when",
                f"This hearing was already adjourned to {moved:%d/%m/%Y %H:%M}: adjourn that hearing instead.",
            )
        clean = rules.clean_value("when", rules.COURT_DATE["when"], new_when)
        if clean <= old.hearing_at.strftime("%Y-%m-%d %H:%M"):
            raise ValidationError("when", "An adjourned hearing moves to a later date and time.")
        support = old.support_needed if support_needed is None else (support_needed.strip() or None)
        with self.db.atomic():
            self.db.execute(
                "UPDATE court_dates SET outcome = ?, updated_at = datetime('now') WHERE id = ?",
                [outcome.strip() or "Adjourned", court_date_id],
            )
            write_audit(self.db, "update", "court_date", court_date_id, old.client_id, "fields: outcome")
            try:
                new_id = self._insert_row(
                    "court_dates",
                    {
                        "client_id": old.client_id,
                        "hearing_at": clean,
                        "court": old.court,
                        "hearing_type": old.hearing_type,
                        "support_needed": support,
                        "adjourned_from_id": court_date_id,
                    },
                )
            except INTEGRITY_ERRORS as error:
                raise self._constraint_error(error) from None
            write_audit(self.db, "create", "court_date", new_id, old.client_id, "adjourned hearing")
        return self.get_court_date(new_id)

    # ------------------------------------------------------------ notes and keyworkers

    def add_note(
        self,
        client_id: int,
        text: str,
        written_at: datetime | None = None,
        kind: str = "note",
        written_by: str | None = None,
    ) -> CaseNote:
        """Add a dated note to a client's record, with who wrote it (`note_author` when not given)."""
        client = self.get_client(client_id)
        if not (text or "").strip():
            raise ValidationError("text", "Write the note before saving it.")
        author = (written_by or "").strip() or self.note_author(client)
        wrong = names.problem(self.db, "keyworker", author)
        if wrong:
            raise ValidationError("written_by", wrong.message)
        at = (written_at or self.clock.now()).strftime("%Y-%m-%d %H:%M")
        with self.db.atomic():
            note_id = self._insert_row(
                "case_notes",
                {"client_id": client_id, "written_at": at, "kind": kind, "text": text.strip(), "written_by": author},
            )
            write_audit(self.db, "create", "case_note", note_id, client_id)
        return CaseNote.from_row(self._row("case_notes", note_id))

    def note_author(self, client: Client) -> str | None:
        """Who writes a note on this laptop: the keyworker chosen as "me" here, else the client's
        own keyworker (one laptop, one keyworker's caseload)."""
        from cjcase.services import my_clients

        return my_clients.remembered(self.db).keyworker or client.keyworker

    def notes(self, client_id: int) -> list[CaseNote]:
        """A client's notes, latest first."""
        return [
            CaseNote.from_row(row)
            for row in self.db.query(
                "SELECT * FROM case_notes WHERE client_id = ? ORDER BY written_at DESC, id DESC", [client_id]
            )
        ]

    def change_keyworker(self, client_ids: list[int], keyworker: str | None, changed_on: date) -> int:
        """Move clients to another keyworker (None: unallocated) from a date; returns how many moved."""
        new = (keyworker or "").strip() or None
        names.check(self.db, "keyworker", new)
        on = rules.clean_value("changed_on", rules.Field("date", True), changed_on)
        moved = 0
        with self.db.atomic():
            for client_id in client_ids:
                client = self.get_client(client_id)
                if client.keyworker == new:
                    continue
                self.db.execute(
                    "UPDATE clients SET keyworker = ?, updated_at = datetime('now') WHERE id = ?", [new, client_id]
                )
                change_id = self._insert_row(
                    "keyworker_changes",
                    {
                        "client_id": client_id,
                        "changed_on": on,
                        "from_keyworker": client.keyworker,
                        "to_keyworker": new,
                    },
                )
                write_audit(self.db, "update", "client", client_id, client_id, "fields: keyworker")
                write_audit(self.db, "create", "keyworker_change", change_id, client_id)
                moved += 1
        return moved

    def keyworker_history(self, client_id: int) -> list[KeyworkerChange]:
        """A client's keyworker changes, latest first."""
        return [
            KeyworkerChange.from_row(row)
            for row in self.db.query(
                "SELECT * FROM keyworker_changes WHERE client_id = ? ORDER BY changed_on DESC, id DESC", [client_id]
            )
        ]

    # ------------------------------------------------------------ TOPs

    def add_top(self, client_id: int, values: dict[str, Any]) -> Top:
        """Record a TOP form: every item a value or NA (services/tops.py has its rules)."""
        self.get_client(client_id)
        check = lambda clean: top_rules.problems(self.db, client_id, clean, None, entering=True)  # noqa: E731
        return self.get_top(self._insert("top", values, client_id, check))

    def update_top(self, top_id: int, changes: dict[str, Any]) -> Top:
        """Correct a TOP form (audited); a changed date or stage is entered again, so the rule of
        entry applies to it."""
        current = self._row("tops", top_id)
        entering = any(
            name in changes and _cleaned_or_none(name, changes[name]) != current[column]
            for name, column in (("date", "top_date"), ("stage", "stage"))
        )
        self._update(
            "top",
            top_id,
            changes,
            lambda merged, row: top_rules.problems(self.db, row["client_id"], merged, top_id, entering),
        )
        return self.get_top(top_id)

    def delete_top(self, top_id: int) -> None:
        """Delete a TOP recorded in error."""
        self._delete("top", top_id)

    def get_top(self, top_id: int) -> Top:
        """One TOP by id."""
        return Top.from_row(self._row("tops", top_id))

    def tops(self, client_id: int) -> list[Top]:
        """A client's TOPs, earliest first (the order the change from start is read in)."""
        return [
            Top.from_row(row)
            for row in self.db.query(
                "SELECT * FROM tops WHERE client_id = ? "
                "ORDER BY top_date, CASE stage WHEN 'start' THEN 0 WHEN 'review' THEN 1 WHEN 'exit' THEN 2 ELSE 3 END",
                [client_id],
            )
        ]


def _cleaned_or_none(name: str, value: Any) -> Any:
    """A TOP's date or stage as stored, or None when it cannot be read (the update says why)."""
    try:
        return rules.clean_value(name, rules.TOP[name], value)
    except ValidationError:
        return None


def _similar_name(values: dict[str, Any], row: dict[str, Any]) -> bool:
    """Names alike enough to ask: same last name, or same first name, ignoring case."""
    first = (values.get("first_name") or "").strip().lower()
    last = (values.get("last_name") or "").strip().lower()
    return bool(
        (last and last == (row["last_name"] or "").lower())
        or (first and first[:3] == (row["first_name"] or "").lower()[:3])
    )
