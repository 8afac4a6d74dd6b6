"""The agenda's "my clients" view: whose clients the person at this laptop holds, and whether the
agenda shows only theirs. Remembered on the laptop (store/laptop.py), not in the caseload."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from cjcase.services import names
from cjcase.store import laptop

KEYWORKER = "my_keyworker"
ON = "agenda_my_clients"


@dataclass(frozen=True)
class MyClients:
    """Whose clients are "mine" on this laptop (None: not chosen yet), and whether the agenda shows only theirs."""

    keyworker: str | None
    on: bool


def remembered(db: sqlite_utils.Database) -> MyClients:
    """What the laptop remembers, for this caseload: a keyworker this organisation's list does not
    hold (another caseload's, or one since taken off) counts as not chosen."""
    values = laptop.read_laptop()
    name = values.get(KEYWORKER)
    listed = {known.casefold(): known for known in names.known(db, "keyworker")}
    keyworker = listed.get(name.casefold()) if isinstance(name, str) else None
    return MyClients(keyworker, bool(values.get(ON)) and keyworker is not None)


def remember(choice: MyClients) -> str | None:
    """Keep the choice on this laptop; a sentence when it could not be kept (it still holds
    until cjcase closes)."""
    try:
        laptop.remember({KEYWORKER: choice.keyworker, ON: choice.on})
    except OSError as error:
        return (
            f"This laptop could not remember the choice ({error.strerror or error}): "
            f"check that {laptop.laptop_file().parent} can be written."
        )
    return None
