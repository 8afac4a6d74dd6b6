"""Times a client cannot attend, as written on the compliance checklist: `mon-fri 08:30-09:30;
wed 14:00-16:00`. Pure: no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from cjcase.domain.errors import ValidationError

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLOT = re.compile(
    r"(?:(mon|tue|wed|thu|fri|sat|sun)[a-z]*(?:\s*-\s*(mon|tue|wed|thu|fri|sat|sun)[a-z]*)?\s+)?"
    r"(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})"
)


@dataclass(frozen=True)
class Slot:
    """A span of time on some weekdays (0 = Monday)."""

    weekdays: frozenset[int]
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        """True when the moment falls in the span on one of its days."""
        return moment.weekday() in self.weekdays and self.start <= moment.time() < self.end

    def __str__(self) -> str:
        days = sorted(self.weekdays)
        label = (
            "every day"
            if len(days) == 7
            else (
                f"{_DAYS[days[0]].capitalize()}-{_DAYS[days[-1]].capitalize()}"
                if days == list(range(days[0], days[-1] + 1)) and len(days) > 1
                else ", ".join(_DAYS[d].capitalize() for d in days)
            )
        )
        return f"{label} {self.start:%H:%M}-{self.end:%H:%M}"


def parse_slots(text: str | None) -> list[Slot]:
    """Read the times that do not work; raise ValidationError with an example when unreadable."""
    slots = []
    for part in (p.strip().lower() for p in (text or "").split(";")):
        if not part:
            continue
        match = _SLOT.fullmatch(part)
        if not match:
            raise ValidationError(
                "unavailable",
                f"'{part}' is not a time span: write e.g. mon-fri 08:30-09:30 or wed 14:00-16:00, separated by ;",
            )
        first, last, h1, m1, h2, m2 = match.groups()
        try:
            start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
        except ValueError:
            raise ValidationError("unavailable", f"'{part}' has a time that does not exist.") from None
        if end <= start:
            raise ValidationError("unavailable", f"'{part}' ends before it starts.")
        if first is None:
            days = frozenset(range(7))
        else:
            a, b = _DAYS.index(first), _DAYS.index(last or first)
            days = frozenset(range(a, b + 1)) if a <= b else frozenset([*range(a, 7), *range(0, b + 1)])
        slots.append(Slot(days, start, end))
    return slots
