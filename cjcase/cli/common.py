"""What the command line's areas share: the --db option, opening the caseload, the passphrase.

Nothing heavy is imported at module level (services, sqlite-utils, openpyxl, Textual), so that
`cjcase --help` stays fast; each command imports what it needs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import typer

from cjcase.domain.errors import UserError

DB_HELP = "The database file (default: CJCASE_DB, else caseload.db in your user-data folder)."
DbOption = typer.Option(None, "--db", help=DB_HELP, metavar="PATH")


def caseload_path(ctx: typer.Context, db: str | None) -> Path:
    """The caseload file: this command's --db, the one before the command, CJCASE_DB or the default."""
    from cjcase.store.paths import resolve_db_path

    chosen = db or (ctx.obj or {}).get("db")
    return resolve_db_path(chosen)


def program_clock():
    """The program's clock (CJCASE_TODAY pins it)."""
    from cjcase.domain.clock import Clock

    return Clock.from_environment()


def open_db(ctx: typer.Context, db: str | None, read_only: bool = False):
    """Open the caseload a command works on, asking for its passphrase when it is encrypted."""
    from cjcase.services.caseload_file import open_caseload
    from cjcase.store.database import is_encrypted

    path = caseload_path(ctx, db)
    # No passphrase at all leaves the file's own sentence to speak: encrypted, or damaged.
    passphrase = ask_passphrase(f"Passphrase for {path}", required=False) if is_encrypted(path) else None
    database = open_caseload(path, read_only=read_only, passphrase=passphrase)
    for warning in getattr(database, "warnings", []):
        err(warning)  # e.g. a daily backup the full disk had no room for: the command goes on
    return database


def ask_passphrase(prompt: str, confirm: bool = False, required: bool = True):
    """CJCASE_PASSPHRASE when set; else asked (twice with `confirm`), or read from standard input.
    None when nothing was given and it is not `required`."""
    given = os.environ.get("CJCASE_PASSPHRASE")
    if given:
        return given
    if sys.stdin.isatty():
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    lines = [sys.stdin.readline().rstrip("\n") for _ in range(2 if confirm else 1)]
    if confirm and lines[0] != lines[1]:
        raise UserError("The two passphrases differ: nothing was changed.")
    if not lines[0]:
        if not required:
            return None
        raise UserError("No passphrase was given: set CJCASE_PASSPHRASE or type it when asked.")
    return lines[0]


def err(message: str) -> None:
    """A message on standard error."""
    typer.echo(message, err=True)


def open_tui(ctx: typer.Context, path: Path, read_only: bool) -> None:
    """Open the caseload in the terminal, with the opener the entry point handed over (the
    command line sits beside the TUI, so it does not import it)."""
    opener: Callable[[Path, bool], None] = (ctx.find_root().obj or {})["open_tui"]
    opener(path, read_only)
