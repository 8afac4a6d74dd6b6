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


def run_killed_at(moment: str, *args: str, env: dict | None = None) -> None:
    """Run `cjcase ARGS` with the crash harness told to SIGKILL it at `moment`, and check it died
    there (tests/test_crash_safety.py; cjcase/store/killpoints.py names the moments)."""
    import os
    import signal
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "cjcase", *args],
        env={**os.environ, **(env or {}), "CJCASE_KILL_AT": moment},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == -signal.SIGKILL, f"not killed at {moment}: {result.returncode} {result.stderr}"


def report_kills(moment: str, kills: int, lost: int) -> str:
    """The harness's figure for one moment, printed so a run with -s can be quoted."""
    line = f"{kills} kills at moment {moment}, {lost} lost"
    print(line)
    return line
