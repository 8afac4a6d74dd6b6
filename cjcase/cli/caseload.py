"""Commands that fill the caseload: the demo, an import, the organisation's settings."""

from __future__ import annotations

from pathlib import Path

import typer

from cjcase.cli.common import DbOption, err, open_db, open_tui, program_clock, refuse_under_read_only
from cjcase.domain.errors import ImportRejected, UserError

commands = typer.Typer()


@commands.command()
def demo(
    ctx: typer.Context,
    clients: int = typer.Option(200, "--clients", help="How many synthetic clients to make.", min=1, max=200_000),
    seed: int = typer.Option(1, "--seed", help="The same seed makes the same caseload."),
    no_open: bool = typer.Option(False, "--no-open", help="Write the demo without opening it."),
    yes: bool = typer.Option(False, "--yes", help="Replace an earlier demo without asking."),
    split: int | None = typer.Option(
        None, "--split", help="Write N keyworkers' caseloads of one organisation instead.", min=2, max=50, metavar="N"
    ),
    out_dir: Path | None = typer.Option(None, "--out-dir", help="The folder for the --split caseloads.", metavar="DIR"),
    db: str | None = DbOption,
) -> None:
    """Write a synthetic demo caseload (never into your real one) and open it."""
    import sys

    refuse_under_read_only(ctx, "write a demo caseload")

    from cjcase.services import demo as demo_data
    from cjcase.services.caseload_file import open_caseload
    from cjcase.store.paths import chosen_db_path, default_db_path

    if split is not None or out_dir is not None:
        _demo_split(split, out_dir, clients, seed)
        return
    path = chosen_db_path(db or (ctx.obj or {}).get("db")) or default_db_path().with_name("demo.db")
    database = open_caseload(path)
    earlier = demo_data.demo_clients(database)
    if earlier and not yes:
        if not sys.stdin.isatty():
            database.close()
            raise UserError(
                f"{path} already holds a demo caseload ({earlier:,} made-up clients): add --yes to replace "
                f"it, or open it as it is with `cjcase --db {path}`. Nothing was changed."
            )
        if not typer.confirm(
            f"{path} already holds a demo caseload ({earlier:,} made-up clients). Replace it with a new one?",
            default=False,
        ):
            typer.echo(f"The demo caseload at {path} was left as it was.")
            database.close()
            if not no_open:
                open_tui(ctx, path, read_only=False)
            return
    today = program_clock().today()
    from rich.progress import Progress

    with Progress(transient=True, disable=clients < 5000) as bar:
        task = bar.add_task("Making demo clients", total=clients)
        counts = demo_data.generate(
            database, today, clients=clients, seed=seed, progress=lambda done, total: bar.update(task, completed=done)
        )
    typer.echo(
        f"Demo caseload written to {path}: {counts['clients']:,} clients, "
        f"{counts['episodes']:,} episodes, {counts['sessions']:,} sessions, "
        f"{counts['goals']:,} goals, {counts['court_dates']:,} court dates, {counts['tops']:,} TOPs."
    )
    if not no_open:
        database.close()
        open_tui(ctx, path, read_only=False)


def _demo_split(split: int | None, out_dir: Path | None, clients: int, seed: int) -> None:
    """`demo --split N --out-dir DIR`: one organisation's demo, dealt out to N keyworkers' files."""
    import tempfile

    from cjcase.services import demo as demo_data
    from cjcase.services.caseload_file import open_caseload
    from cjcase.services.combine import split_by_keyworker

    if split is None or out_dir is None:
        raise UserError("--split N and --out-dir DIR go together: e.g. `cjcase demo --split 3 --out-dir laptops`.")
    out_dir.mkdir(parents=True, exist_ok=True)
    taken = sorted(out_dir.glob("laptop-*/caseload.db"))
    if taken:
        raise UserError(f"{taken[0]} already exists: give --out-dir an empty folder. Nothing was written.")
    with tempfile.TemporaryDirectory(dir=out_dir) as work:
        database = open_caseload(Path(work) / "organisation.db")
        try:
            demo_data.generate(database, program_clock().today(), clients=clients, seed=seed)
            written = split_by_keyworker(database, out_dir, split)
        finally:
            database.close()
    typer.echo(
        f"{split} keyworkers' demo caseloads of one organisation (one key) written: "
        + ", ".join(str(p) for p in written)
        + ". Try `cjcase handover`, `cjcase receive` and `cjcase combine` on them."
    )


@commands.command("import")
def import_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A folder of CSV files or an .xlsx workbook.", show_default=False),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count, writing nothing."),
    db: str | None = DbOption,
) -> None:
    """Import clients and their records from CSV files or a workbook (all or nothing)."""
    from rich.console import Console
    from rich.progress import Progress

    from cjcase.services.importing.importer import import_path

    database = open_db(ctx, db)
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
            report = import_path(database, path, program_clock().today(), dry_run=dry_run, progress=progress)
        except ImportRejected as rejected:
            bar.stop()
            for problem in rejected.problems:
                err(str(problem))
            if rejected.unlisted:
                err(f"… and {rejected.unlisted:,} more problem{'s' if rejected.unlisted != 1 else ''}, not listed.")
            raise UserError(
                f"Nothing was imported: {rejected.count:,} problem"
                f"{'s' if rejected.count != 1 else ''} to fix in {path} first."
            ) from None
    heading = "Checked (dry run, nothing written)" if dry_run else "Imported"
    lines = [f"{heading} from {path}:"]
    for name, counts in report.counts.items():
        lines.append(
            f"  {name:<12} {counts.created:>7,} new  {counts.updated:>7,} changed  {counts.unchanged:>7,} unchanged"
        )
    typer.echo("\n".join(lines))


@commands.command("settings")
def settings_command(
    ctx: typer.Context,
    key: str | None = typer.Argument(None, help="The setting to show or change.", show_default=False),
    value: str | None = typer.Argument(None, help="Its new value.", show_default=False),
    db: str | None = DbOption,
) -> None:
    """Show the organisation's settings, or change one (e.g. `settings name_display initials_ref`)."""
    from cjcase.services import settings

    database = open_db(ctx, db, read_only=value is None, reads=value is None)
    if key and value is not None:
        settings.set_value(database, key, value)
        typer.echo(f"{key} is now {value}.")
        return
    for setting in settings.SETTINGS.values():
        if key and setting.key != key:
            continue
        choices = f" ({' | '.join(setting.choices)})" if setting.choices else ""
        typer.echo(f"{setting.key:<20} {settings.get(database, setting.key) or '—':<14} {setting.help}{choices}")
