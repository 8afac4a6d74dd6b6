"""Writes a realistic synthetic caseload, dated relative to today, into a demo database."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from itertools import accumulate

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.errors import CjcaseError
from cjcase.domain.model import order_end
from cjcase.services import settings
from cjcase.services.audit import write_audit
from cjcase.store.bulk import insert_many

DEMO_SETTING = "demo_database"

FIRST_NAMES = (
    "Aaron Adam Aisha Alan Amy Andrew Anna Ben Bethany Callum Carl Charlotte Chloe Craig Dale "
    "Danielle Darren Dean Declan Emma Gary Gemma Graham Hannah Imran Jade Jamie Jason Jodie Kai "
    "Karen Kelly Kieran Laura Lee Leanne Liam Lisa Marcus Mark Michelle Mohammed Natalie Neil "
    "Nicola Paul Rachel Reece Ryan Sadia Sam Sarah Shane Sharon Simon Stacey Steven Tanya Tariq "
    "Tom Tracy Wayne Zoe"
).split()
LAST_NAMES = (
    "Ali Allen Atkinson Bailey Baker Barker Bell Brown Carter Clarke Collins Cooper Davies Dixon "
    "Edwards Evans Fletcher Foster Green Hall Harris Hill Holmes Hughes Hussain Jackson James "
    "Johnson Jones Kaur Kelly Khan King Lee Lewis Marsh Martin Mitchell Moore Morgan Murphy "
    "Nowak Owen Parker Patel Phillips Price Roberts Robinson Shaw Smith Taylor Thomas Thompson "
    "Turner Walker Ward Watson White Williams Wilson Wood Wright Young"
).split()
KEYWORKERS = (
    "Priya Shah",
    "Tom Gallagher",
    "Kofi Boateng",
    "Lucy Fairweather",
    "Bernadette O'Connor",
    "Dawid Zieliński",
)
COURTS = (
    "Leeds Magistrates' Court",
    "Bradford and Keighley Magistrates' Court",
    "Kirklees Magistrates' Court",
    "Leeds Crown Court",
    "Bradford Crown Court",
)
PRISONS = ("HMP Leeds", "HMP Wealstun", "HMP New Hall", "HMP Doncaster", "HMP Hull")
COMMUNITY_PROVIDERS = ("Forward Leeds", "Change Grow Live Bradford", "Humankind Wakefield", "Turning Point Kirklees")
GOAL_TEXT = {
    "substance_use": (
        "Cut down to 2 using days a week",
        "Start opiate substitution script",
        "Stay off crack for a month",
        "Alcohol-free weekdays",
    ),
    "offending": ("No new arrests this quarter", "Comply with DRR appointments", "Attend all probation appointments"),
    "housing": ("Secure a tenancy", "Register with the council housing list", "Keep hostel place"),
    "physical_health": ("Register with a GP", "Hep C test and treatment", "Dental appointment"),
    "mental_health": ("Referral to talking therapies", "Attend mental health assessment"),
    "family_relationships": ("Attend family support sessions", "Restart contact with children"),
    "education_training_employment": (
        "Start a CSCS card course",
        "Volunteer one day a week",
        "Enrol on a maths course",
    ),
    "finance_benefits": ("Sort out Universal Credit claim", "Open a bank account", "Debt advice appointment"),
}
SESSION_NOTES = (
    "Discussed cravings and triggers",
    "Reviewed care plan",
    "Talked about housing",
    "Harm reduction advice, naloxone kit given",
    "Client low in mood, GP advised",
    "Good engagement, positive about progress",
    "",
)
PATHWAY_SOURCE = {
    "arrest_referral": ("arrest_referral", "police_diversion"),
    "restriction_on_bail": ("arrest_referral",),
    "court": ("court", "liaison_diversion"),
    "prison_link": ("prison",),
    "drr": ("drr", "probation"),
    "atr": ("atr", "probation"),
    "iom": ("probation", "other_cj"),
    "community": ("self", "gp", "family_friends", "health_other", "drug_service"),
}
PEER_MENTORS = ("Dee Marsh", "Lenny Okafor")
# The tables the demo fills, parents first.
DEMO_TABLES = (
    "clients",
    "episodes",
    "releases",
    "custody_events",
    "requirements",
    "orders",
    "order_events",
    "sessions",
    "goals",
    "court_dates",
    "tops",
    "barriers",
    "consents",
)
# How a DRR or ATR order ended, by the discharge of the referral that followed it.
ORDER_OUTCOME_OF_REASON = {
    "completed_drug_free": "completed",
    "completed_alcohol_free": "completed",
    "completed_occasional_user": "completed",
    "transferred_community": "transferred",
    "transferred_custody": "transferred",
    "dropped_out": "revoked_breach",
    "withdrawn_by_provider": "revoked_breach",
    "declined_treatment": "revoked_breach",
    "retained_in_custody": "further_offence_custody",
    "died": "died",
}
REQUIREMENT_OF_PATHWAY = {"drr": "drr", "atr": "atr", "restriction_on_bail": "rob", "prison_link": "licence"}
BARRIER_EXAMPLES = (
    ("appointment_timing", "Methadone pick-up at the chemist", "Book after 10:30", "mon-fri 08:30-10:30"),
    ("childcare", "School run", "Appointments 10:00-14:30 only", "mon-fri 08:00-09:30; mon-fri 14:45-16:00"),
    ("travel", "No bus fare", "Bus pass from the hub", None),
    ("family_commitments", "Cares for her mother", "Phone sessions when needed", None),
    ("literacy_language", "Reads little", "Text reminders read out by phone", None),
)
SUBSTANCE_WEIGHTS = (
    ("heroin", 30),
    ("crack", 20),
    ("cocaine", 12),
    ("alcohol", 20),
    ("cannabis", 6),
    ("amphetamines", 4),
    ("benzodiazepines", 3),
    ("other_opiates", 3),
    ("other", 2),
)


def is_demo(db: sqlite_utils.Database) -> bool:
    """Whether `cjcase demo` made this caseload (it marks the file before writing into it)."""
    return db.execute("SELECT 1 FROM settings WHERE key = ?", [DEMO_SETTING]).fetchone() is not None


def demo_clients(db: sqlite_utils.Database) -> int | None:
    """How many made-up clients an earlier `cjcase demo` left in this file; None when it is not a demo."""
    if not is_demo(db):
        return None
    return db.execute("SELECT count(*) FROM clients").fetchone()[0]


def ensure_demo_database(db: sqlite_utils.Database) -> None:
    """Refuse a database that holds a real caseload; mark an empty one as a demo."""
    marked = list(db.query("SELECT value FROM settings WHERE key = ?", [DEMO_SETTING]))
    if marked:
        return
    if db.execute("SELECT count(*) FROM clients").fetchone()[0]:
        raise CjcaseError(
            "This database holds a caseload that was not made by `cjcase demo`, so the demo "
            "will not write into it. Leave out --db (and CJCASE_DB) to use the separate demo.db."
        )
    with db.atomic():
        db.execute("INSERT INTO settings (key, value) VALUES (?, 'yes')", [DEMO_SETTING])


def generate(
    db: sqlite_utils.Database,
    today: date,
    clients: int = 200,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Replace the demo database's contents with `clients` synthetic clients; return counts."""
    if clients < 1:
        raise CjcaseError("Ask for at least one client, e.g. --clients 200.")
    ensure_demo_database(db)
    maker = _Maker(_QuickRandom(seed), today)
    batch = 2000
    # Rows arrive in client order but the date indexes take them in any order: a larger page
    # cache while they are built saves re-reading index pages (56 s to 48 s at 50,000 clients).
    cache_size = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute("PRAGMA cache_size = -65536")
    try:
        _fill(db, maker, clients, seed, batch, progress)
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache_size)}")
    return {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("clients", "episodes", "releases", "sessions", "goals", "court_dates", "tops")
    }


