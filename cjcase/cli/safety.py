"""Commands that keep the caseload safe: backup, restore, check, erase, retention, encrypt."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cjcase.cli.common import (
    DbOption,
    ask_passphrase,
    caseload_path,
    err,
    open_db,
    program_clock,
    refuse_under_read_only,
)
from cjcase.domain.errors import UserError

commands = typer.Typer()


@commands.command()
def backup(
    ctx: typer.Context,
    path: Path | None = typer.Argument(
        None,
        help="Where to write the backup (a file or folder; default: backups/ beside the database).",
        show_default=False,
    ),
    list_them: bool = typer.Option(False, "--list", help="List the backups kept."),
    db: str | None = DbOption,
) -> None:
    """Back up the caseload now (a verified copy), or list the backups kept."""
    from cjcase.store import backups
    from cjcase.store.database import backup_dir

    db_path = caseload_path(ctx, db)
    if list_them:
        kept = backups.list_backups(backup_dir(db_path))
        if not kept:
            typer.echo(f"No backups yet in {backup_dir(db_path)}.")
        for item in kept:
            typer.echo(
                f"{item.taken_at:%d/%m/%Y %H:%M}  {item.reason:<14} {item.size / 1_048_576:8.1f} MB  {item.path}"
            )
        return
    if path is not None and not path.is_dir():
        backups.refuse_caseload_as_target(path, db_path)
    from cjcase.services.caseload_file import backup_caseload

    written = backup_caseload(open_db(ctx, db, reads=True), db_path, path)
    typer.echo(f"Backed up and verified: {written}")


@commands.command()
def restore(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The backup file to restore.", show_default=False),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: str | None = DbOption,
) -> None:
    """Replace the caseload with a verified backup (the current file is kept aside)."""
    refuse_under_read_only(ctx, "restore a backup")
    from cjcase.services.caseload_file import restore_caseload
    from cjcase.store.files import is_encrypted

    db_path = caseload_path(ctx, db)
    if not yes:
        if not sys.stdin.isatty():
            raise UserError(
                "Restoring replaces the caseload (the current file is kept aside): add --yes to confirm "
                "when not at a terminal. Nothing was restored."
            )
        typer.confirm(f"Replace {db_path} with the backup {path}? The current file is kept aside", abort=True)
    caseload_passphrase = ask_passphrase(f"Passphrase for {db_path}") if is_encrypted(db_path) else None
    passphrase = None
    if is_encrypted(Path(path)):
        passphrase = caseload_passphrase or ask_passphrase(f"Passphrase for {path}")
    aside, again = restore_caseload(db_path, path, passphrase, caseload_passphrase)
    kept = f" The file it replaced is kept as {aside}." if aside else ""
    typer.echo(f"Restored {path} into {db_path}.{kept}")
    if again:
        typer.echo(f"{len(again)} client(s) erased since that backup were erased again.")


@commands.command()
def check(ctx: typer.Context, db: str | None = DbOption) -> None:
    """Check the caseload: the file, its links, every record's rules, the audit chain."""
    from cjcase.domain.dates import quarter_of
    from cjcase.returns.quality import data_quality
    from cjcase.services.integrity import check as run_check

    database = open_db(ctx, db, read_only=True, reads=True)
    problems = run_check(database)
    if problems:
        for problem in problems:
            err(problem)
        raise UserError(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    # Data-quality findings are notes (exit 0): records to put right, read over the current quarter.
    now = program_clock().now()
    quarter = quarter_of(now.date())
    notes = data_quality(database, quarter, now)
    for note in notes:
        typer.echo(f"Note ({quarter.label}): {note.described()}.")
    typer.echo("All checks passed: the file is sound, every record keeps the rules and the audit chain is unbroken.")
    if notes:
        typer.echo(f"{len(notes)} data-quality note{'s' if len(notes) != 1 else ''} above: records to put right.")


@commands.command()
def erase(
    ctx: typer.Context,
    client_ref: str = typer.Argument(..., help="The client's reference.", show_default=False),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: str | None = DbOption,
) -> None:
    """Erase every personal value of a client (right to erasure); keeps a tombstone only."""
    from cjcase.services import erasure

    # Refused before the erasure ledger beside the file is written, which the next open would apply.
    refuse_under_read_only(ctx, "erase a client")
    database = open_db(ctx, db, reads=True)
    name = erasure.name_of(database, client_ref)
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("Erasure cannot be undone: add --yes to confirm when not at a terminal.")
        typer.confirm(
            f"Erase {name} ({client_ref}) and every record about them? This cannot be undone",
            abort=True,
        )
    erasure.erase(database, client_ref, caseload_path(ctx, db))
    typer.echo(f"Erased {client_ref}. A tombstone without personal data remains.")


@commands.command()
def retention(
    ctx: typer.Context,
    years: int = typer.Option(
        8, "--years", help="Erase clients whose last episode closed more than this many years ago.", min=1
    ),
    apply: bool = typer.Option(False, "--apply", help="Erase them (without this, only list them)."),
    db: str | None = DbOption,
) -> None:
    """List (or with --apply, erase) clients kept longer than the retention period."""
    from cjcase.services import erasure

    if apply:
        refuse_under_read_only(ctx, "erase clients past the retention period")
    database = open_db(ctx, db, read_only=not apply, reads=True)
    due = erasure.retention_candidates(database, years, program_clock().today())
    if not due:
        typer.echo(f"Nobody's last episode closed more than {years} years ago.")
        return
    for item in due:
        typer.echo(f"{item.client_ref}  last discharge {item.last_discharge:%d/%m/%Y}")
    if not apply:
        typer.echo(f"{len(due)} client(s) are past {years} years; `--apply` erases them.")
        return
    for item in due:
        erasure.erase(database, item.client_ref, caseload_path(ctx, db), reason="retention")
    typer.echo(f"Erased {len(due)} client(s) past the {years}-year retention period.")


@commands.command()
def encrypt(
    ctx: typer.Context,
    lock_after: int = typer.Option(5, "--lock-after", help="Minutes without use before the TUI locks.", min=1),
    db: str | None = DbOption,
) -> None:
    """Encrypt the caseload and its backups with a passphrase (SQLCipher)."""
    refuse_under_read_only(ctx, "encrypt the caseload")
    from cjcase.services import settings
    from cjcase.services.caseload_file import encrypt_caseload, open_caseload

    path = caseload_path(ctx, db)
    passphrase = ask_passphrase("New passphrase", confirm=True)
    encrypted = encrypt_caseload(path, passphrase)
    database = open_caseload(path, passphrase=passphrase)
    try:
        settings.set_value(database, "lock_after_minutes", str(lock_after))
    finally:
        database.close()
    typer.echo(
        f"Encrypted {path} and {len(encrypted)} backup(s). Keep the passphrase safe: "
        "without it nobody, including you, can open the caseload."
    )
