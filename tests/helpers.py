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
    """A valid TOP form (all days 0, scores 10, every yes/no item no), with any field overridden."""
    from cjcase.domain.codes import TOP_DAY_FIELDS, TOP_V2_YES_NO_FIELDS

    values: dict = {name: 0 for name in TOP_DAY_FIELDS}
    values.update(dict.fromkeys(TOP_V2_YES_NO_FIELDS, "no"), tobacco_days=0, alcohol_units_per_drinking_day=0)
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
    if "alcohol_units_per_drinking_day" not in overrides and isinstance(values["alcohol_days"], int):
        values["alcohol_units_per_drinking_day"] = 6 if values["alcohol_days"] else 0  # the rule across items
    return values


def add_hearing(caseload: Caseload, client_id: int, values: dict):
    """A court hearing, its court first put on the organisation's list (a deliberate step)."""
    from cjcase.services import names

    names.add_name(caseload.db, "court", values["court"])
    return caseload.add_court_date(client_id, values)


def make_client(caseload: Caseload, **overrides):
    """A valid client, with any field overridden (a keyworker is put on the organisation's list)."""
    from cjcase.services import names

    if overrides.get("keyworker"):
        names.add_name(caseload.db, "keyworker", overrides["keyworker"])
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


def add_release(caseload: Caseload, client_id: int, released, **overrides):
    """A release from HMP Leeds expected on `released` and, unless that is after the caseload's today
    (or `actual_date` is overridden), happened then."""
    happened = released if released <= caseload.clock.today() else None
    values = {"prison": "HMP Leeds", "expected_date": released, "actual_date": happened}
    values.update(overrides)
    return caseload.releases.add(client_id, values)


def make_episode(caseload: Caseload, client_id: int, **overrides):
    """A valid episode for a client, with any field overridden; a v1 `prison_release_date` is
    recorded as the release it now is, and a v1 `legal_requirement` (and `notify_agency`) as a
    requirement from the referral date, as the referral form makes it."""
    from cjcase.services.requirements import Requirements

    released = overrides.pop("prison_release_date", None)
    if released:
        add_release(caseload, client_id, released)
    values = {
        "referral_date": date(2026, 1, 5),
        "referral_source": "self",
        "pathway": "community",
        "primary_substance": "heroin",
    }
    values.update(overrides)
    return Requirements(caseload).refer(client_id, values)


async def settle(pilot) -> None:
    """Let the app's background loads finish and the screen catch up."""
    from textual.worker import WorkerCancelled

    for _ in range(5):
        try:
            await pilot.app.workers.wait_for_complete()
            break
        except WorkerCancelled:
            continue  # a newer load replaced it (an exclusive worker): wait for that one instead
    await pilot.pause()


