"""The `cjcase` command: thin typer commands over the services.

Nothing heavy is imported at module level (services, sqlite-utils, openpyxl, Textual), so that
`cjcase --help` stays fast; each command imports what it needs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="cjcase: a caseload manager for criminal-justice drug and alcohol keyworkers. "
    "With no command, opens the caseload in the terminal.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DB_HELP = "The database file (default: CJCASE_DB, else caseload.db in your user-data folder)."
DbOption = typer.Option(None, "--db", help=DB_HELP, metavar="PATH")


class UserError(Exception):
    """A problem with what the user asked for; the message is printed, exit code 1."""


def _db_path(ctx: typer.Context, db: Optional[str]):
    from cjcase.db import resolve_db_path

    chosen = db or (ctx.obj or {}).get("db")
    return resolve_db_path(chosen)


def _clock():
    from cjcase.clock import Clock

    return Clock.from_environment()


def _open(ctx: typer.Context, db: Optional[str], read_only: bool = False):
    from cjcase.db import connect

    return connect(_db_path(ctx, db), read_only=read_only)


def _err(message: str) -> None:
    typer.echo(message, err=True)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Optional[str] = DbOption,
    read_only: bool = typer.Option(False, "--read-only", help="Open without allowing changes."),
) -> None:
    """Open the caseload in the terminal (the agenda first)."""
    ctx.obj = {"db": db, "read_only": read_only}
    if ctx.invoked_subcommand is None:
        _run_tui(_db_path(ctx, db), read_only)


def _run_tui(path: Path, read_only: bool) -> None:
    from cjcase.tui.app import make_app

    clock = _clock()
    from cjcase.db import connect

    database = connect(path, read_only=read_only)
    make_app(database, clock, path=path, read_only=read_only).run()


@app.command()
def demo(
    ctx: typer.Context,
    clients: int = typer.Option(200, "--clients", help="How many synthetic clients to make.", min=1, max=200_000),
    seed: int = typer.Option(1, "--seed", help="The same seed makes the same caseload."),
    no_open: bool = typer.Option(False, "--no-open", help="Write the demo without opening it."),
    db: Optional[str] = DbOption,
) -> None:
    """Write a synthetic demo caseload (never into your real one) and open it."""
    import os

    from cjcase import demo as demo_data
    from cjcase.db import connect, default_db_path

    chosen = db or (ctx.obj or {}).get("db") or os.environ.get("CJCASE_DB")
    path = Path(chosen).expanduser() if chosen else default_db_path().with_name("demo.db")
    database = connect(path)
    today = _clock().today()
    from rich.progress import Progress

    with Progress(transient=True, disable=clients < 5000) as bar:
        task = bar.add_task("Making demo clients", total=clients)
        counts = demo_data.generate(
            database, today, clients=clients, seed=seed,
            progress=lambda done, total: bar.update(task, completed=done))
    typer.echo(
        f"Demo caseload written to {path}: {counts['clients']:,} clients, "
        f"{counts['episodes']:,} episodes, {counts['sessions']:,} sessions, "
        f"{counts['goals']:,} goals, {counts['court_dates']:,} court dates, {counts['tops']:,} TOPs.")
    if not no_open:
        database.close()
        _run_tui(path, read_only=False)


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A folder of CSV files or an .xlsx workbook.", show_default=False),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count, writing nothing."),
    db: Optional[str] = DbOption,
) -> None:
    """Import clients and their records from CSV files or a workbook (all or nothing)."""
    from rich.console import Console
    from rich.progress import Progress

    from cjcase.importer import ImportRejected, import_path

    database = _open(ctx, db)
    console = Console()
    with Progress(console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if total < 2000:
                return
            if name not in tasks:
                tasks[name] = bar.add_task(f"Importing {name}", total=total)
            bar.update(tasks[name], completed=done)

        try:
            report = import_path(database, path, _clock().today(), dry_run=dry_run, progress=progress)
        except ImportRejected as rejected:
            bar.stop()
            for problem in rejected.problems:
                _err(str(problem))
            raise UserError(
                f"Nothing was imported: {len(rejected.problems)} problem"
                f"{'s' if len(rejected.problems) != 1 else ''} to fix in {path} first.")
    heading = "Checked (dry run, nothing written)" if dry_run else "Imported"
    lines = [f"{heading} from {path}:"]
    for name, counts in report.counts.items():
        lines.append(f"  {name:<12} {counts.created:>7,} new  {counts.updated:>7,} changed  "
                     f"{counts.unchanged:>7,} unchanged")
    typer.echo("\n".join(lines))


def main() -> None:
    """Run the command line, turning user errors into a sentence and exit code 1."""
    from cjcase.errors import CjcaseError

    try:
        app()
    except (CjcaseError, UserError) as error:
        _err(str(error))
        sys.exit(1)
    except KeyboardInterrupt:
        _err("Stopped.")
        sys.exit(130)
