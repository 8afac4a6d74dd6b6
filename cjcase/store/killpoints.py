"""Named moments where the crash harness may kill the program, to prove nothing is lost there.

`CJCASE_KILL_AT=<moment>` in the environment makes the process SIGKILL itself on reaching that
moment (tests/test_crash_safety.py); unset, as always outside the tests, it does nothing.
"""

from __future__ import annotations

import os
import signal
import sys


def reached(moment: str) -> None:
    """Die here, at once and without cleaning up, if the harness asked for this moment."""
    if os.environ.get("CJCASE_KILL_AT") == moment and sys.platform != "win32":
        os.kill(os.getpid(), signal.SIGKILL)
