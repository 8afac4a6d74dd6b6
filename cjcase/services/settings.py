"""The organisation's settings: what each means, its allowed values, and reading and writing them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from cjcase.domain.errors import CjcaseError
from cjcase.domain.privacy import NAME_STYLES
from cjcase.services.audit import write_audit


@dataclass(frozen=True)
class Setting:
    """A setting the organisation may change."""

    key: str
    default: str
    help: str
    choices: tuple[str, ...] = ()


SETTINGS = {
    s.key: s
    for s in (
        Setting("organisation", "", "The organisation named on return covers."),
        Setting("name_display", "full", "How read-only views and printouts name clients.", NAME_STYLES),
        Setting("ics_initials", "no", "Calendar events show the client's initials.", ("yes", "no")),
        Setting("ics_kind", "no", "Calendar events say the kind (court, gate pick-up…).", ("yes", "no")),
        Setting("ics_location", "no", "Calendar events give the court as location.", ("yes", "no")),
        Setting("lock_after_minutes", "5", "Minutes without use before an encrypted caseload locks."),
        Setting("peer_mentors", "", "Peer mentors who may be booked on sessions, separated by ;"),
        Setting("keyworkers", "", "Keyworkers clients may be allocated to, separated by ; (with those on records)."),
        Setting("courts", "", "Courts hearings may be at, separated by ; (with those on records)."),
        Setting(
            "backup_keep_days",
            "90",
            "Days a manual or pre-upgrade backup in backups/ is kept (daily and weekly ones rotate on their own).",
        ),
    )
}


def peer_mentors(db: sqlite_utils.Database) -> list[str]:
    """The organisation's peer mentors."""
    return [name.strip() for name in get(db, "peer_mentors").split(";") if name.strip()]


def get(db: sqlite_utils.Database, key: str) -> str:
    """A setting's value, or its default."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else SETTINGS[key].default


def set_value(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Change a setting, checking its value."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise CjcaseError(f"There is no setting '{key}': the settings are {', '.join(SETTINGS)}.")
    value = value.strip()
    if setting.choices and value not in setting.choices:
        raise CjcaseError(f"{key} is one of {', '.join(setting.choices)}, not '{value}'.")
    if key == "lock_after_minutes" and not (value.isdigit() and int(value) >= 1):
        raise CjcaseError("lock_after_minutes is a whole number of minutes, 1 or more.")
    if key == "backup_keep_days" and not (value.isdigit() and int(value) >= 1):
        raise CjcaseError("backup_keep_days is a whole number of days, 1 or more.")
    with db.atomic():
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )
        write_audit(db, "update", "settings", None, None, f"fields: {key}")
