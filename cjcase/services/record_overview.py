"""What the top of a client's record says is coming: the release from custody it shows. One small
reader, so the record does not depend on how releases are stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlite_utils

from cjcase.domain.clock import Clock
from cjcase.domain.releases import days_left
from cjcase.services.releases import Releases


@dataclass(frozen=True)
class ReleaseShown:
    """The release the record shows: its day, whether it has happened, its continuity status
    (due, pending, engaged, not_engaged, excluded) and the days left of its window."""

    day: date
    happened: bool
    status: str
    days_left: int | None
    prison: str | None


def release_shown(db: sqlite_utils.Database, clock: Clock, client_id: int) -> ReleaseShown | None:
    """The client's due release (its expected date), else the latest one; None if they have none."""
    current = Releases(db, clock).current(client_id)
    if current is None:
        return None
    release, status = current
    left = days_left(release, clock.today()) if status == "pending" else None
    return ReleaseShown(release.link_date, release.actual_date is not None, status, left, release.prison)
