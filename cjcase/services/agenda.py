"""What is coming up and what has happened: the agenda, a client's timeline and audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named in hints: importing it is left to whoever opens the database
    import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.clock import Clock
from cjcase.domain.model import ActionItem, AgendaItem, AuditEntry, TimelineItem
from cjcase.services.orders import ORDER_END_SQL, REVIEWED_ORDER_SQL, TITLE_SQL

# A hearing adjourned to another date is history, not an appointment: every forward-looking view
# (agenda, action list, reminders, run sheet, calendar) leaves it out; its successor stands.
NOT_ADJOURNED = "NOT EXISTS (SELECT 1 FROM court_dates n WHERE n.adjourned_from_id = d.id)"

# A contact (a letter, a text, a try, a call with another professional) is never an appointment:
# it shows on the client's timeline only, never in the agenda, the action list's appointments or
# a calendar (DOMAIN.md, Sessions v2).
APPOINTMENTS = "(" + ", ".join(f"'{kind}'" for kind in codes.APPOINTMENT_KIND) + ")"
# What clears the DNA follow-up alert: an attended appointment as in v1, or a try to reach the
# client made after the last DNA (a call unanswered, a text, a letter) (DOMAIN.md, reading).
FOLLOWED_UP_BY = "(" + ", ".join(f"'{kind}'" for kind in codes.APPOINTMENT_KIND + codes.FOLLOW_UP_CONTACT) + ")"


# A client who died has nothing forward-looking (DOMAIN.md, deaths): no hearing, goal review, order
# end or release dated after the date of death, nor the bookings from that day that the death
# cancelled.
def _not_after_death(client: str, day: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM deaths x WHERE x.client_id = {client} AND substr({day}, 1, 10) > x.date_of_death)"
    )


ALIVE_SESSION = (
    "NOT EXISTS (SELECT 1 FROM deaths x WHERE x.client_id = s.client_id AND (substr(s.starts_at, 1, 10) > "
    "x.date_of_death OR (substr(s.starts_at, 1, 10) = x.date_of_death AND s.status IN "
    "('scheduled', 'cancelled_service'))))"
)

# Each kind of thing the agenda shows: its table, the column that dates it, what it selects and
# which rows are due. `:first`/`:last` bound the days; `:after_last` is the day after.
_AGENDA_SOURCES = (
    (
        "session",
        "sessions s",
        "s.starts_at",
        "s.kind, s.status, s.peer_mentor",
        f"s.starts_at >= :first AND s.starts_at < :after_last AND s.kind IN {APPOINTMENTS} AND {ALIVE_SESSION}",
    ),
    (
        "court",
        "court_dates d",
        "d.hearing_at",
        f"d.court, d.hearing_type, {REVIEWED_ORDER_SQL} AS order_title",
        f"d.hearing_at >= :first AND d.hearing_at < :after_last AND {NOT_ADJOURNED} "
        f"AND {_not_after_death('d.client_id', 'd.hearing_at')}",
    ),
    (
        "goal_review",
        "goals g",
        "g.review_date",
        "g.domain",
        "g.status = 'open' AND g.review_date BETWEEN :first AND :last "
        f"AND {_not_after_death('g.client_id', 'g.review_date')}",
    ),
    (
        "order_end",
        "episodes e",
        "e.order_end",
        "e.pathway",
        "e.discharge_date IS NULL AND e.order_end BETWEEN :first AND :last "
        f"AND {_not_after_death('e.client_id', 'e.order_end')}",
    ),
    (
        "release",
        "releases r",
        "r.expected_date",
        "r.prison, r.gate_pickup_booked",
        "r.actual_date IS NULL AND r.coc_exclusion IS NULL AND r.expected_date BETWEEN :first AND :last "
        f"AND {_not_after_death('r.client_id', 'r.expected_date')}",
    ),
)
_AGENDA_ORDER = {"court": 0, "release": 1, "session": 2, "order_end": 3, "goal_review": 4}


def _agenda_summary(kind: str, row: dict) -> str:
    if kind == "session":
        return f"{codes.label(row['kind']).capitalize()} ({codes.label(row['status'])})" + (
            f", with peer mentor {row['peer_mentor']}" if row["peer_mentor"] else ""
        )
    if kind == "court":
        summary = f"{codes.label(row['hearing_type']).capitalize()} hearing at {row['court']}"
        return summary + (f" · {row['order_title']}" if row["order_title"] else "")
    if kind == "goal_review":
        return f"Goal review due ({codes.label(row['domain'])})"
    if kind == "order_end":
        return f"{row['pathway'].upper()} order ends"
    # What a volunteer at the gate needs too: nothing clinical (the checklist is on the action list).
    gate = "gate pick-up booked" if row["gate_pickup_booked"] == "yes" else "no gate pick-up booked"
    return f"Due for release{' from ' + row['prison'] if row['prison'] else ''}: {gate}"


def _agenda_queries(
    start: date, end: date, keyworker: str | None, peer_mentor: str | None, kinds: Sequence[str] | None = None
):
    """(kind, table, its alias, date column, columns, condition, parameters) for each source
    that applies (only the `kinds` given, when given)."""
    params = {
        "first": start.isoformat(),
        "last": end.isoformat(),
        "after_last": (end + timedelta(days=1)).isoformat(),
        "keyworker": keyworker,
        "mentor": peer_mentor,
    }
    for kind, table, when, columns, condition in _AGENDA_SOURCES:
        if kinds is not None and kind not in kinds:
            continue
        if peer_mentor:
            # A peer mentor's own list: only the appointments they are booked for.
            if kind != "session":
                continue
            condition += " AND s.peer_mentor = :mentor"
        if keyworker:
            condition += " AND c.keyworker = :keyworker"
        yield kind, table, table.split()[1], when, columns, condition, params


def agenda(
    db: sqlite_utils.Database,
    start: date,
    end: date,
    keyworker: str | None = None,
    peer_mentor: str | None = None,
    limit: int | None = None,
    kinds: Sequence[str] | None = None,
) -> list[AgendaItem]:
    """Everything due from `start` to `end` inclusive: appointments, hearings, goal reviews,
    DRR/ATR orders ending and prison releases, in day and time order; the first `limit` only
    when given (a large caseload has tens of thousands in a fortnight); only the `kinds` given
    (a volunteer's view: appointments, hearings and releases)."""
    name = "c.first_name || ' ' || c.last_name AS client_name, c.client_ref, c.keyworker, c.first_name, c.last_name"
    items: list[AgendaItem] = []
    for kind, table, alias, when, columns, condition, params in _agenda_queries(
        start, end, keyworker, peer_mentor, kinds
    ):
        # Each source in the agenda's own order, so its first `limit` rows hold every row of
        # that source that can be among the first `limit` of the whole agenda.
        sql = (
            f"SELECT {alias}.id, {alias}.client_id, {when} AS due, {columns}, {name} "
            f"FROM {table} JOIN clients c ON c.id = {alias}.client_id WHERE {condition} "
            f"ORDER BY due, client_name LIMIT {-1 if limit is None else int(limit)}"
        )
        for row in db.query(sql, params):
            items.append(_item(row, kind, row["due"], _agenda_summary(kind, row)))
    items.sort(
        key=lambda i: (
            i.day,
            i.at or datetime.combine(i.day, datetime.min.time()),
            _AGENDA_ORDER[i.kind],
            i.client_name,
        )
    )
    return items if limit is None else items[:limit]


def agenda_count(
    db: sqlite_utils.Database,
    start: date,
    end: date,
    keyworker: str | None = None,
    peer_mentor: str | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """How many things `agenda` holds for these days, without reading them."""
    total = 0
    for _kind, table, alias, _when, _columns, condition, params in _agenda_queries(
        start, end, keyworker, peer_mentor, kinds
    ):
        join = f"JOIN clients c ON c.id = {alias}.client_id" if keyworker else ""  # only to filter
        total += db.execute(f"SELECT count(*) FROM {table} {join} WHERE {condition}", params).fetchone()[0]
    return total


def _item(row: dict, kind: str, when: str, summary: str) -> AgendaItem:
    at = datetime.strptime(when, "%Y-%m-%d %H:%M") if len(when) > 10 else None
    return AgendaItem(
        day=date.fromisoformat(when[:10]),
        at=at,
        kind=kind,
        client_id=row["client_id"],
        client_ref=row["client_ref"],
        client_name=row["client_name"],
        summary=summary,
        record_id=row["id"],
        keyworker=row["keyworker"],
        first_name=row["first_name"],
        last_name=row["last_name"],
    )


def timeline(db: sqlite_utils.Database, client_id: int) -> list[TimelineItem]:
    """A client's history and plans in one list, latest first."""
    items: list[TimelineItem] = []
    for row in db.query("SELECT * FROM sessions WHERE client_id = ?", [client_id]):
        items.append(
            TimelineItem(
                _at(row["starts_at"]),
                "contact" if row["kind"] in codes.CONTACT_KIND else "session",
                session_summary(row["kind"], row["status"], row["notes"]),
                row["id"],
            )
        )
    for row in db.query("SELECT * FROM court_dates WHERE client_id = ?", [client_id]):
        outcome = f" ({row['outcome']})" if row["outcome"] else ""
        items.append(
            TimelineItem(
                _at(row["hearing_at"]),
                "court",
                f"{codes.label(row['hearing_type']).capitalize()} hearing at {row['court']}{outcome}",
                row["id"],
            )
        )
    for row in db.query("SELECT * FROM episodes WHERE client_id = ?", [client_id]):
        pathway = codes.label(row["pathway"])
        items.append(
            TimelineItem(
                _at(row["referral_date"]),
                "episode",
                f"Referred ({pathway}, from {codes.label(row['referral_source'])})",
                row["id"],
            )
        )
        if row["start_date"]:
            items.append(TimelineItem(_at(row["start_date"]), "episode", f"Started ({pathway})", row["id"]))
        if row["discharge_date"]:
            items.append(
                TimelineItem(
                    _at(row["discharge_date"]),
                    "episode",
                    f"Discharged: {codes.label(row['discharge_reason'])}",
                    row["id"],
                )
            )
    for row in db.query("SELECT * FROM releases WHERE client_id = ?", [client_id]):
        if row["actual_date"]:
            items.append(TimelineItem(_at(row["actual_date"]), "release", "Released from prison", row["id"]))
        else:
            items.append(TimelineItem(_at(row["expected_date"]), "release", "Release expected", row["id"]))
    for row in db.query("SELECT * FROM goals WHERE client_id = ?", [client_id]):
        items.append(TimelineItem(_at(row["set_date"]), "goal", f"Goal set ({codes.label(row['domain'])})", row["id"]))
        if row["closed_date"]:
            items.append(
                TimelineItem(_at(row["closed_date"]), "goal", f"Goal closed: {codes.label(row['status'])}", row["id"])
            )
    for row in db.query("SELECT id, top_date, stage, setting FROM tops WHERE client_id = ?", [client_id]):
        where = ", custody" if row["setting"] == "custody" else ""
        items.append(TimelineItem(_at(row["top_date"]), "top", f"TOP ({codes.label(row['stage'])}{where})", row["id"]))
    items += clinical_timeline(db, client_id)
    items.sort(key=lambda i: i.at, reverse=True)
    return items


def clinical_timeline(db: sqlite_utils.Database, client_id: int) -> list[TimelineItem]:
    """A client's interventions, safeguarding concerns and death, for the timeline."""
    items = []
    for row in db.query("SELECT id, kind, intervention_date FROM interventions WHERE client_id = ?", [client_id]):
        label = codes.INTERVENTION_LABEL[row["kind"]].removesuffix(" (say what in the notes)")
        items.append(TimelineItem(_at(row["intervention_date"]), "intervention", label, row["id"]))
    for row in db.query("SELECT * FROM safeguarding WHERE client_id = ?", [client_id]):
        concern = f"Safeguarding concern ({codes.label(row['category'])})"
        items.append(TimelineItem(_at(row["raised_date"]), "safeguarding", f"{concern} raised", row["id"]))
        if row["closed_date"]:
            items.append(TimelineItem(_at(row["closed_date"]), "safeguarding", f"{concern} closed", row["id"]))
    for row in db.query("SELECT id, date_of_death FROM deaths WHERE client_id = ?", [client_id]):
        items.append(TimelineItem(_at(row["date_of_death"]), "death", "Died", row["id"]))
    return items


# How a contact reads on the timeline: what was done, not an appointment's outcome.
CONTACT_WORDS = {
    "attempted_contact": "Tried to reach the client",
    "text_message": "Text sent",
    "letter": "Letter sent",
    "professional_contact": "Spoke with a professional",
}


def session_summary(kind: str, status: str, notes: str | None = None) -> str:
    """A session as the timeline says it: an appointment and its outcome, or a contact and its line."""
    if kind in codes.CONTACT_KIND:
        words = CONTACT_WORDS[kind] if status == "attended" else f"{codes.label(kind).capitalize()} to make"
        return words + (f": {notes}" if notes else "")
    return f"{codes.label(kind).capitalize()}: {codes.label(status)}"


def _at(text: str) -> datetime:
    if len(text) > 10:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    return datetime.fromisoformat(text)


def audit_trail(db: sqlite_utils.Database, client_id: int) -> list[AuditEntry]:
    """Every audit row about one client, latest first: this caseload's, then those that came with
    the client from a colleague's caseload (a handover), each saying where it was written."""
    own = [
        AuditEntry.from_row(row)
        for row in db.query("SELECT * FROM audit WHERE client_id = ? ORDER BY id DESC", [client_id])
    ]
    carried = [
        AuditEntry(
            row["id"],
            row["at"],
            row["action"],
            row["entity"],
            row["record_id"],
            row["client_id"],
            f"{row['detail']}{'; ' if row['detail'] else ''}on {row['label']}",
        )
        for row in db.query(
            "SELECT c.id, c.at, c.action, c.entity, c.record_id, c.client_id, c.detail, s.label "
            "FROM audit_carried c JOIN audit_sources s ON s.id = c.source_id "
            "WHERE s.client_id = ? AND s.kind = 'handover' ORDER BY s.id DESC, c.id DESC",
            [client_id],
        )
    ]
    return own + carried


RELEASE_WINDOW_DAYS = 21
GATE_TIME = "08:00"  # prisons release in the morning: a gate pick-up booked with no time is put here
DNA_WINDOW_DAYS = 28
NO_CONTACT_DAYS = 28
WAITING_DAYS = 21
# A review hearing this close with no progress report sent since the last review asks for one;
# an order ending this close is shown, to plan its end.
REPORT_AHEAD_DAYS = 14
ORDER_ENDING_DAYS = 14


def actions(db: sqlite_utils.Database, now: datetime, keyworker: str | None = None) -> list[ActionItem]:
    """The things on the caseload that need action now, each with its reason, most urgent first;
    with `keyworker`, only for that keyworker's clients."""
    today = now.date()
    now_text = now.strftime("%Y-%m-%d %H:%M")
    name = "c.first_name || ' ' || c.last_name AS client_name, c.client_ref, c.first_name, c.last_name"
    found: list[ActionItem] = []

    def add(kind: str, sql: str, params: list, reason) -> None:
        for row in db.query(sql, params):
            found.append(
                ActionItem(
                    kind,
                    row["client_id"],
                    row["client_ref"],
                    row["client_name"],
                    reason(row),
                    row.get("record_id"),
                    row["first_name"],
                    row["last_name"],
                )
            )

    found += _absences_to_report(db, name)
    add(
        "progress_report_due",
        f"""SELECT d.client_id, d.id AS record_id, d.hearing_at, {TITLE_SQL} AS order_title, {name}
            FROM court_dates d JOIN clients c ON c.id = d.client_id
            JOIN orders o ON o.client_id = d.client_id AND o.sentence_date <= substr(d.hearing_at, 1, 10)
                 AND (o.outcome_date IS NULL OR o.outcome_date >= substr(d.hearing_at, 1, 10))
            WHERE d.hearing_type = 'review' AND d.hearing_at >= ? AND d.hearing_at < ? AND {NOT_ADJOURNED}
              AND NOT EXISTS (
                  SELECT 1 FROM order_events p WHERE p.client_id = o.client_id AND p.sentence_date = o.sentence_date
                  AND p.kind = 'progress_report_sent'
                  AND p.event_date > coalesce(
                      (SELECT max(r.event_date) FROM order_events r WHERE r.client_id = o.client_id
                       AND r.sentence_date = o.sentence_date AND r.kind = 'review'),
                      date(o.sentence_date, '-1 day')))
            ORDER BY d.hearing_at""",
        [today.isoformat(), (today + timedelta(days=REPORT_AHEAD_DAYS + 1)).isoformat()],
        lambda r: f"Progress report due: review hearing {_short(r['hearing_at'])}, {r['order_title']}",
    )
    add(
        "order_ends",
        f"""SELECT o.client_id, o.id AS record_id, {ORDER_END_SQL} AS order_end, {TITLE_SQL} AS order_title, {name}
            FROM orders o JOIN clients c ON c.id = o.client_id
            WHERE o.outcome IS NULL AND {ORDER_END_SQL} BETWEEN ? AND ?
            ORDER BY order_end""",
        [today.isoformat(), (today + timedelta(days=ORDER_ENDING_DAYS)).isoformat()],
        lambda r: _order_ends_reason(today, date.fromisoformat(r["order_end"]), r["order_title"]),
    )
    add(
        "consent_ended",
        f"""SELECT k.client_id, k.id AS record_id, k.agency, k.expires_date, k.withdrawn_date, {name}
            FROM consents k JOIN clients c ON c.id = k.client_id
            WHERE k.lawful_basis = 'consent'
              AND (k.withdrawn_date <= ? OR (k.withdrawn_date IS NULL AND k.expires_date < ?))
              AND EXISTS (SELECT 1 FROM episodes e WHERE e.client_id = k.client_id AND e.discharge_date IS NULL)
              AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.client_id = k.client_id AND n.agency = k.agency
                              AND n.given_date > k.given_date)
            ORDER BY k.agency""",
        [today.isoformat(), today.isoformat()],
        lambda r: (
            f"Consent to share with {r['agency']} withdrawn {_short(r['withdrawn_date'])}"
            if r["withdrawn_date"]
            else f"Consent to share with {r['agency']} expired {_short(r['expires_date'])}"
        ),
    )
    add(
        "court_tomorrow",
        f"""SELECT d.client_id, d.id AS record_id, d.hearing_at, d.court, d.hearing_type, {name}
            FROM court_dates d JOIN clients c ON c.id = d.client_id
            WHERE d.hearing_at >= ? AND d.hearing_at < ? AND {NOT_ADJOURNED} ORDER BY d.hearing_at""",
        [(today + timedelta(days=1)).isoformat(), (today + timedelta(days=2)).isoformat()],
        lambda r: f"Court tomorrow {r['hearing_at'][11:]}: {codes.label(r['hearing_type'])}, {r['court']}",
    )
    found += release_actions(db, today)
    add(
        "dna_follow_up",
        f"""WITH dnas AS (
                SELECT client_id, max(starts_at) AS last_dna, count(*) AS dnas FROM sessions
                WHERE status = 'dna' AND starts_at >= ? AND starts_at <= ?
                GROUP BY client_id HAVING count(*) >= 2)
            SELECT d.client_id, d.last_dna, d.dnas, {name}
            FROM dnas d JOIN clients c ON c.id = d.client_id
            WHERE NOT EXISTS (SELECT 1 FROM sessions f WHERE f.client_id = d.client_id
                              AND f.status = 'attended' AND f.starts_at > d.last_dna
                              AND f.starts_at <= ?
                              AND f.kind IN {FOLLOWED_UP_BY})
              AND NOT EXISTS (SELECT 1 FROM case_notes n WHERE n.client_id = d.client_id
                              AND n.written_at > d.last_dna)
            ORDER BY d.last_dna""",
        [(today - timedelta(days=DNA_WINDOW_DAYS)).isoformat(), now_text, now_text],
        lambda r: f"{r['dnas']} DNAs in 28 days, no follow-up since {_short(r['last_dna'], False)}",
    )
    add(
        "outcome_missing",
        f"""SELECT s.client_id, s.id AS record_id, s.starts_at, s.kind, {name}
            FROM sessions s JOIN clients c ON c.id = s.client_id
            WHERE s.status = 'scheduled' AND s.starts_at < ? AND s.kind IN {APPOINTMENTS} ORDER BY s.starts_at""",
        [now_text],
        lambda r: f"{codes.label(r['kind']).capitalize()} {_short(r['starts_at'])}: outcome not recorded",
    )
    add(
        "goal_review_overdue",
        f"""SELECT g.client_id, g.id AS record_id, g.review_date, g.domain, {name}
            FROM goals g JOIN clients c ON c.id = g.client_id
            WHERE g.status = 'open' AND g.review_date < ? ORDER BY g.review_date""",
        [today.isoformat()],
        lambda r: f"Goal review overdue since {_short(r['review_date'])} ({codes.label(r['domain'])})",
    )
    add(
        "waiting_to_start",
        f"""SELECT e.client_id, e.id AS record_id, e.referral_date, {name}
            FROM episodes e JOIN clients c ON c.id = e.client_id
            WHERE e.discharge_date IS NULL AND e.start_date IS NULL AND e.referral_date <= ?
            ORDER BY e.referral_date""",
        [(today - timedelta(days=WAITING_DAYS)).isoformat()],
        lambda r: f"Referred {(today - date.fromisoformat(r['referral_date'])).days} days ago, not started",
    )
    add(
        "no_contact",
        f"""SELECT e.client_id, e.id AS record_id, e.referral_date,
                   (SELECT max(s.starts_at) FROM sessions s WHERE s.client_id = e.client_id
                      AND s.status = 'attended' AND s.kind IN {APPOINTMENTS}) AS last_seen, {name}
            FROM episodes e JOIN clients c ON c.id = e.client_id
            WHERE e.discharge_date IS NULL AND e.referral_date <= ?
              AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = e.client_id
                              AND s.status = 'attended' AND s.starts_at >= ? AND s.kind IN {APPOINTMENTS})
            ORDER BY last_seen""",
        [(today - timedelta(days=NO_CONTACT_DAYS)).isoformat(), (today - timedelta(days=NO_CONTACT_DAYS)).isoformat()],
        lambda r: (
            ("Not seen since " + _short(r["last_seen"], False) if r["last_seen"] else "Not seen since referral")
            + ": review for closure"
        ),
    )
    from cjcase.services.safeguarding import STALE_SQL, stale_before

    add(
        "safeguarding_no_update",
        STALE_SQL.format(name=name),
        [stale_before(today)],
        lambda r: (
            f"Safeguarding concern ({codes.label(r['category'])}, raised with {r['raised_with']}) open, "
            f"no update since {_short(r['updated_on'])}"
        ),
    )
    # A client who died is closed for the agenda: nothing of theirs needs action (DOMAIN.md).
    died = {row[0] for row in db.execute("SELECT client_id FROM deaths").fetchall()}
    found = [item for item in found if item.client_id not in died]
    if keyworker is not None:
        theirs = {row[0] for row in db.execute("SELECT id FROM clients WHERE keyworker = ?", [keyworker])}
        found = [item for item in found if item.client_id in theirs]
    return found


def _order_ends_reason(today: date, end: date, title: str) -> str:
    days = (end - today).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return f"Order ends {when} ({end.day} {end:%b}): {title}"


_ABSENCE_WORD = {"dna": "DNA", "attended_left_early": "left early"}


def release_actions(db: sqlite_utils.Database, today: date) -> list[ActionItem]:
    """Releases that ask for something: one released and not engaged while its window is open
    (cleared only by engagement or an exclusion, never by a gate pick-up or a phone call), one in
    the next 3 days with no first appointment booked, and every release due in the next 14 days
    with its checklist and what is still missing."""
    from cjcase.domain.releases import NO_APPOINTMENT_DAYS, days_left, missing
    from cjcase.services.releases import Releases

    releases = Releases(db, Clock(today))
    found = []

    def item(kind: str, view, reason: str) -> ActionItem:
        return ActionItem(
            kind,
            view.release.client_id,
            view.client_ref,
            view.client_name,
            reason,
            view.release.id,
            view.first_name,
            view.last_name,
        )

    for view in releases.in_window(today):
        if view.status != "pending":
            continue
        released = view.release.actual_date
        assert released is not None  # in its window
        left = days_left(view.release, today)
        reason = f"Released {released:%a} {released.day} {released:%b}, not engaged: {left} day{'s' if left != 1 else ''} left"
        if view.met_at_gate:
            reason += " (met at the gate)"
        found.append(item("release_not_engaged", view, reason))
    for view in releases.due_soon():
        expected = view.release.expected_date
        to_go = (expected - today).days
        when = (
            "today"
            if to_go == 0
            else f"in {to_go} day{'s' if to_go != 1 else ''}"
            if to_go > 0
            else f"{-to_go} day{'s' if to_go != -1 else ''} ago (not recorded)"
        )
        gaps = missing(view.release)
        if 0 <= to_go <= NO_APPOINTMENT_DAYS and not view.release.first_appointment_at:
            found.append(item("release_no_appointment", view, f"Released {when}, no first appointment booked"))
        checklist_text = "missing " + ", ".join(gaps) if gaps else "checklist complete"
        found.append(
            item(
                "release_due",
                view,
                f"Due for release {when} ({expected:%a} {expected.day} {expected:%b}): {checklist_text}",
            )
        )
    return found


def _short(text: str | None, with_time: bool = True) -> str:
    if not text:
        return ""
    day = date.fromisoformat(text[:10])
    return f"{day.day} {day:%b}" + (f" {text[11:16]}" if with_time and len(text) > 10 else "")


def reminders(db: sqlite_utils.Database, now: datetime) -> list[str]:
    """What a keyworker is reminded of at start-up: today's appointments, tomorrow's hearings,
    prison releases in the next 3 days."""
    today = now.date()
    found = []
    appointments = db.execute(
        f"SELECT count(*) FROM sessions WHERE status = 'scheduled' AND starts_at >= ? AND starts_at < ? "
        f"AND kind IN {APPOINTMENTS}",
        [today.isoformat(), (today + timedelta(days=1)).isoformat()],
    ).fetchone()[0]
    if appointments:
        found.append(f"{appointments} appointment{'s' if appointments != 1 else ''} today.")
    hearings = db.execute(
        f"SELECT count(*) FROM court_dates d WHERE hearing_at >= ? AND hearing_at < ? AND {NOT_ADJOURNED} "
        f"AND {_not_after_death('d.client_id', 'd.hearing_at')}",
        [(today + timedelta(days=1)).isoformat(), (today + timedelta(days=2)).isoformat()],
    ).fetchone()[0]
    if hearings:
        found.append(f"{hearings} court hearing{'s' if hearings != 1 else ''} tomorrow.")
    releases = db.execute(
        "SELECT count(*) FROM releases WHERE actual_date IS NULL AND coc_exclusion IS NULL AND expected_date BETWEEN ? AND ?",
        [today.isoformat(), (today + timedelta(days=3)).isoformat()],
    ).fetchone()[0]
    if releases:
        found.append(f"{releases} prison release{'s' if releases != 1 else ''} in the next 3 days.")
    return found


def court_run_sheet(db: sqlite_utils.Database, day: date) -> list[dict]:
    """Each hearing on a day, for the court-duty worker: time, court, client, type, keyworker,
    the order a review hearing reviews, and what the client needs on the day (not a hearing
    adjourned to another day)."""
    return list(
        db.query(
            f"""SELECT d.id, d.hearing_at, d.court, d.hearing_type, d.support_needed,
                  c.first_name, c.last_name, c.client_ref, c.keyworker, {REVIEWED_ORDER_SQL} AS order_title
           FROM court_dates d JOIN clients c ON c.id = d.client_id
           WHERE d.hearing_at >= ? AND d.hearing_at < ? AND {NOT_ADJOURNED}
             AND {_not_after_death("d.client_id", "d.hearing_at")}
           ORDER BY d.court, d.hearing_at""",
            [day.isoformat(), (day + timedelta(days=1)).isoformat()],
        )
    )


def calendar_entries(db: sqlite_utils.Database, start: date, end: date, keyworker: str | None = None) -> list[dict]:
    """Booked appointments and hearings from `start` to `end`, for a calendar feed. A hearing
    adjourned to another date, and an appointment cancelled or rearranged, come with `cancelled`
    set, so a phone that has them drops them."""
    after = (end + timedelta(days=1)).isoformat()
    who = "AND c.keyworker = ?" if keyworker else ""
    extra = [keyworker] if keyworker else []
    sessions = db.query(
        f"""SELECT 'session' AS source, s.id, s.starts_at AS at, s.kind, s.duration_minutes,
                   NULL AS court, c.first_name, c.last_name, s.status != 'scheduled' AS cancelled
            FROM sessions s JOIN clients c ON c.id = s.client_id
            WHERE s.status IN ('scheduled', 'cancelled_client', 'cancelled_service', 'rearranged',
                               'client_in_custody', 'client_in_hospital', 'prison_regime_cancelled')
              AND s.starts_at >= ? AND s.starts_at < ? AND s.kind IN {APPOINTMENTS} {who}""",
        [start.isoformat(), after, *extra],
    )
    hearings = db.query(
        f"""SELECT 'court' AS source, d.id, d.hearing_at AS at, d.hearing_type AS kind,
                   NULL AS duration_minutes, d.court, c.first_name, c.last_name,
                   NOT {NOT_ADJOURNED} AS cancelled
            FROM court_dates d JOIN clients c ON c.id = d.client_id
            WHERE d.hearing_at >= ? AND d.hearing_at < ? {who}""",
        [start.isoformat(), after, *extra],
    )
    # A gate pick-up booked on a release's checklist is an appointment like any other (at the
    # prison's usual release time), unless it is booked as a session already.
    gate_pickups = db.query(
        f"""SELECT 'release' AS source, r.id, r.expected_date || ' {GATE_TIME}' AS at, 'gate_pickup' AS kind,
                   120 AS duration_minutes, r.prison AS court, c.first_name, c.last_name, 0 AS cancelled
            FROM releases r JOIN clients c ON c.id = r.client_id
            WHERE r.gate_pickup_booked = 'yes' AND r.actual_date IS NULL AND r.coc_exclusion IS NULL
              AND r.expected_date BETWEEN ? AND ? {who}
              AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = r.client_id AND s.kind = 'gate_pickup'
                              AND substr(s.starts_at, 1, 10) = r.expected_date)""",
        [start.isoformat(), end.isoformat(), *extra],
    )
    return sorted([*sessions, *hearings, *gate_pickups], key=lambda r: (r["at"], r["source"], r["id"]))


def _absences_to_report(db: sqlite_utils.Database, name: str) -> list[ActionItem]:
    """A DNA, or an appointment left early, with no `notified_at`, on a day requirements were in
    force or at an RA stage (an RA stage is itself a Required Assessment the police are told of):
    one action for each agency to tell (DOMAIN.md "Absences to report")."""
    from cjcase.domain.model import Requirement
    from cjcase.services.requirements import by_agency, short, who

    sessions: dict[int, tuple[dict, list[Requirement]]] = {}
    for row in db.query(
        f"""SELECT s.client_id, s.id AS record_id, s.starts_at, s.status, r.id AS requirement_id, r.requirement,
                   r.start_date, r.end_date, r.agency_to_notify, r.notify_contact, {name}
            FROM requirements r  -- CROSS JOIN: drive from the few clients with a requirement
            CROSS JOIN sessions s ON s.client_id = r.client_id AND s.status IN ('dna', 'attended_left_early')
                 AND s.notified_at IS NULL AND s.starts_at >= r.start_date
                 AND (r.end_date IS NULL OR substr(s.starts_at, 1, 10) <= r.end_date)
            JOIN clients c ON c.id = r.client_id
            ORDER BY s.starts_at, s.id, r.requirement""",
    ):
        requirement = Requirement.from_row({**row, "id": row["requirement_id"]})
        sessions.setdefault(row["record_id"], (row, []))[1].append(requirement)
    for row in db.query(
        f"""SELECT s.client_id, s.id AS record_id, s.starts_at, s.status, {name}
            FROM sessions s JOIN clients c ON c.id = s.client_id
            WHERE s.requirement IN ('ra_initial', 'ra_followup') AND s.status IN ('dna', 'attended_left_early')
              AND s.notified_at IS NULL
            ORDER BY s.starts_at""",
    ):
        found = sessions.setdefault(row["record_id"], (row, []))[1]
        if not any(r.requirement == "required_assessment" for r in found):
            day = date.fromisoformat(row["starts_at"][:10])
            found.append(Requirement(0, row["client_id"], "required_assessment", day))
    items = []
    for row, found in sorted(sessions.values(), key=lambda item: (item[0]["starts_at"], item[0]["record_id"])):
        what = _ABSENCE_WORD[row["status"]]
        for agency, theirs in by_agency(sorted(found, key=lambda r: codes.REQUIREMENT.index(r.requirement))):
            items.append(
                ActionItem(
                    "notify",
                    row["client_id"],
                    row["client_ref"],
                    row["client_name"],
                    f"Notify {who(agency, theirs)} today: {short(theirs)} {what} {_short(row['starts_at'])}",
                    row["record_id"],
                    row["first_name"],
                    row["last_name"],
                )
            )
    return items


def still_to_come(sessions: list, hearings: list, now: datetime, died: date | None) -> tuple[list, list]:
    """A client's appointments still booked (soonest first) and hearings still to come, for the
    record; nothing for a client who died (DOMAIN.md, deaths)."""
    if died is not None:
        return [], []
    booked = sorted((s for s in sessions if s.starts_at >= now and s.status == "scheduled"), key=lambda s: s.starts_at)
    return booked, [h for h in hearings if h.hearing_at >= now]
