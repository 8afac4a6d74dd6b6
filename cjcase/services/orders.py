"""Community orders with treatment requirements and their events (DOMAIN.md "Community orders")."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cjcase.services.caseload import Caseload


class Orders:
    """A caseload's community orders and their events, written with their rules and audited."""

    def __init__(self, caseload: Caseload):
        self.caseload = caseload
        self.db = caseload.db
