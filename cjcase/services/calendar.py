"""The agenda outside the program: a printable page and an iCalendar file a phone can import."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlite_utils

from cjcase.domain import codes
from cjcase.domain.privacy import initials
from cjcase.services import agenda, settings

LONDON = "Europe/London"
KIND_LABEL = {"gate_pickup": "Gate pick-up", "court_support": "Court support", "prison_visit": "Prison visit"}


def event_uid(db: sqlite_utils.Database, source: str, record_id: int) -> str:
    """A UID stable across exports (so re-importing updates rather than duplicates) that says
    nothing about the client: a keyed hash of the record."""
    from cjcase.services.keys import get_key

    digest = hmac.new(get_key(db), f"{source}:{record_id}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{digest}@cjcase"


def to_ics(db: sqlite_utils.Database, start: date, end: date, keyworker: str | None = None) -> bytes:
    """An iCalendar file of the appointments and hearings from `start` to `end`.

    By default each event says only "Appointment": naming a kind such as court tells a calendar
    provider that someone is in the justice system. Initials, kind and location appear only when
    the organisation turns them on. A hearing adjourned to another date keeps its UID and is
    marked cancelled, so re-importing the file takes it off the phone.
    """
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    zone = ZoneInfo(LONDON)
    show_initials = settings.get(db, "ics_initials") == "yes"
    show_kind = settings.get(db, "ics_kind") == "yes"
    show_location = settings.get(db, "ics_location") == "yes"
    calendar = Calendar()
    calendar.add("prodid", "-//cjcase//agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", LONDON)
    stamp = datetime.now(tz=zone).replace(microsecond=0)
    for entry in agenda.calendar_entries(db, start, end, keyworker):
        begins = datetime.strptime(entry["at"], "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        minutes = entry["duration_minutes"] or (120 if entry["source"] == "court" else 60)
        summary = "Appointment"
        if show_kind:
            summary = (
                ("Court: " + codes.label(entry["kind"]))
                if entry["source"] == "court"
                else KIND_LABEL.get(entry["kind"], codes.label(entry["kind"]).capitalize())
            )
        if show_initials:
            summary += f" – {initials(entry['first_name'], entry['last_name'])}"
        event = Event()
        event.add("uid", event_uid(db, entry["source"], entry["id"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", begins)
        event.add("dtend", begins + timedelta(minutes=minutes))
        event.add("summary", summary)
        if show_location and entry["court"]:
            event.add("location", entry["court"])
        if entry["cancelled"]:
            event.add("status", "CANCELLED")
            event.add("sequence", 1)  # later than the booking a phone already holds
        calendar.add_component(event)
    # Outlook and Apple Calendar need the zone's rules in the file to place TZID times.
    calendar.add_missing_timezones()
    return calendar.to_ical()


def write_file(path: Path, content: bytes | str) -> Path:
    """Write an agenda file next to where the user asked, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