def _fill(db, maker: _Maker, clients: int, seed: int, batch: int, progress) -> None:
    """Replace the demo's rows with new ones, in one transaction."""
    with db.atomic():
        for table in (
            "deaths",
            "safeguarding",
            "interventions",
            "goal_reviews",
            "tops",
            "court_dates",
            "goals",
            "sessions",
            "case_notes",
            "keyworker_changes",
            "barriers",
            "consents",
            "disclosures",
            "releases",
            "custody_events",
            "order_events",
            "orders",
            "requirements",
            "episodes",
            "clients",
        ):
            db.execute(f"DELETE FROM {table}")
        settings.set_value(db, "peer_mentors", "; ".join(PEER_MENTORS))
        # The plain (not unique) indexes are built once the rows are in, in one sorted pass,
        # rather than kept up row by row: the same transaction puts them back.
        tables = DEMO_TABLES
        marks = ", ".join("?" * len(tables))
        indexes = list(
            db.query(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
                tables,
            )
        )
        for index in indexes:
            db.execute(f'DROP INDEX "{index["name"]}"')
        for first in range(0, clients, batch):
            rows = maker.batch(first, min(first + batch, clients))
            for table in tables:
                if rows[table]:
                    insert_many(db, table, rows[table])
            if progress:
                progress(min(first + batch, clients), clients)
        for index in indexes:
            db.execute(index["sql"])
        clinical_record(db, maker.today, seed)
        write_audit(db, "demo", "demo", None, None, f"clients {clients}, seed {seed}")
        for release_id, client_id, moved_from, moved_to in maker.moved_releases:
            # The history of a moved release shows the move, as the program writes it.
            write_audit(
                db,
                "update",
                "release",
                release_id,
                client_id,
                f"fields: expected_date; expected date moved from {moved_from} to {moved_to}",
            )


