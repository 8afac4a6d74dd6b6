"""A new referral (episode) for a client."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.model import Episode
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

EPISODE_FIELDS = [
    FormField("referral_date", "Referral date", "date", direction=PAST, required=True),
    FormField("referral_source", "Referred by", "select", code_options(codes.REFERRAL_SOURCE), required=True),
    FormField("pathway", "Pathway", "select", code_options(codes.PATHWAY), required=True),
    FormField("primary_substance", "Primary substance", "select", code_options(codes.SUBSTANCE), required=True),
    FormField("start_date", "Start date", "date", direction=PAST),
    FormField("order_start", "Order start", "date", direction=PAST),
    FormField("order_end", "Order end", "date", direction="future"),
    FormField("legal_requirement", "Legal requirement", "select", code_options(codes.LEGAL_REQUIREMENT)),
    FormField("notify_agency", "Tell of absences", placeholder="police, probation, court, prison, or a named contact"),
    # Episodes v2 (DOMAIN.md): what NDTMS holds of the episode; each may stay empty (not recorded).
    FormField("drug_2", "Second substance", "select", code_options(codes.SUBSTANCE)),
    FormField("drug_3", "Third substance", "select", code_options(codes.SUBSTANCE)),
    FormField("route", "Route (primary)", "select", code_options(codes.ROUTE)),
    FormField("injecting_status", "Injecting", "select", code_options(codes.INJECTING_STATUS)),
    FormField("alcohol_units_per_day", "Units a day", "int", placeholder="average daily units of alcohol, 0-200"),
    FormField("consent_to_ndtms", "NDTMS consent", "select", code_options(codes.YES_NO)),
    FormField(
        "contact_event",
        "Prompted by",
        "select",
        [(words, code) for code, words in codes.CONTACT_EVENT_LABEL.items()],
    ),
    FormField("contact_event_date", "Event date", "date", direction=PAST),
]
# A referral may name the requirement it comes with; afterwards requirements are kept on their own.
REFERRAL_ONLY = ("legal_requirement", "notify_agency")


class EpisodeDialog(FormDialog[Episode]):
    """Record a referral: a new episode, or a re-referral of a closed client."""

    def __init__(self, client_id: int, client_name: str, episode: Episode | None = None):
        super().__init__()
        self.client_id = client_id
        self.episode = episode
        self.form_title = f"{'Edit episode' if episode else 'New referral'} · {client_name}"

    def fields(self) -> list[FormField]:
        if self.episode:
            return [field for field in EPISODE_FIELDS if field.name not in REFERRAL_ONLY]
        return EPISODE_FIELDS

    def initial(self) -> dict[str, Any]:
        if self.episode:
            return {field.name: getattr(self.episode, field.name) for field in self.fields()}
        return {"referral_date": self.app.clock.today(), "legal_requirement": "none"}

    def submit(self, values: dict[str, Any]) -> Episode:
        if self.episode:
            return self.caseload.update_episode(self.episode.id, values)
        return self.requirements.refer(self.client_id, values)
