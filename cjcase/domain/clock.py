"""The one clock of the program: the real one, or CJCASE_TODAY for tests and checks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from cjcase.domain.errors import CjcaseError


@dataclass(frozen=True)
class Clock:
    """Tells today's date and the time now; `fixed_day` pins the day and `fixed_time` (for
    tests) the time of day; otherwise both are real."""

    fixed_day: date | None = None
    fixed_time: time | None = None

    @classmethod
    def from_environment(cls) -> Clock:
        """A clock pinned by CJCASE_TODAY=YYYY-MM-DD when that is set, else the real one."""
        value = os.environ.get("CJCASE_TODAY", "").strip()
        if not value:
            return cls()
        try:
            return cls(date.fromisoformat(value))
        except ValueError:
            raise CjcaseError(
                f"CJCASE_TODAY is '{value}', which is not a date: set it as YYYY-MM-DD or unset it."
            ) from None

    @property
    def is_fixed(self) -> bool:
        """True when the day is pinned rather than read from the computer."""
        return self.fixed_day is not None

    def today(self) -> date:
        """Today's date."""
        return self.fixed_day or date.today()

    def now(self) -> datetime:
        """The time now, to the minute, on today's date."""
        real = datetime.now().replace(second=0, microsecond=0)
        return datetime.combine(self.fixed_day or real.date(), self.fixed_time or real.time())

    def shown(self, moment_utc: datetime) -> datetime:
        """A moment the computer recorded (UTC, as the audit log keeps it) on this clock: in local
        time, and moved as far as the clock is pinned away from the real now, so it sits beside
        the program's other dates (a row written just now reads as now)."""
        aware = moment_utc if moment_utc.tzinfo else moment_utc.replace(tzinfo=UTC)
        local = aware.astimezone().replace(tzinfo=None)
        if not self.is_fixed:
            return local
        real_now = datetime.now().replace(second=0, microsecond=0)
        return local + (self.now() - real_now)