class _QuickRandom(random.Random):
    """Random with a quicker choice: the standard one draws whole random bits for each pick,
    and the demo picks about forty times a session (a fifth of making 50,000 clients)."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class _Maker:
    """Makes rows for a range of clients; ids are assigned here so children can refer to them."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.substances = [s for s, w in SUBSTANCE_WEIGHTS for _ in range(w)]
        self.moved_releases: list[tuple[int, int, str, str]] = []  # (release, client, from, to)
        self.ids = {
            "episodes": 0,
            "releases": 0,
            "custody_events": 0,
            "sessions": 0,
            "goals": 0,
            "court_dates": 0,
            "tops": 0,
        }
        self._cumulative: dict[tuple, tuple[list[int], int]] = {}
        self.breach_made = False  # the caseload's one breach, on the first order long enough

    def weighted(self, population, weights: tuple[int, ...]):
        """One of `population`, drawn by `weights` (random.choices adds the weights up on every call)."""
        cumulative = self._cumulative.get(weights)
        if cumulative is None:
            sums = list(accumulate(weights))
            cumulative = self._cumulative[weights] = (sums, sums[-1])
        sums, total = cumulative
        return population[bisect(sums, self.rng.random() * total)]

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def batch(self, first: int, last: int) -> dict[str, list[dict]]:
        rows: dict[str, list[dict]] = {t: [] for t in DEMO_TABLES}
        for number in range(first, last):
            self.client(number + 1, rows)
        return rows

    def client(self, client_id: int, rows) -> None:
        rng, today = self.rng, self.today
        # Referred as adults: the age is drawn at the latest referral, not today.
        latest_referral = today - timedelta(days=int(rng.expovariate(1 / 200)) % 900)
        age = rng.randint(19, 68)
        dob = latest_referral - timedelta(days=age * 365 + rng.randint(0, 364))
        flags = [f for f in codes.RISK_FLAG if rng.random() < 0.08]
        pathway = rng.choice(codes.PATHWAY)
        rows["clients"].append(
            {
                "id": client_id,
                "client_ref": f"DM-{100000 + client_id}",
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": rng.choice(LAST_NAMES),
                "date_of_birth": dob.isoformat(),
                "sex": self.weighted(codes.SEX, (70, 27, 1, 2)),
                "ethnicity": self.weighted(codes.ETHNICITY, (70, 3, 4, 2, 1, 1, 1, 2, 4, 2, 1, 1, 2, 1, 1, 1, 3)),
                "postcode": f"LS{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                "phone": f"07700 900{rng.randint(0, 999):03d}",
                "keyworker": rng.choice(KEYWORKERS) if rng.random() > 0.03 else None,
                "risk_flags": ";".join(flags),
                "consent_to_share": "yes" if rng.random() < 0.85 else "no",
                "consent_date": None,
                "prison": rng.choice(PRISONS) if pathway == "prison_link" else None,
                "prison_number": f"A{rng.randint(1000, 9999)}{rng.choice('ABCDEFGH')}{rng.choice('ABCDEFGH')}"
                if pathway == "prison_link"
                else None,
            }
        )
        # An earlier, closed episode for some clients; the current one for everyone.
        if rng.random() < 0.25 and (latest_referral - dob).days > 19 * 365 + 500:
            earlier = latest_referral - timedelta(days=rng.randint(300, 500))
            self.episode(
                client_id,
                rng.choice(codes.PATHWAY),
                earlier,
                latest_referral - timedelta(days=rng.randint(10, 60)),
                rows,
            )
        self.episode(client_id, pathway, latest_referral, None, rows)
        rows["clients"][-1]["consent_date"] = latest_referral.isoformat()
        self.engagement(client_id, pathway, latest_referral, rows)

    def engagement(self, client_id: int, pathway: str, referral: date, rows) -> None:
        """A compliance checklist for some clients, and the sharing ledger of the current episode."""
        rng = self.rng
        if rng.random() < 0.25:
            barrier, note, plan, unavailable = rng.choice(BARRIER_EXAMPLES)
            rows["barriers"].append(
                {"client_id": client_id, "barrier": barrier, "note": note, "plan": plan, "unavailable": unavailable}
            )
        if pathway in ("drr", "atr", "prison_link"):
            rows["consents"].append(
                {
                    "client_id": client_id,
                    "agency": "probation",
                    "purpose": "Attendance and progress",
                    "lawful_basis": "court_order",
                    "given_date": referral.isoformat(),
                }
            )
        if rng.random() < 0.5:
            # Mostly still current; a few ran out in the last fortnight and need renewing.
            expires = max(referral + timedelta(days=30), self.today + timedelta(days=rng.randint(-14, 300)))
            rows["consents"].append(
                {
                    "client_id": client_id,
                    "agency": "GP",
                    "purpose": "Prescribing and health care",
                    "lawful_basis": "consent",
                    "given_date": referral.isoformat(),
                    "expires_date": expires.isoformat(),
                }
            )

    def episode(self, client_id: int, pathway: str, referral: date, must_end: date | None, rows) -> None:
        rng, today = self.rng, self.today
        episode_id = self.next_id("episodes")
        started = rng.random() < 0.9
        start = referral + timedelta(days=rng.choice((0, 0, 1, 3, 7, 14, 25))) if started else None
        if start and start > today:
            start = None
        discharge = reason = None
        open_for = (today - referral).days
        if must_end is not None:
            discharge = must_end
        elif open_for > 120 and rng.random() < 0.45:
            discharge = referral + timedelta(days=rng.randint(60, open_for - 1))
        if start is None and discharge is None and open_for > 35 and rng.random() < 0.9:
            discharge = referral + timedelta(days=rng.randint(21, 35))  # never started: closed
        if discharge and start and discharge < start:
            discharge = start
        if discharge:
            if start:
                reason = self.weighted(codes.DISCHARGE_REASON_V1, (12, 6, 8, 5, 5, 14, 3, 2, 1, 1))
            else:
                reason = rng.choice(("declined_treatment", "dropped_out", "retained_in_custody"))
        release = order_start = order_end = None
        if pathway == "prison_link":
            release = referral + timedelta(days=rng.randint(5, 40))
            if release > today + timedelta(days=14) and rng.random() < 0.6:
                # Most referrals in reach are for releases this fortnight: the agenda's checklists.
                release = today + timedelta(days=rng.randint(1, 14))
        if pathway in ("drr", "atr"):
            order_start = referral - timedelta(days=rng.randint(0, 10))
            order_end = order_start + timedelta(days=rng.choice((180, 365)))
        rows["episodes"].append(
            {
                "id": episode_id,
                "client_id": client_id,
                "referral_date": referral.isoformat(),
                "referral_source": rng.choice(PATHWAY_SOURCE[pathway]),
                "pathway": pathway,
                "primary_substance": rng.choice(self.substances),
                "start_date": start.isoformat() if start else None,
                "discharge_date": discharge.isoformat() if discharge else None,
                "discharge_reason": reason,
                "order_start": order_start.isoformat() if order_start else None,
                "order_end": order_end.isoformat() if order_end else None,
            }
        )
        if order_start and order_end:
            self.order(client_id, order_start, (order_end - order_start).days // 30, start, discharge, reason, rows)
        if pathway in REQUIREMENT_OF_PATHWAY:
            _add_requirement(
                rows,
                {
                    "client_id": client_id,
                    "requirement": REQUIREMENT_OF_PATHWAY[pathway],
                    "start_date": referral.isoformat(),
                    "end_date": discharge.isoformat() if discharge else None,
                },
            )
        if release:
            self.release(client_id, release, rows)
        first_session = len(rows["sessions"])
        if pathway == "arrest_referral":
            custody_and_ra_stages(self, client_id, referral, rows)
        self.sessions(
            client_id, referral, start, discharge, release, rows, reportable=pathway in REQUIREMENT_OF_PATHWAY
        )
        contacts_between_appointments(self, client_id, rows["sessions"][first_session:], rows)
        decide_absences_on_orders(self, client_id, rows["sessions"][first_session:], rows)
        if start:
            self.goals(client_id, start, discharge, rows)
            self.tops(client_id, start, discharge, reason, rows)
        if pathway in ("court", "drr", "atr", "restriction_on_bail", "arrest_referral", "iom"):
            self.hearings(client_id, pathway, referral, discharge, rows)

    def order(self, client_id, sentence, months, start, discharge, reason, rows) -> None:
        """A DRR or ATR order behind a DRR or ATR referral: consent and suitability before
        sentence, treatment start, a test every month, a court review every four weeks with its
        progress report before it, and how it ended; the first order of the caseload has warnings
        and one breach, continued; one ATR in three sits beside a licence. Drawn from a generator
        of the client's own, so the rest of the demo is as it was."""
        rng, today = random.Random(client_id * 7919 + sentence.toordinal()), self.today
        pathway = rows["episodes"][-1]["pathway"]
        end = order_end(sentence, months)
        treatment = start if start and start >= sentence else sentence + timedelta(days=rng.randint(3, 25))
        if treatment > today:
            treatment = None
        outcome, outcome_date = None, discharge
        if discharge:
            outcome = ORDER_OUTCOME_OF_REASON.get(reason, "transferred")
        elif end < today:
            outcome, outcome_date = "completed", end
        rows["orders"].append(
            {
                "client_id": client_id,
                "order_type": pathway,
                "sentence_date": sentence.isoformat(),
                "court": rng.choice(COURTS),
                "length_months": months,
                "consent_date": sentence.isoformat(),
                "suitability_assessed_date": (sentence - timedelta(days=rng.randint(5, 14))).isoformat(),
                "treatment_start_date": treatment.isoformat() if treatment else None,
                "review_frequency": "monthly",
                "outcome": outcome,
                "outcome_date": outcome_date.isoformat() if outcome else None,
            }
        )
        last = min(today, outcome_date or end)
        events: list[tuple[date, str, str | None, str | None]] = []
        day = treatment + timedelta(days=rng.randint(5, 10)) if treatment else last + timedelta(days=1)
        while day <= last:
            result = rng.choice(("negative",) * 6 + ("opiates", "cocaine", "opiates;cocaine", "refused"))
            events.append((day, "test", result, None))
            day += timedelta(days=rng.randint(26, 33))
        day = sentence + timedelta(days=28)
        while day <= last:
            events.append((day - timedelta(days=rng.randint(2, 5)), "progress_report_sent", None, None))
            events.append((day, "review", rng.choice(("good", "good", "adequate", "poor")), None))
            day += timedelta(days=28)
        if not self.breach_made and (last - sentence).days > 100:
            self.breach_made = True
            breach: tuple[tuple[int, str, str | None, str], ...] = (
                (40, "warning", None, "Missed two appointments in a week"),
                (60, "warning", None, "Missed again: final warning"),
                (70, "breach_laid", None, "Third missed appointment"),
                (90, "breach_outcome", "continued", "Order continued with a curfew added"),
            )
            for offset, kind, outcome_of_breach, note in breach:
                events.append((sentence + timedelta(days=offset), kind, outcome_of_breach, note))
        seen = set()
        for day, kind, found, written in sorted(events, key=lambda e: e[0]):
            if day < sentence or day > last or (day, kind) in seen:
                continue
            seen.add((day, kind))
            rows["order_events"].append(
                {
                    "client_id": client_id,
                    "sentence_date": sentence.isoformat(),
                    "kind": kind,
                    "event_date": day.isoformat(),
                    "result": found,
                    "notes": written,
                }
            )
        if pathway == "atr" and rng.random() < 0.34:
            _add_requirement(
                rows,
                {
                    "client_id": client_id,
                    "requirement": "licence",
                    "start_date": (sentence - timedelta(days=rng.randint(30, 200))).isoformat(),
                    "end_date": (outcome_date or end).isoformat(),
                    "notify_contact": "Offender manager, Leeds probation",
                },
            )

    def release(self, client_id: int, expected: date, rows) -> None:
        """A release from prison as the Prison Link worker keeps it: due ones with the checklist
        part done (the nearer the day, the more of it), some whose prison moved the date, released
        ones with the handshake to a community provider, a few not engaged, excluded or not yet
        recorded (the data-quality notes have something to find)."""
        rng, today = self.rng, self.today
        if any(
            r["client_id"] == client_id and r["expected_date"] == expected.isoformat() for r in rows["releases"][-3:]
        ):
            return  # two episodes of one client with the same day: one release
        release: dict = {
            "id": self.next_id("releases"),
            "client_id": client_id,
            "prison": rng.choice(PRISONS),
            "expected_date": expected.isoformat(),
            "actual_date": None,
            "treatment_need_in_custody": "yes" if rng.random() < 0.8 else "no",
        }
        release["in_custody_treatment"] = (
            "yes" if release["treatment_need_in_custody"] == "yes" and rng.random() < 0.6 else "no"
        )
        if rng.random() < 0.15:
            # The prison moved the date: the same release, its note says from when.
            moved_from = expected - timedelta(days=rng.choice((-7, -3, 2, 5, 14)))
            release["notes"] = f"Prison moved the release date from {moved_from:%d/%m/%Y}"
            self.moved_releases.append((release["id"], client_id, moved_from.isoformat(), expected.isoformat()))
        days_to_go = (expected - today).days
        # The checklist: done as the day nears, all of it once the person is out.
        done = 1.0 if days_to_go < 0 else max(0.15, 1 - days_to_go / 21)
        provider = rng.choice(COMMUNITY_PROVIDERS)
        if rng.random() < done:
            release["first_appointment_provider"] = provider
            release["first_appointment_at"] = (
                f"{(expected + timedelta(days=rng.choice((0, 1, 1, 2, 3, 6)))).isoformat()} "
                f"{rng.choice((10, 11, 14)):02d}:00"
            )
        if rng.random() < done:
            release["script_continuity"] = self.weighted(codes.SCRIPT_CONTINUITY, (70, 8, 22))
        if rng.random() < done:
            release["naloxone_offered"] = "yes" if rng.random() < 0.92 else "no"
            if release["naloxone_offered"] == "yes":
                release["naloxone_issued"] = "yes" if rng.random() < 0.8 else "no"
        if rng.random() < done:
            release["gate_pickup_booked"] = "yes" if rng.random() < 0.7 else "no"
        if rng.random() < done:
            release["accommodation_on_release"] = self.weighted(codes.ACCOMMODATION_ON_RELEASE, (35, 40, 15, 10))
        if rng.random() < done:
            release["onward_provider"] = provider
            release["onward_referred_date"] = min(today, expected - timedelta(days=rng.randint(3, 20))).isoformat()
        if days_to_go > 0 or (days_to_go > -9 and rng.random() < 0.12):
            rows["releases"].append(release)  # still due (a few past their day: not recorded yet)
            return
        actual = min(today, expected + timedelta(days=rng.choice((0, 0, 0, 0, 1, 2))))
        release["actual_date"] = actual.isoformat()
        release["release_type"] = self.weighted(codes.RELEASE_TYPE, (50, 25, 12, 8, 5)) if rng.random() < 0.93 else None
        roll = rng.random()
        if roll < 0.06:
            release["coc_exclusion"] = rng.choice(("re_imprisoned", "moved_out_of_area", "transferred_secure_setting"))
        elif roll < 0.45:
            # Started at the community provider, confirmed by them: inside the window mostly.
            started = actual + timedelta(days=rng.choice((1, 2, 3, 5, 8, 13, 19, 26)))
            if started <= today:
                release["onward_provider"] = provider
                release["onward_referred_date"] = release.get("onward_referred_date") or actual.isoformat()
                release["community_start_date"] = started.isoformat()
                release["confirmed_by"] = f"{rng.choice(FIRST_NAMES)} at {provider}"
        rows["releases"].append(release)

    def sessions(self, client_id, referral, start, discharge, release, rows, reportable=False) -> None:
        rng, today = self.rng, self.today
        end = discharge or today + timedelta(days=rng.randint(7, 21))
        day = referral
        kinds = ["assessment"]
        if release:
            day = max(day, release)
            kinds = ["gate_pickup", "assessment"]
        seen: set[tuple[str, str]] = set()
        while day <= end:
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
                continue
            kind = (
                kinds.pop(0)
                if kinds
                else self.weighted(("keywork", "group", "phone", "review", "prison_visit"), (60, 12, 15, 8, 2))
            )
            at = f"{day.isoformat()} {rng.choice((9, 10, 11, 13, 14, 15, 16)):02d}:{rng.choice(('00', '30'))}"
            if (at, kind) not in seen:
                seen.add((at, kind))
                if day > today or (day == today and rng.random() < 0.5):
                    status = "scheduled"
                elif (today - day).days < 5 and rng.random() < 0.08:
                    status = "scheduled"  # outcome not yet recorded: shows in the action list
                else:
                    status = self.weighted(("attended", "dna", "cancelled_client", "cancelled_service"), (80, 11, 5, 4))
                session = {
                    "id": self.next_id("sessions"),
                    "client_id": client_id,
                    "starts_at": at,
                    "kind": kind,
                    "status": status,
                    "duration_minutes": 30 if kind == "phone" else rng.choice((30, 45, 60, 60, 90)),
                    "notes": rng.choice(SESSION_NOTES) or None if status == "attended" else None,
                    "peer_mentor": rng.choice(PEER_MENTORS) if kind == "gate_pickup" else None,
                    "dna_reason": None,
                    "notified_at": None,
                    "requirement": None,
                }
                if status == "dna" and reportable:
                    # Reported the same day, except the latest, which still shows "Notify … today".
                    session["dna_reason"] = rng.choice(("Unwell", "Forgot", "No bus fare", "Childcare fell through"))
                    if (today - day).days > 1:
                        session["notified_at"] = f"{day.isoformat()} 17:00"
                rows["sessions"].append(session)
            day += timedelta(days=rng.choice((5, 7, 7, 7, 10, 14)))

    def goals(self, client_id, start, discharge, rows) -> None:
        rng, today = self.rng, self.today
        for domain in rng.sample(codes.GOAL_DOMAIN, rng.randint(2, 4)):
            set_date = start + timedelta(days=rng.randint(0, 14))
            if set_date > today:
                set_date = start
            closing = discharge or today
            status, closed = "open", None
            if (closing - set_date).days > 40 and (discharge or rng.random() < 0.4):
                status = self.weighted(codes.GOAL_STATUS[1:], (40, 20, 25, 15))
                closed = set_date + timedelta(days=rng.randint(28, (closing - set_date).days))
            review = set_date + timedelta(days=rng.choice((28, 56, 84)))
            while status == "open" and review < today:
                review += timedelta(days=28)
            if status == "open" and rng.random() < 0.06:
                review -= timedelta(days=rng.randint(7, 27))  # a few reviews overdue
            rows["goals"].append(
                {
                    "id": self.next_id("goals"),
                    "client_id": client_id,
                    "domain": domain,
                    "description": rng.choice(GOAL_TEXT[domain]),
                    "set_date": set_date.isoformat(),
                    "review_date": review.isoformat(),
                    "status": status,
                    "closed_date": closed.isoformat() if closed else None,
                }
            )

    def tops(self, client_id, start, discharge, reason, rows) -> None:
        rng, today = self.rng, self.today
        use = [rng.choice((0, 0, 4, 12, 20, 28)) for _ in range(7)]
        crime = [rng.choice((0, 0, 0, 3, 10)) for _ in range(3)]
        stages = [("start", start)]
        day = start + timedelta(days=182)
        while day <= (discharge or today):
            stages.append(("review", day))
            day += timedelta(days=182)
        if discharge and codes.OUTCOME_OF_REASON[reason] == "planned" and discharge > start:
            stages.append(("exit", discharge))
        for index, (stage, day) in enumerate(stages):
            factor = max(0.0, 1 - 0.35 * index)
            rows["tops"].append(
                {
                    "id": self.next_id("tops"),
                    "client_id": client_id,
                    "top_date": day.isoformat(),
                    "stage": stage,
                    **{
                        name: min(28, int(value * factor))
                        for name, value in zip(codes.TOP_DAY_FIELDS[:7], use, strict=False)
                    },
                    "injecting_days": min(28, int(use[1] * factor * 0.5)),
                    **{
                        name: int(value * factor)
                        for name, value in zip(
                            ("shoplifting_days", "drug_selling_days", "other_theft_days"), crime, strict=False
                        )
                    },
                    "assault": "yes" if rng.random() < 0.05 else "no",
                    "psych_health": min(20, rng.randint(4, 12) + index * 2),
                    "phys_health": min(20, rng.randint(4, 12) + index * 2),
                    "quality_of_life": min(20, rng.randint(3, 11) + index * 2),
                    "acute_housing_problem": "yes" if rng.random() < 0.2 else "no",
                    "paid_work_days": rng.choice((0, 0, 0, 4, 12)),
                    "education_days": rng.choice((0, 0, 2)),
                }
            )
            _top_v2_items(rows["tops"][-1], random.Random(f"top {client_id} {index}"))

    def hearings(self, client_id, pathway, referral, discharge, rows) -> None:
        rng, today = self.rng, self.today
        used: set[str] = set()
        plan = [("first_appearance", referral - timedelta(days=rng.randint(0, 3)))]
        if pathway in ("drr", "atr"):
            day = referral + timedelta(days=28)
            while day <= (discharge or today + timedelta(days=30)):
                plan.append(("review", day))
                day += timedelta(days=28)
        else:
            plan.append(
                (rng.choice(("plea", "sentencing", "trial", "bail")), referral + timedelta(days=rng.randint(14, 90)))
            )
        for hearing_type, day in plan:
            while day.weekday() >= 5:
                day += timedelta(days=1)
            at = f"{day.isoformat()} {rng.choice(('10:00', '10:30', '14:00'))}"
            if at in used:
                continue
            used.add(at)
            rows["court_dates"].append(
                {
                    "id": self.next_id("court_dates"),
                    "client_id": client_id,
                    "hearing_at": at,
                    "court": rng.choice(COURTS),
                    "hearing_type": hearing_type,
                    "outcome": rng.choice(("Adjourned", "Order continued", "Bail extended", None))
                    if day < today
                    else None,
                }
            )


# ------------------------------------------------------------------ the clinical record
# Written after the rest of the demo, from a random stream of its own, so the rest stays as it was.

CONTACT_EVENT_OF_PATHWAY = {
    "arrest_referral": ("ra_positive_test", "voluntary_cell_sweep"),
    "restriction_on_bail": ("rob",),
    "court": ("pre_sentence_report", "voluntary_liaison_diversion"),
    "prison_link": ("voluntary_after_release",),
    "drr": ("offender_manager_requirement",),
    "atr": ("offender_manager_requirement",),
    "iom": ("offender_manager_requirement", "post_order_request"),
    "community": ("voluntary_other", "post_treatment_referral", "other"),
}
SAFEGUARDING_WITH = ("Leeds adult social care", "Leeds MASH", "West Yorkshire Police", "Children's social care")
SAFEGUARDING_OUTCOMES = ("Care package agreed", "No further action", "Child protection plan", "Referred to MARAC")


def clinical_record(db: sqlite_utils.Database, today: date, seed: int) -> dict[str, int]:
    """The demo's clinical record: every episode's substances, route, injecting status, units,
    NDTMS consent and contact event filled in (no occasional-user completion with opiates or
    crack); some quick referrals, most completed later; ethnicity `99` for a few; naloxone, tests,
    vaccine doses and overdose plans; open and closed safeguarding concerns (some with no update
    for weeks); and a few deaths, drug-related suspected or not, some within weeks of a release,
    recorded through the service as a keyworker would. Returns counts."""
    from datetime import time

    from cjcase.domain.clock import Clock
    from cjcase.services.deaths import Deaths

    rng = random.Random(seed * 7919 + 18)
    episodes = list(db.query("SELECT * FROM episodes ORDER BY id"))
    updates = []
    for row in episodes:
        primary = row["primary_substance"]
        others = [s for s, _ in SUBSTANCE_WEIGHTS if s != primary]
        drug_2 = rng.choice(others) if rng.random() < 0.55 else None
        drug_3 = rng.choice([s for s in others if s != drug_2]) if drug_2 and rng.random() < 0.3 else None
        used = {primary, drug_2, drug_3}
        if primary == "alcohol":
            route = "oral"
        elif primary in ("heroin", "other_opiates"):
            route = rng.choice(("inject", "smoke", "smoke", "oral"))
        elif primary in ("crack", "cannabis"):
            route = "smoke"
        elif primary == "cocaine":
            route = rng.choice(("sniff", "sniff", "smoke"))
        else:
            route = rng.choice(("oral", "sniff", "other"))
        injecting = "currently" if route == "inject" else rng.choice(("never", "never", "previously", "not_known"))
        units = rng.randint(8, 40) if "alcohol" in used else 0
        reason = row["discharge_reason"]
        if reason == "completed_occasional_user" and used & set(codes.NOT_OCCASIONAL_USE):
            reason = "completed_drug_free"
        event = rng.choice(CONTACT_EVENT_OF_PATHWAY[row["pathway"]])
        event_day = date.fromisoformat(row["referral_date"]) - timedelta(days=rng.randint(0, 5))
        updates.append(
            (
                drug_2,
                drug_3,
                route,
                injecting,
                units,
                "yes" if rng.random() < 0.9 else "no",
                event,
                min(event_day, today).isoformat(),
                reason,
                row["id"],
            )
        )
    db.conn.executemany(
        "UPDATE episodes SET drug_2 = ?, drug_3 = ?, route = ?, injecting_status = ?, alcohol_units_per_day = ?, "
        "consent_to_ndtms = ?, contact_event = ?, contact_event_date = ?, discharge_reason = ? WHERE id = ?",
        updates,
    )
    # Quick referrals from custody and court: most completed later, a few still to ask.
    quick = [
        row
        for row in db.query(
            "SELECT c.id, e.referral_date FROM clients c JOIN episodes e ON e.client_id = c.id "
            "WHERE e.discharge_date IS NULL AND e.pathway IN ('arrest_referral', 'restriction_on_bail', 'court')"
        )
        if rng.random() < 0.3
    ]
    completed = still_to_ask = 0
    for row in quick:
        recent = (today - date.fromisoformat(row["referral_date"])).days < 14
        if recent and rng.random() < 0.6:
            db.execute(
                "UPDATE clients SET quick_referral = 'yes', ethnicity = NULL, sex = CASE WHEN ? THEN NULL ELSE sex END "
                "WHERE id = ?",
                [rng.random() < 0.5, row["id"]],
            )
            still_to_ask += 1
        else:
            db.execute("UPDATE clients SET quick_referral = 'yes' WHERE id = ?", [row["id"]])
            write_audit(
                db, "update", "client", row["id"], row["id"], "fields: ethnicity, sex (quick referral completed)"
            )
            completed += 1
    db.execute("UPDATE clients SET ethnicity = '99' WHERE quick_referral = 'no' AND ethnicity = 'Z' AND id % 3 = 0")
    interventions = _demo_interventions(db, rng, today)
    concerns = _demo_safeguarding(db, rng, today)
    deaths = Deaths(db, Clock(today, time(12, 0)))
    died = 0
    candidates = list(
        db.query(
            "SELECT c.id, max(r.actual_date) AS released FROM clients c JOIN episodes e ON e.client_id = c.id "
            "LEFT JOIN releases r ON r.client_id = c.id AND r.actual_date IS NOT NULL "
            "GROUP BY c.id ORDER BY c.id"
        )
    )
    for row in candidates:
        # Deaths come most often in the weeks after release (the overdose risk of release).
        if rng.random() > (0.08 if row["released"] else 0.01):
            continue
        last = db.execute(
            "SELECT max(d) FROM (SELECT max(substr(starts_at, 1, 10)) AS d FROM sessions WHERE client_id = :c "
            "AND status IN ('attended', 'attended_left_early') UNION ALL SELECT max(top_date) FROM tops "
            "WHERE client_id = :c UNION ALL SELECT max(intervention_date) FROM interventions WHERE client_id = :c "
            "UNION ALL SELECT max(referral_date) FROM episodes WHERE client_id = :c)",
            {"c": row["id"]},
        ).fetchone()[0]
        after_last = date.fromisoformat(last) + timedelta(days=1)
        days = []
        if row["released"]:
            released = date.fromisoformat(row["released"])
            day = max(released + timedelta(days=rng.randint(3, 20)), after_last)
            if day <= released + timedelta(days=42):
                days.append(day)
        days.append(after_last + timedelta(days=rng.randint(0, 9)))
        for day in days:
            if day > today:
                continue
            try:
                deaths.record(
                    row["id"],
                    {
                        "date_of_death": day,
                        "drug_related_suspected": rng.choice(("yes", "yes", "no", "not_known")),
                        "notes": "Demo: coroner's inquest pending" if rng.random() < 0.3 else None,
                    },
                )
            except CjcaseError:
                continue
            # A death inside a release's window not engaged is excluded from continuity of care.
            db.execute(
                "UPDATE releases SET coc_exclusion = 'died' WHERE client_id = ? AND coc_exclusion IS NULL "
                "AND community_start_date IS NULL AND actual_date <= ? AND ? <= date(actual_date, '+21 days')",
                [row["id"], day.isoformat(), day.isoformat()],
            )
            died += 1
            break
    # The v1 draw closes some episodes as died: they get their death record (or another reason
    # when something dated later shows the client alive).
    for row in list(db.query("SELECT id, client_id, discharge_date FROM episodes WHERE discharge_reason = 'died'")):
        if deaths.of_client(row["client_id"]):
            continue
        try:
            deaths.record(
                row["client_id"],
                {"date_of_death": date.fromisoformat(row["discharge_date"]), "drug_related_suspected": "not_known"},
            )
            died += 1
        except CjcaseError:
            db.execute("UPDATE episodes SET discharge_reason = 'dropped_out' WHERE id = ?", [row["id"]])
    # An order ended by death has its death record too (or, contradicted by a later record, expired).
    has_orders = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'orders'").fetchone()
    for row in (
        list(db.query("SELECT id, client_id, outcome_date FROM orders WHERE outcome = 'died'")) if has_orders else []
    ):
        if deaths.of_client(row["client_id"]):
            continue
        try:
            deaths.record(
                row["client_id"],
                {"date_of_death": date.fromisoformat(row["outcome_date"]), "drug_related_suspected": "not_known"},
            )
            died += 1
        except CjcaseError:
            db.execute("UPDATE orders SET outcome = 'expired' WHERE id = ?", [row["id"]])
    return {
        "quick_referrals": completed + still_to_ask,
        "interventions": interventions,
        "safeguarding": concerns,
        "deaths": died,
    }


def _demo_interventions(db: sqlite_utils.Database, rng: random.Random, today: date) -> int:
    rows = []
    for episode in db.query("SELECT * FROM episodes WHERE start_date IS NOT NULL"):
        start = date.fromisoformat(episode["start_date"])
        end = date.fromisoformat(episode["discharge_date"]) if episode["discharge_date"] else today
        group = codes.substance_group(episode["primary_substance"], episode["drug_2"], episode["drug_3"])
        plan = []
        if group == "opiate":
            plan += ["naloxone_issued", "naloxone_training"]
            if rng.random() < 0.4:
                plan.append("naloxone_issued")  # a second kit
        if episode["injecting_status"] in ("currently", "previously"):
            plan += ["hcv_test", "hiv_test", "hbv_vaccination"]
        if episode["pathway"] == "prison_link" and rng.random() < 0.7:
            plan.append("overdose_plan")
        if rng.random() < 0.05:
            plan.append("other")
        seen = set()
        for kind in plan:
            if rng.random() < 0.25:
                continue  # not every client takes up every offer
            day = start + timedelta(days=rng.randint(0, max(0, min(120, (end - start).days))))
            if day > today or (kind, day) in seen:
                continue
            seen.add((kind, day))
            rows.append(
                {
                    "client_id": episode["client_id"],
                    "kind": kind,
                    "intervention_date": day.isoformat(),
                    "notes": "Foil packs and safer smoking advice" if kind == "other" else None,
                }
            )
    db.execute("DELETE FROM interventions")
    if rows:
        db.table("interventions").insert_all(rows, ignore=True)
    return db.execute("SELECT count(*) FROM interventions").fetchone()[0]


def _demo_safeguarding(db: sqlite_utils.Database, rng: random.Random, today: date) -> int:
    rows = []
    for client in db.query(
        "SELECT c.id, min(e.referral_date) AS since FROM clients c JOIN episodes e ON e.client_id = c.id GROUP BY c.id"
    ):
        if rng.random() > 0.05:
            continue
        since = date.fromisoformat(client["since"])
        raised = since + timedelta(days=rng.randint(0, max(0, (today - since).days)))
        closed = raised + timedelta(days=rng.randint(7, 60)) if rng.random() < 0.5 else None
        if closed and closed > today:
            closed = None
        updated = None if closed else raised + timedelta(days=rng.randint(0, max(0, (today - raised).days)))
        rows.append(
            {
                "client_id": client["id"],
                "raised_date": raised.isoformat(),
                "raised_with": rng.choice(SAFEGUARDING_WITH),
                "category": rng.choice(codes.SAFEGUARDING_CATEGORY),
                "outcome": rng.choice(SAFEGUARDING_OUTCOMES) if closed else None,
                "closed_date": closed.isoformat() if closed else None,
                "notes": "Demo concern: raised after a home visit" if rng.random() < 0.5 else None,
                "last_update": (closed or updated or raised).isoformat(),
            }
        )
    db.execute("DELETE FROM safeguarding")
    if rows:
        db.table("safeguarding").insert_all(rows)
    return len(rows)


def _top_v2_items(top: dict, rng: random.Random) -> None:
    """Fill the items TOP v2 added, and leave a few items not answered (NA, stored as None), as
    real forms do. A generator of its own per form, so the rest of the demo stays as it was."""
    top["alcohol_units_per_drinking_day"] = rng.choice((4, 8, 12, 20, None)) if top["alcohol_days"] else 0
    top["tobacco_days"] = rng.choice((28, 28, 20, 0, None))
    for name in codes.TOP_SHARING_FIELDS:
        top[name] = rng.choice(("yes", "no", "no", None)) if top["injecting_days"] else rng.choice(("no", None))
    for name in codes.TOP_THEFT_FIELDS:
        top[name] = rng.choice(("yes", "no", None)) if top["other_theft_days"] else rng.choice(("no", "no", None))
    top["eviction_risk"] = rng.choice(("no", "no", "yes", None))
    for name in ("cocaine_days", "psych_health", "assault"):  # an answer withheld now and then
        if rng.random() < 0.06:
            top[name] = None


CUSTODY_SUITES = ("Elland Road", "Trinity Street", "Havertop", "Wakefield Express Park")
ASSESSMENT_OUTCOMES = (
    ("brief_intervention", None),
    ("referred_structured", "Forward Leeds"),
    ("referred_structured", "Change Grow Live"),
    ("already_in_treatment", "Forward Leeds"),
    ("no_need", None),
    ("declined", None),
)


def custody_and_ra_stages(maker: _Maker, client_id: int, referral: date, rows) -> None:
    """An arrest-referral client's arrest the night before the referral: a positive test, the
    Required Assessment imposed, RA1 two days after the test (some moved once, some who come but
    leave early, some who do not come), a follow-up for some of those assessed, and the outcome."""
    rng = maker.rng
    arrested = datetime.combine(referral - timedelta(days=1), time(rng.choice((19, 21, 22, 23)), rng.choice((0, 30))))
    tested = arrested + timedelta(minutes=rng.choice((45, 90, 120)))
    event = {
        "id": maker.next_id("custody_events"),
        "client_id": client_id,
        "arrested_at": f"{arrested:%Y-%m-%d %H:%M}",
        "custody_suite": rng.choice(CUSTODY_SUITES),
        "offence": "trigger" if rng.random() < 0.9 else "non_trigger_inspector_authority",
        "test_at": f"{tested:%Y-%m-%d %H:%M}",
        "test_result": "positive",
        "substances_positive": maker.weighted(("opiates", "cocaine", "opiates;cocaine"), (30, 35, 35)),
        "disputed": "no",
        "ra_imposed": "yes",
        "ra_followup_required": "no",
        "assessment_outcome": None,
        "referred_to": None,
    }
    rows["custody_events"].append(event)
    # On the quarter hour, as custody notices often are (and never on another booking's half hour).
    ra1 = datetime.combine(tested.date() + timedelta(days=2), time(rng.choice((10, 11, 14)), 15))
    if rng.random() < 0.1:
        # RA2: moved by agreement before the time; the new time is a new RA initial.
        _ra_session(maker, client_id, ra1, "ra_initial", "rearranged", rows)
        ra1 += timedelta(days=1, hours=rng.choice((-1, 1)))
    status = _ra_outcome(maker, ra1)
    _ra_session(maker, client_id, ra1, "ra_initial", status, rows)
    if status == "attended":
        outcome, referred_to = rng.choice(ASSESSMENT_OUTCOMES)
        if rng.random() < 0.9:  # a few still to write up: the data-quality note lists them
            event["assessment_outcome"], event["referred_to"] = outcome, referred_to
        if outcome in ("referred_structured", "brief_intervention") and rng.random() < 0.6:
            event["ra_followup_required"] = "yes"
            follow = datetime.combine(ra1.date() + timedelta(days=rng.choice((7, 14, 21))), time(10, 45))
            _ra_session(maker, client_id, follow, "ra_followup", _ra_outcome(maker, follow), rows)
    last_stage = max(s["starts_at"] for s in rows["sessions"] if s["client_id"] == client_id and s["requirement"])
    _required_assessment(client_id, tested.date(), date.fromisoformat(last_stage[:10]), rows)


def _required_assessment(client_id: int, tested: date, last_stage: date, rows) -> None:
    """The required_assessment requirement the program offers once the RA is imposed: from the day
    of the test to its last RA stage (none where an earlier one still runs)."""
    start, end = tested.isoformat(), max(tested, last_stage).isoformat()
    _add_requirement(
        rows, {"client_id": client_id, "requirement": "required_assessment", "start_date": start, "end_date": end}
    )


def _add_requirement(rows, requirement: dict) -> None:
    """Add a requirement unless one of the same code for the client overlaps it (the record's rule:
    two of one code may not overlap, the same day counting); the earlier one stands."""
    start, end = requirement["start_date"], requirement.get("end_date") or "9999-12-31"
    for earlier in rows["requirements"]:
        if (
            earlier["client_id"] == requirement["client_id"]
            and earlier["requirement"] == requirement["requirement"]
            and earlier["start_date"] <= end
            and start <= (earlier.get("end_date") or "9999-12-31")
        ):
            return
    rows["requirements"].append(requirement)


def _ra_outcome(maker: _Maker, at: datetime) -> str:
    """What happened at an RA appointment: most come and remain, some leave early, some do not come."""
    if at.date() > maker.today or (at.date() == maker.today and at.hour >= 12):
        return "scheduled"
    return maker.weighted(("attended", "attended_left_early", "dna"), (72, 14, 14))


def _ra_session(maker: _Maker, client_id: int, at: datetime, stage: str, status: str, rows) -> None:
    absent = status in codes.ABSENCE_STATUS
    rows["sessions"].append(
        {
            "id": maker.next_id("sessions"),
            "client_id": client_id,
            "starts_at": f"{at:%Y-%m-%d %H:%M}",
            "kind": "assessment",
            "status": status,
            "duration_minutes": (maker.rng.choice((10, 15, 20)) if status == "attended_left_early" else 60)
            if status in ("attended", "attended_left_early")
            else None,
            "notes": None,
            "peer_mentor": None,
            # Reported to the police the same day, except in the last two days: "Notify police today".
            "dna_reason": maker.rng.choice(("Walked out", "Said he had work", "No reason given")) if absent else None,
            "notified_at": f"{at:%Y-%m-%d} 16:00" if absent and (maker.today - at.date()).days > 2 else None,
            "requirement": stage,
        }
    )


CONTACT_NOTES = {
    "attempted_contact": ("Rang, no answer", "Called at the hostel, not in", "Voicemail left"),
    "text_message": ("Reminder of tomorrow's appointment", "Asked to call back"),
    "letter": ("Appointment letter sent", "Letter: missed appointment, new time offered"),
    "professional_contact": ("Spoke with the offender manager", "Update from prison healthcare"),
}


def contacts_between_appointments(maker: _Maker, client_id: int, sessions: list[dict], rows) -> None:
    """The contacts between appointments (never appointments themselves): a try to reach the client
    the day after a DNA, a text the day before some bookings, now and then a letter or a word with
    another professional."""
    rng, today = maker.rng, maker.today
    added = []
    for session in sessions:
        day = date.fromisoformat(session["starts_at"][:10])
        if session["status"] == "dna" and day + timedelta(days=1) <= today:
            added.append((day + timedelta(days=1), "09:15", "attempted_contact" if rng.random() < 0.7 else "letter"))
        elif session["status"] == "scheduled" and rng.random() < 0.3 and day - timedelta(days=1) <= today:
            added.append((day - timedelta(days=1), "16:05", "text_message"))
        elif session["status"] == "attended" and rng.random() < 0.05:
            added.append((day + timedelta(days=2), "11:40", "professional_contact"))
    seen = set()
    for day, clock, kind in added:
        at = f"{day.isoformat()} {clock}"
        if (at, kind) in seen:
            continue
        seen.add((at, kind))
        rows["sessions"].append(
            {
                "id": maker.next_id("sessions"),
                "client_id": client_id,
                "starts_at": at,
                "kind": kind,
                "status": "attended" if day <= today else "scheduled",
                "duration_minutes": None,
                "notes": rng.choice(CONTACT_NOTES[kind]),
                "peer_mentor": None,
                "dna_reason": None,
                "notified_at": None,
                "requirement": None,
            }
        )


def decide_absences_on_orders(maker: _Maker, client_id: int, sessions: list[dict], rows) -> None:
    """The responsible officer's decision on each absence while the client's order runs: mostly
    unacceptable, an illness or a clash now and then acceptable."""
    running = [
        (order["sentence_date"], order["outcome_date"] or "9999-12-31")
        for order in rows["orders"][-3:]
        if order["client_id"] == client_id
    ]
    for session in sessions:
        day = session["starts_at"][:10]
        if session["status"] in codes.ABSENCE_STATUS and any(start <= day <= end for start, end in running):
            session["absence"] = "acceptable" if maker.rng.random() < 0.25 else "unacceptable"
