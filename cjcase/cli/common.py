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


def open_db(ctx: typer.Context, db: str | None, read_only: bool = False, reads: bool = False, alongside: bool = False):
    """Open the caseload a command works on, asking for its passphrase when it is encrypted.

    A command that `reads` a caseload (rather than filling one: import, restore, demo) never
    makes one: a missing file, or the default file holding no clients (made empty by a command
    run without --db), is refused with a sentence naming the path it looked at.

    A command that runs `alongside` an editing session (an export) opens beside one that is open,
    and beside none under --read-only, writing only its own short transactions."""
    from cjcase.services.caseload_file import client_count, open_beside_editing, open_caseload
    from cjcase.store.database import file_kind, is_encrypted, refuse_unusable

    path = caseload_path(ctx, db)
    if reads and file_kind(path) == "missing":
        refuse_unusable(path, None)  # a restore's set-aside twin is named first
        raise UserError(f"There is no caseload at {path}. {where_it_looked(ctx, db)}")
    # No passphrase at all leaves the file's own sentence to speak: encrypted, or damaged.
    passphrase = ask_passphrase(f"Passphrase for {path}", required=False) if is_encrypted(path) else None
    if alongside:
        database = open_beside_editing(path, read_only=read_only or root_read_only(ctx), passphrase=passphrase)
    else:
        # --read-only before any command opens the file read-only: a change is refused with a sentence
        database = open_caseload(path, read_only=read_only or root_read_only(ctx), passphrase=passphrase)
    if reads and origin_of(ctx, db) == "default" and not client_count(database):
        database.close()
        raise UserError(f"The caseload at {path} holds no clients. {where_it_looked(ctx, db)}")
    for warning in getattr(database, "warnings", []):
        err(warning)  # e.g. a daily backup the full disk had no room for: the command goes on
    return database


def root_read_only(ctx: typer.Context) -> bool:
    """Whether `--read-only` was given before the command."""
    return bool((ctx.find_root().obj or {}).get("read_only"))


def refuse_under_read_only(ctx: typer.Context, what: str) -> None:
    """Refuse a command that changes the caseload when `--read-only` was given."""
    if root_read_only(ctx):
        raise UserError(f"--read-only changes nothing, so it cannot {what}: leave out --read-only to do that.")


def origin_of(ctx: typer.Context, db: str | None) -> str:
    """What named the caseload file: "--db", "CJCASE_DB" or "default"."""
    from cjcase.store.paths import db_path_origin

    return db_path_origin(db or (ctx.obj or {}).get("db"))


def where_it_looked(ctx: typer.Context, db: str | None) -> str:
    """Why cjcase looked where it did, and how to point it at the caseload: for a refusal."""
    origin = origin_of(ctx, db)
    if origin == "default":
        return (
            "That is where cjcase looks when neither --db nor CJCASE_DB names a caseload: give your "
            "caseload's file with --db PATH (or set CJCASE_DB to it), or start one with `cjcase import PATH` "
            "(`cjcase demo` makes a separate demo caseload)."
        )
    return f"{origin} named that file: check the path, and give your caseload's file with --db PATH (or CJCASE_DB)."


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