async def wait_until(pilot, condition, seconds: float = 20) -> None:
    """Let the app run until `condition()` holds (work started after a refresh, say); fail after `seconds`."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the app never got there"
        await pilot.pause(0.05)


# --- Running cjcase as a real process: killed at a named moment, or on a disk that is full ---

KILLER = r"""
import importlib, os, signal, sys
target, nth, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
module_name, name = target.split(":")
module = importlib.import_module(module_name)
original, calls = getattr(module, name), [0]
def killing(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    if calls[0] == nth and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(module, name, killing)
sys.argv = ["cjcase", *sys.argv[4:]]
from cjcase.launch import main
main()
"""


def run_cjcase(*args: str, env: dict | None = None, stdin: str | None = None):
    """`cjcase ARGS` in a process of its own (the clock pinned to the sample's day)."""
    import os
    import subprocess
    import sys

    environment = {**os.environ, "CJCASE_TODAY": SAMPLE_TODAY.isoformat(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cjcase", *args],
        capture_output=True,
        text=True,
        env=environment,
        input=stdin,
        timeout=120,
    )


def run_killed_at(moment: str, *args: str, nth: int = 1, when: str = "before", env: dict | None = None):
    """`cjcase ARGS`, killed with SIGKILL at a named moment: the `nth` call of `moment`
    ("package.module:function"), `before` it runs or `after` it returns. Returns the process's
    result; its return code is -9 when the moment came."""
    import os
    import subprocess
    import sys

    environment = {**os.environ, "CJCASE_TODAY": SAMPLE_TODAY.isoformat(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", KILLER, moment, str(nth), when, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


class SmallDisk:
    """A small tmpfs mounted in a test's folder: a real file system that fills up."""

    def __init__(self, folder: Path, size_kb: int):
        self.folder = folder
        self.size_kb = size_kb

    def __enter__(self) -> SmallDisk:
        import subprocess

        import pytest

        self.folder.mkdir(parents=True, exist_ok=True)
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_kb}k", "tmpfs", str(self.folder)], capture_output=True
        )
        if mounted.returncode != 0:
            pytest.skip("a small tmpfs cannot be mounted here (needs root)")
        return self

    def fill(self, leave_kb: int = 0) -> None:
        """Fill the disk, leaving about `leave_kb` free."""
        import os

        stats = os.statvfs(self.folder)
        free = stats.f_bavail * stats.f_frsize - leave_kb * 1024
        if free > 0:
            try:
                with open(self.folder / "filler", "wb") as handle:
                    handle.write(b"\0" * free)
            except OSError:
                pass  # full already

    def free(self) -> None:
        """Make room again."""
        (self.folder / "filler").unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        import subprocess

        subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)


def write_sample_caseload(path: Path) -> Path:
    """A closed caseload file holding the sample caseload (its daily backup taken)."""
    from cjcase.services.caseload_file import open_caseload
    from cjcase.services.importing.importer import import_path

    db = open_caseload(path)
    try:
        import_path(db, SAMPLE, SAMPLE_TODAY)
    finally:
        db.close()
    db = open_caseload(path)  # the day's backup, now that it holds clients
    db.close()
    return path


def client_names(path: Path, passphrase: str | None = None) -> list[str]:
    """Every client's surname in a caseload file, opened read-only."""
    from cjcase.services.caseload_file import open_caseload

    db = open_caseload(path, read_only=True, passphrase=passphrase)
    try:
        return [row[0] for row in db.execute("SELECT last_name FROM clients ORDER BY id")]
    finally:
        db.close()


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
    # The app takes keys one at a time (tui/key_order.py): wait until the last has been handled.
    for _ in range(500):
        queue = getattr(app, "keys", None)
        if queue is None or (not queue.held and queue.in_flight is None):
            break
        await pilot.pause(0.01)
    await settle(pilot)


_KEY_NAMES = {"tab", "enter", "escape", "space", "up", "down", "left", "right", "backspace", "home", "end"}


def _key_names(item: str) -> list[str]:
    """One key name, or the characters of a text."""
    if item in _KEY_NAMES or item.startswith(("ctrl+", "shift+", "alt+")) or len(item) == 1:
        return [item]
    return list(item)


def run_killed_at_point(point: str, *args: str, env: dict | None = None, stdin: str | None = None) -> None:
    """`cjcase ARGS` with the program told to SIGKILL itself on reaching the kill point `point`
    (a moment inside a function, named in the code with cjcase/store/killpoints.py), checked to
    have died there."""
    import os
    import signal
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "cjcase", *args],
        env={**os.environ, **(env or {}), "CJCASE_KILL_AT": point},
        capture_output=True,
        text=True,
        input=stdin or "",
    )
    assert result.returncode == -signal.SIGKILL, f"not killed at {point}: {result.returncode} {result.stderr}"


def report_kills(moment: str, kills: int, lost: int) -> str:
    """The harness's figure for one moment, printed so a run with -s can be quoted."""
    line = f"{kills} kills at moment {moment}, {lost} lost"
    print(line)
    return line
