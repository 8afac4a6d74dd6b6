"""The command palette: every action of the screen in front, app-wide actions, and clients."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape


class ClientProvider(Provider):
    """Jump to any client by typing part of a name, an alias or a reference."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if len(query.strip()) < 2 or app.caseload is None:
            return
        from cjcase.domain.privacy import shows_contact_details

        with_birth_date = shows_contact_details(app.read_only, app.initials_only)

        rows = app.caseload.find(app.clock.now(), status="all", text=query, limit=20, by_birth_date=with_birth_date)
        for row in rows:
            shown = app.name_of(row.first_name, row.last_name, row.client_ref)
            label = f"Client: open {shown}" + ("" if row.client_ref in shown else f" ({row.client_ref})")
            yield Hit(
                90,
                # A name is text, not markup: "[/bold]Ann" is shown as typed.
                self.matcher(query).highlight(escape(label)),
                partial(app.open_client, row.client_id),
                help=f"born {row.date_of_birth:%d/%m/%Y} · {row.status}" if with_birth_date else row.status,
            )

    async def discover(self) -> Hits:
        yield DiscoveryHit("Client: find…", self.app.action_caseload, help="Type a name or reference here")
