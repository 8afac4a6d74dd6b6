"""The one typed door from a screen or dialog to the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cjcase.services.caseload import Caseload
    from cjcase.services.custody import Custody
    from cjcase.services.engagement import Engagement
    from cjcase.services.orders import Orders
    from cjcase.services.requirements import Requirements


class ServiceDoor:
    """The one door from a screen or dialog to the services: the caseload façade and the
    engagement records, typed, built once by the app. Screens ask these; they never hold the
    database handle, build a service of their own or run a query."""

    @property
    def caseload(self) -> Caseload:
        """The caseload the app has open."""
        return self.app.caseload  # type: ignore[attr-defined]

    @property
    def engagement(self) -> Engagement:
        """The caseload's engagement records (checklist, absences, information sharing)."""
        return self.app.engagement  # type: ignore[attr-defined]

    @property
    def custody(self) -> Custody:
        """The caseload's custody events (arrests, tests on arrest, RA stages)."""
        return self.app.custody  # type: ignore[attr-defined]

    @property
    def requirements(self) -> Requirements:
        """The caseload's legal requirements."""
        return self.app.requirements  # type: ignore[attr-defined]

    @property
    def orders(self) -> Orders:
        """The caseload's community orders and their events."""
        return self.app.orders  # type: ignore[attr-defined]
