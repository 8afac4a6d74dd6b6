"""The errors the services raise: each carries a sentence a keyworker can act on."""

from __future__ import annotations


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
