"""The next free client reference in the organisation's own pattern (RL-0042 → RL-0043)."""

from __future__ import annotations

import re
from collections import Counter

import sqlite_utils

# A reference is any text ending in a number: the text before it and the number's width make its
# pattern ("RL-" and 4 in RL-0042).
NUMBERED = re.compile(r"^(.*?)(\d+)$")
# The pattern is read from the newest references, so a change of scheme is followed.
LATEST = 200


def next_reference(db: sqlite_utils.Database) -> str | None:
    """The reference after the highest one in the pattern most of the newest clients' references
    share, zero-padded as they are; None when no reference ends in a number."""
    latest = [row[0] for row in db.execute("SELECT client_ref FROM clients ORDER BY id DESC LIMIT ?", [LATEST])]
    shapes = Counter((match[1], len(match[2])) for ref in latest if (match := NUMBERED.match(ref)))
    if not shapes:
        return None
    (prefix, width), _count = shapes.most_common(1)[0]
    # Same-width numbers sort as text, so the index on client_ref finds the highest at once.
    pattern = _glob_literal(prefix) + "[0-9]" * width
    (highest,) = db.execute("SELECT max(client_ref) FROM clients WHERE client_ref GLOB ?", [pattern]).fetchone()
    number = int(highest[len(prefix) :]) + 1
    while True:
        candidate = f"{prefix}{number:0{width}d}"
        if not db.execute("SELECT 1 FROM clients WHERE client_ref = ?", [candidate]).fetchone():
            return candidate
        number += 1


def _glob_literal(text: str) -> str:
    """Text matched as itself by GLOB (its wildcard characters in brackets)."""
    return re.sub(r"([*?\[])", r"[\1]", text)
