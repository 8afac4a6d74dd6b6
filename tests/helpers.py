"""Helpers the tests share: the sample caseload, valid records to start from, letting the app settle.

Fixtures stay in conftest.py; anything a test imports by name lives here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cjcase.services.caseload import Caseload

SAMPLE = Path(__file__).parent / "data" / "sample"
SAMPLE_TODAY = date(2026, 11, 20)


def top_form(**overrides):
    """A valid TOP form (all days 0, scores 10), with any field overridden."""
    from cjcase.domain.codes import TOP_DAY_FIELDS

    values = {name: 0 for name in TOP_DAY_FIELDS}
    values.update(
        psych_health=10,
        phys_health=10,
        quality_of_life=10,
        assault="no",
        acute_housing_problem="no",
        date=date(2026, 1, 5),
        stage="start",
    )
    values.update(overrides)
    return values


def make_client(caseload: Caseload, **overrides):
    """A valid client, with any field overridden."""
    values = {
        "client_ref": "T-1",
        "first_name": "Jo",
        "last_name": "Bloggs",
        "date_of_birth": date(1990, 5, 17),
        "sex": "female",
        "ethnicity": "A",
    }
    values.update(overrides)
    return caseload.add_client(values)


def make_episode(caseload: Caseload, client_id: int, **overrides):
    """A valid episode for a client, with any field overridden."""
    values = {
        "referral_date": date(2026, 1, 5),
        "referral_source": "self",
        "pathway": "community",
        "primary_substance": "heroin",
    }
    values.update(overrides)
    return caseload.add_episode(client_id, values)


async def settle(pilot) -> None:
    """Let the app's background loads finish and the screen catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press_at_once(pilot, *keys: str) -> None:
    """Send keys the way a busy laptop's terminal delivers them: all queued before the app handles
    the first (Pilot's press waits for the app between keys), then let the app settle. A key is a
    Textual key name ("tab", "ctrl+s") or a text, typed a character at a time."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    app = pilot.app
    for item in keys:
        for key in _key_names(item):
            if len(key) == 1 and not key.isalnum():
                key = _character_to_key(key)
            char: str | None
            try:
                char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
            except KeyError:
                char = key if len(key) == 1 else None
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)
    await settle(pilot)
    await settle(pilot)


_KEY_NAMES = {"tab", "enter", "escape", "space", "up", "down", "left", "right", "backspace", "home", "end"}


def _key_names(item: str) -> list[str]:
    """One key name, or the characters of a text."""
    if item in _KEY_NAMES or item.startswith(("ctrl+", "shift+", "alt+")) or len(item) == 1:
        return [item]
    return list(item)
