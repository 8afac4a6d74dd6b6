"""Every error type the program raises: each carries a sentence a keyworker can act on.

One module, so a caller catching a kind of failure finds it in one place, whichever layer raised it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class CjcaseError(Exception):
    """A problem the user can fix; the message is a sentence that says how."""


class UserError(CjcaseError):
    """A problem with what was asked of the command line; the message is printed, exit code 1."""


class ValidationError(CjcaseError):
    """A domain rule was broken by the value of one field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class NotFoundError(CjcaseError):
    """A record that was asked for does not exist."""


class DatabaseError(CjcaseError):
    """The database file cannot be used as it is (too new, not a database, locked)."""


class WriterBusy(DatabaseError):
    """Another cjcase holds the file's one-writer lock: an editing session is open on it."""


class ReadOnlyError(DatabaseError):
    """A change was asked of a database opened read-only."""


class PassphraseError(DatabaseError):
    """An encrypted database needs a passphrase, or the one given does not open it."""


class DamagedDatabase(DatabaseError):
    """The database failed its integrity check; nothing is written to it."""


class DiskFull(DatabaseError):
    """The disk has no room left; the message says what was kept, and that nothing was lost."""


class DateInputError(CjcaseError, ValueError):
    """Text that cannot be read as a date; the message says what works."""


class ImportRejected(CjcaseError):
    """The import had problems; nothing was written. Each problem reads `file:line: column: what`;
    past the first 200, `unlisted` counts the rest."""

    def __init__(self, problems: Sequence[Any], unlisted: int = 0):
        self.problems = list(problems)
        self.unlisted = unlisted
        self.count = len(self.problems) + unlisted
        rest = f"\n… and {unlisted:,} more problem{'s' if unlisted != 1 else ''}, not listed." if unlisted else ""
        super().__init__(
            f"Nothing was imported: {self.count:,} problem{'s' if self.count != 1 else ''} "
            "to fix first.\n" + "\n".join(str(p) for p in self.problems) + rest
        )


class TemplateError(CjcaseError):
    """A return template is missing or wrong; the message says what to fix."""


class IdentifierInReturn(CjcaseError):
    """A cell or label of a return holds an identifying value; nothing was written."""


class IncompleteData(CjcaseError):
    """The data-quality check found problems and the user did not allow an incomplete return."""

    def __init__(self, found: Sequence[Any]):
        self.findings = list(found)
        super().__init__(
            "These make the return's figures doubtful:\n"
            + "\n".join(f"  - {f.message}" for f in found)
            + "\nFix them first, or write the return anyway with --allow-incomplete."
        )


class KeyChangeRefused(CjcaseError):
    """Importing a pseudonym key would replace a different key already in use; ask, or --force."""


class SmallGroupsRefused(CjcaseError):
    """An extract has rows in groups smaller than its template's min_group; nothing was written."""


# What an edit of an organisation's combined file is told (the combined file's triggers say it too).
EDIT_COMBINED = (
    "this is an organisation's combined file, which is read, never edited: edit on the keyworker's laptop, "
    "then combine again."
)
