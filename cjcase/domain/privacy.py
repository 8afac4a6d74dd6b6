"""How much of a client a screen or printout shows: names by the organisation's setting, and
which risk markers a read-only (volunteer) view keeps. Pure: no I/O."""

from __future__ import annotations

NAME_STYLES = ("full", "first_initial", "initials_ref")
INITIALS_ONLY = "initials"
# A volunteer on a gate pick-up must see these two, without their detail.
VOLUNTEER_RISK_FLAGS = ("violence_to_staff", "lone_working")


def initials(first: str, last: str) -> str:
    """`J.B.` for Jo Bloggs; hyphenated and two-part names keep each part's initial."""
    parts = [p for p in (first or "").replace("-", " ").split() + (last or "").replace("-", " ").split() if p]
    return "".join(f"{p[0].upper()}." for p in parts)


def display_name(first: str, last: str, client_ref: str, style: str) -> str:
    """A client's name as a setting says: full, first name and initial, initials and reference,
    or initials only (the waiting-room switch)."""
    if style == "first_initial":
        return f"{first} {(last or ' ')[0]}."
    if style == "initials_ref":
        return f"{initials(first, last)} ({client_ref})"
    if style == INITIALS_ONLY:
        return initials(first, last)
    return f"{first} {last}"


def visible_flags(flags: list[str], read_only: bool) -> list[str]:
    """The risk flags a view may show: all, or in read-only mode only the two a volunteer needs."""
    return [f for f in flags if not read_only or f in VOLUNTEER_RISK_FLAGS]


# What a volunteer's (read-only) view holds: what a gate pick-up or a day of court duty needs.
VOLUNTEER_AGENDA_KINDS = ("session", "court", "release")
VOLUNTEER_TABS = ("overview", "sessions-tab", "court-tab")


def shows_contact_details(read_only: bool, initials_only: bool) -> bool:
    """Date of birth, phone, address and other contacts: never for volunteers, and not on a
    screen switched to initials only (a court waiting room)."""
    return not read_only and not initials_only


def shows_case_detail(read_only: bool) -> bool:
    """Case notes, the care plan, referrals, TOP scores and the audit trail: keyworkers only."""
    return not read_only
