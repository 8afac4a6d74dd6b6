"""The caseload table and client search: filtered, paged reads for the TUI and the CLI."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named in hints: importing it is left to whoever opens the database
    import sqlite_utils

from cjcase.domain.dates import parse_import_date
from cjcase.domain.errors import DateInputError
from cjcase.domain.model import CaseloadRow
from cjcase.services.agenda import APPOINTMENTS

UNALLOCATED = "(unallocated)"

# Each client's latest episode, which gives the caseload its status and pathway.
LATEST_EPISODE = """LEFT JOIN episodes e ON e.id = (
    SELECT id FROM episodes WHERE client_id = c.id ORDER BY referral_date DESC LIMIT 1)"""

_DOB_DAY_MONTH = re.compile(r"(\d{1,2})/(\d{1,2})")
_YEAR = re.compile(r"(19|20)\d{2}")


def fts_query(token: str) -> str:
    """A user's word as a quoted FTS5 prefix query: no FTS syntax ever reaches SQLite."""
    return '"' + token.replace('"', '""') + '"*'


def _tokens(text: str) -> list[str]:
    # NUL and other control characters can never match a name; they are dropped, not queried.
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return [token for token in cleaned.split() if token.strip('"*')][:8]


def _dob_condition(token: str) -> tuple[str, list[str]] | None:
    """A date-of-birth fragment: 14/09/1988, 1988-09-14, 14/09, or a year."""
    try:
        return "c.date_of_birth = ?", [parse_import_date(token).isoformat()]
    except DateInputError:
        pass
    if match := _DOB_DAY_MONTH.fullmatch(token):
        day, month = int(match.group(1)), int(match.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            return "c.date_of_birth LIKE ?", [f"%-{month:02d}-{day:02d}"]
    if _YEAR.fullmatch(token):
        return "c.date_of_birth LIKE ?", [f"{token}-%"]
    return None


def caseload(
    db: sqlite_utils.Database,
    now: datetime,
    *,
    status: str = "open",
    pathway: str | None = None,
    keyworker: str | None = None,
    text: str = "",
    limit: int = 200,
    offset: int = 0,
    by_birth_date: bool = True,
) -> list[CaseloadRow]:
    """Clients for the caseload table, filtered and searched, one page at a time.

    `status` is open (an open episode), closed (none open) or all; `keyworker` may be
    UNALLOCATED; `text` matches names, aliases, references and date-of-birth fragments (not
    with `by_birth_date` False: a view that may not show the date of birth must not confirm it).
    """
    # A word of one or two letters matches a large share of the caseload: reading clients in
    # name order and keeping the matches finds the first page sooner than sorting every match
    # (4 ms rather than 26 ms for "s" at 50,000 clients); a longer word matches few, and they
    # are found through the search index first.
    broad = all(len(token) <= 2 for token in _tokens(text))
    where, params = _filters(status, pathway, keyworker, text, in_name_order=broad, by_birth_date=by_birth_date)
    now_text = now.strftime("%Y-%m-%d %H:%M")
    # The page is chosen first (MATERIALIZED keeps SQLite from folding it back in), so last
    # seen and next appointment are looked up for the rows shown, not for every match.
    sql = f"""
        WITH page AS MATERIALIZED (
            SELECT c.id, c.client_ref, c.first_name, c.last_name, c.preferred_name, c.date_of_birth,
                   c.keyworker, c.risk_flags, e.pathway,
                   CASE WHEN e.id IS NOT NULL AND e.discharge_date IS NULL THEN 'open'
                        WHEN e.id IS NULL THEN 'no episode' ELSE 'closed' END AS status
            FROM clients c
            {LATEST_EPISODE}
            WHERE {" AND ".join(where) or "1"}
            ORDER BY c.last_name COLLATE NOCASE, c.first_name COLLATE NOCASE, c.client_ref
            LIMIT ? OFFSET ?
        )
        SELECT page.*,
               (SELECT max(s.starts_at) FROM sessions s
                 WHERE s.client_id = page.id AND s.status = 'attended' AND s.kind IN {APPOINTMENTS}) AS last_seen,
               (SELECT min(s.starts_at) FROM sessions s
                 WHERE s.client_id = page.id AND s.status = 'scheduled' AND s.starts_at >= ?
                   AND s.kind IN {APPOINTMENTS})
                 AS next_appointment
        FROM page
        ORDER BY page.last_name COLLATE NOCASE, page.first_name COLLATE NOCASE, page.client_ref
    """
    rows = db.query(sql, [*params, limit, offset, now_text])
    return [_caseload_row(row) for row in rows]


def count(
    db: sqlite_utils.Database,
    *,
    status: str = "open",
    pathway: str | None = None,
    keyworker: str | None = None,
    text: str = "",
    by_birth_date: bool = True,
) -> int:
    """How many clients the same filters match (for "showing 200 of 4,812")."""
    where, params = _filters(status, pathway, keyworker, text, by_birth_date=by_birth_date)
    sql = f"""
        SELECT count(*) FROM clients c
        {LATEST_EPISODE}
        WHERE {" AND ".join(where) or "1"}
    """
    return db.execute(sql, params).fetchone()[0]


def _filters(
    status, pathway, keyworker, text, in_name_order: bool = False, by_birth_date: bool = True
) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if status == "open":
        where.append("e.discharge_date IS NULL AND e.id IS NOT NULL")
    elif status == "closed":
        where.append("(e.id IS NULL OR e.discharge_date IS NOT NULL)")
    if pathway:
        where.append("e.pathway = ?")
        params.append(pathway)
    if keyworker == UNALLOCATED:
        where.append("(c.keyworker IS NULL OR trim(c.keyworker) = '')")
    elif keyworker:
        where.append("c.keyworker = ?")
        params.append(keyworker)
    for token in _tokens(text):
        # The unary + keeps SQLite from driving the query from the matches, so that it reads
        # clients in name order and tests each against them.
        condition = ("+" if in_name_order else "") + "c.id IN (SELECT rowid FROM clients_fts WHERE clients_fts MATCH ?)"
        token_params: list = [fts_query(token)]
        dob = _dob_condition(token) if by_birth_date else None
        if dob:
            condition = f"({condition} OR {dob[0]})"
            token_params += dob[1]
        where.append(condition)
        params += token_params
    return where, params


def _caseload_row(row: dict) -> CaseloadRow:
    name = f"{row['first_name']} {row['last_name']}"
    if row["preferred_name"]:
        name = f"{row['first_name']} ({row['preferred_name']}) {row['last_name']}"
    return CaseloadRow(
        client_id=row["id"],
        client_ref=row["client_ref"],
        name=name,
        date_of_birth=date.fromisoformat(row["date_of_birth"]),
        pathway=row["pathway"],
        status=row["status"],
        keyworker=row["keyworker"],
        last_seen=date.fromisoformat(row["last_seen"][:10]) if row["last_seen"] else None,
        next_appointment=(
            datetime.strptime(row["next_appointment"], "%Y-%m-%d %H:%M") if row["next_appointment"] else None
        ),
        risk_flags=[flag for flag in (row["risk_flags"] or "").split(";") if flag],
        first_name=row["first_name"],
        last_name=row["last_name"],
    )


def has_clients(db: sqlite_utils.Database) -> bool:
    """True once anyone is on the caseload."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM clients)").fetchone()[0] == 1


def keyworkers(db: sqlite_utils.Database) -> list[str]:
    """Every keyworker named on a client, for the filter."""
    return [
        row["keyworker"]
        for row in db.query(
            "SELECT DISTINCT keyworker FROM clients WHERE keyworker IS NOT NULL "
            "AND trim(keyworker) != '' ORDER BY keyworker COLLATE NOCASE"
        )
    ]
