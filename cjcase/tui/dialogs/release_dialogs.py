"""Releases from custody: the release with its pre-release checklist, and the handshake to a
community provider (onward referral, first appointment, community start confirmed)."""

from __future__ import annotations

from typing import Any

from cjcase.domain import codes
from cjcase.domain.dates import PAST
from cjcase.domain.releases import Release
from cjcase.tui.widgets.forms import FormDialog, FormField, code_options

YES_NO = code_options(codes.YES_NO)

RELEASE_FIELDS = [
    FormField("prison", "Prison", required=True, placeholder="the releasing prison"),
    FormField("expected_date", "Expected", "date", direction="future", required=True),
    FormField("actual_date", "Released on", "date", direction=PAST, placeholder="empty until it happens"),
    FormField("release_type", "Release type", "select", code_options(codes.RELEASE_TYPE)),
    FormField("accommodation_on_release", "Accommodation", "select", code_options(codes.ACCOMMODATION_ON_RELEASE)),
    FormField("first_appointment_provider", "1st appt with", placeholder="community provider"),
    FormField("first_appointment_at", "1st appt at", "datetime", direction="future"),
    FormField("script_continuity", "Script continuity", "select", code_options(codes.SCRIPT_CONTINUITY)),
    FormField("naloxone_offered", "Naloxone offered", "select", YES_NO),
    FormField("naloxone_issued", "Naloxone issued", "select", YES_NO),
    FormField("gate_pickup_booked", "Gate pick-up", "select", YES_NO),
    FormField("treatment_need_in_custody", "Need in custody", "select", YES_NO),
    FormField("in_custody_treatment", "Treated in custody", "select", YES_NO),
    FormField("coc_exclusion", "Excluded (CoC)", "select", code_options(codes.COC_EXCLUSION)),
    FormField("notes", "Notes", "note"),
]

HANDSHAKE_FIELDS = [
    FormField("onward_provider", "Onward provider", placeholder="the community treatment provider"),
    FormField("onward_referred_date", "Referred on", "date", direction=PAST),
    FormField("first_appointment_provider", "1st appt with"),
    FormField("first_appointment_at", "1st appt at", "datetime", direction="future"),
    FormField("community_start_date", "Started on", "date", direction=PAST, placeholder="first structured treatment"),
    FormField("confirmed_by", "Confirmed by", placeholder="person and provider"),
]


class ReleaseDialog(FormDialog[Release]):
    """Plan a release (or record one that happened), or change its checklist or expected date:
    a moved date keeps the release, and the audit shows the move."""

    def __init__(self, client_id: int, client_name: str, release: Release | None = None, prison: str | None = None):
        super().__init__()
        self.client_id = client_id
        self.release = release
        self.prison = prison
        self.form_title = f"{'Release' if release else 'New release'} · {client_name}"

    def fields(self) -> list[FormField]:
        return RELEASE_FIELDS

    def initial(self) -> dict[str, Any]:
        if self.release:
            return {field.name: getattr(self.release, field.name) for field in RELEASE_FIELDS}
        return {"prison": self.prison}

    def submit(self, values: dict[str, Any]) -> Release:
        if self.release:
            return self.caseload.releases.update(self.release.id, values)
        return self.caseload.releases.add(self.client_id, values)


class HandshakeDialog(FormDialog[Release]):
    """The handshake: onward referral, first appointment offered, community start and who confirmed it."""

    def __init__(self, release: Release, client_name: str):
        super().__init__()
        self.release = release
        self.form_title = f"Handshake · {client_name}"

    def fields(self) -> list[FormField]:
        return HANDSHAKE_FIELDS

    def initial(self) -> dict[str, Any]:
        return {field.name: getattr(self.release, field.name) for field in HANDSHAKE_FIELDS}

    def submit(self, values: dict[str, Any]) -> Release:
        return self.caseload.releases.handshake(self.release.id, values)
