"""Small groups in a record-level extract: rows a reader could single out by their other values.

The quasi-identifiers are every column but `pseudo_id` and the two counts; rows of clients who did
not consent (which carry none of them) are left aside. A row is in a small group when fewer than
the template's `min_group` rows share all its quasi-identifying values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from cjcase.returns.build import ReturnTable
from cjcase.returns.template import NOT_QUASI_IDENTIFIERS


@dataclass(frozen=True)
class SmallGroups:
    """How many rows are in groups smaller than `min_group`, and the columns that drive it:
    each with the number of rows still in small groups were it dropped (fewest first)."""

    min_group: int
    rows: int
    drivers: tuple[tuple[str, int], ...]

    def sentence(self) -> str:
        """What is wrong and how to fix it, naming columns, never values."""
        drivers = "; ".join(
            f"without {column}, {left} row{'' if left == 1 else 's'} would be" for column, left in self.drivers
        )
        return (
            f"{self.rows} row{' is' if self.rows == 1 else 's are'} of the extract in groups smaller than "
            f"{self.min_group} (rows sharing every value but pseudo_id and the counts), so those people could "
            f"be singled out. The columns that drive it: {drivers}. Group or drop them with the template's "
            "minimisation, or write anyway with --allow-small-groups."
        )


def quasi_identifiers(table: ReturnTable) -> list[int]:
    """The positions of the quasi-identifying columns of an extract."""
    return [i for i, item in enumerate(table.template.items) if item.name not in NOT_QUASI_IDENTIFIERS]


def _small_rows(rows: list[tuple], min_group: int) -> int:
    counts = Counter(rows)
    return sum(count for count in counts.values() if count < min_group)


def check(table: ReturnTable) -> SmallGroups | None:
    """The small groups of an extract, or None when every group is large enough (or no check)."""
    n = table.template.min_group
    if table.template.kind != "extract" or n <= 1:
        return None
    columns = quasi_identifiers(table)
    if not columns:
        return None
    withheld = table.withheld or [False] * len(table.rows)
    kept = [row for row, without_consent in zip(table.rows, withheld, strict=True) if not without_consent]
    small = _small_rows([tuple(row[i] for i in columns) for row in kept], n)
    if not small:
        return None
    drivers = []
    for position in columns:
        others = [i for i in columns if i != position]
        left = _small_rows([tuple(row[i] for i in others) for row in kept], n) if others else 0
        drivers.append((table.template.items[position].name, left))
    drivers.sort(key=lambda pair: pair[1])
    return SmallGroups(n, small, tuple(drivers[:3]))
