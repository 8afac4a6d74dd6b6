"""The `cjcase` command: thin typer commands over the services.

Nothing heavy is imported at module level (services, sqlite-utils, openpyxl, Textual), so that
`cjcase --help` stays fast; each command imports what it needs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from cjcase.domain.errors import UserError
from cjcase.launch import main, open_tui  # noqa: F401  (main: `cjcase.cli.commands:main` still runs the command)

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


def _db_path(ctx: typer.Context, db: Optional[str]):
    from cjcase.store.paths import resolve_db_path

    chosen = db or (ctx.obj or {}).get("db")
    return resolve_db_path(chosen)


def _clock():
    from cjcase.domain.clock import Clock

    return Clock.from_environment()


def _open(ctx: typer.Context, db: Optional[str], read_only: bool = False):
    from cjcase.store.database import connect, is_encrypted

    path = _db_path(ctx, db)
    passphrase = _passphrase(f"Passphrase for {path}") if is_encrypted(path) else None
    return connect(path, read_only=read_only, passphrase=passphrase)


def _passphrase(prompt: str, confirm: bool = False) -> str:
    """CJCASE_PASSPHRASE when set; else asked (twice with `confirm`), or read from standard input."""
    given = os.environ.get("CJCASE_PASSPHRASE")
    if given:
        return given
    if sys.stdin.isatty():
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    lines = [sys.stdin.readline().rstrip("\n") for _ in range(2 if confirm else 1)]
    if confirm and lines[0] != lines[1]:
        raise UserError("The two passphrases differ: nothing was changed.")
    if not lines[0]:
        raise UserError("No passphrase was given: set CJCASE_PASSPHRASE or type it when asked.")
    return lines[0]


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
        open_tui(_db_path(ctx, db), read_only)  # which shows the warning on its screen
        return
    from cjcase.store.paths import synced_folder_warning

    chosen = db or os.environ.get("CJCASE_DB")
    warning = synced_folder_warning(Path(chosen)) if chosen else None
    if warning:
        _err(warning)


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

    from cjcase.services import demo as demo_data
    from cjcase.store.database import connect
    from cjcase.store.paths import default_db_path

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
        open_tui(path, read_only=False)


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

    from cjcase.services.importing.importer import ImportRejected, import_path

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


@app.command()
def export(
    ctx: typer.Context,
    template: Optional[str] = typer.Argument(
        None, help="The template: a file name in exports/ without .toml (see --list).", show_default=False),
    period: Optional[str] = typer.Option(None, "--period", help='A financial-year quarter, e.g. "2026-27 Q2".'),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day of a custom period."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day of a custom period."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv, xlsx or json (default: the template's first)."),
    out: Optional[Path] = typer.Option(None, "--out", help="The file to write, or a folder for a default name."),
    suppress: Optional[int] = typer.Option(None, "--suppress", help="Hide counts from 1 to N-1 (default: the template's)."),
    no_suppress: bool = typer.Option(False, "--no-suppress", help="Show every count (for use inside the organisation)."),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="Write even if the data-quality check finds problems."),
    organisation: Optional[str] = typer.Option(None, "--organisation", help="The organisation named on the cover (remembered)."),
    list_templates: bool = typer.Option(False, "--list", help="List the templates."),
    show_history: bool = typer.Option(False, "--history", help="List the exports written so far."),
    db: Optional[str] = DbOption,
) -> None:
    """Write a commissioner's return or the pseudonymised extract for a period."""
    from cjcase.returns import exporter, template as templates

    database = _open(ctx, db)
    user_dir = _db_path(ctx, db).parent / "exports"
    if list_templates:
        for item in templates.available(user_dir):
            detail = f"{item.kind}, {', '.join(item.formats)}"
            if item.suppression:
                detail += f", suppression {item.suppression}"
            typer.echo(f"{item.name:<28} {item.title} ({detail})")
        return
    if show_history:
        records = exporter.history(database)
        if not records:
            typer.echo("No return has been written from this database yet.")
        for record in records:
            typer.echo(f"{record.at}  {record.template}  {record.detail}")
        return
    if not template:
        raise UserError("Name a template to export, e.g. `cjcase export quarterly_return --period \"2026-27 Q2\"` "
                        "(`cjcase export --list` shows them).")
    chosen = templates.find(template, user_dir)
    chosen_period = _period(period, date_from, date_to)
    fmt = (fmt or chosen.formats[0]).lower()
    if fmt not in ("csv", "xlsx", "json"):
        raise UserError(f"--format is csv, xlsx or json, not {fmt}.")
    if organisation:
        exporter.set_organisation(database, organisation)
    clock = _clock()
    threshold = exporter.threshold_for(chosen, suppress, no_suppress)
    prepared = exporter.prepare(database, chosen, chosen_period, threshold, clock.now())
    for finding in prepared.findings:
        refs = ", ".join(finding.client_refs[:10]) + (" …" if len(finding.client_refs) > 10 else "")
        _err(f"Data quality: {finding.message} ({refs}).")
    if prepared.findings and not allow_incomplete:
        raise UserError("Nothing was written: fix what is listed above first, or write the return "
                        "anyway with --allow-incomplete (the problems go on the XLSX cover).")
    path = exporter.default_path(chosen, chosen_period, fmt, out)
    written = exporter.write(database, prepared, fmt, path, clock.now(), allow_incomplete=allow_incomplete)
    typer.echo(f"Wrote {written.path} ({chosen.title}, {chosen_period.label}, "
               f"{len(prepared.table.rows):,} rows, sha256 {written.sha256[:12]}…).")


def _period(period: Optional[str], date_from: Optional[str], date_to: Optional[str]):
    from cjcase.domain.dates import custom_period, parse_quarter, parse_user_date

    if period and (date_from or date_to):
        raise UserError("Give either --period or --from and --to, not both.")
    if period:
        return parse_quarter(period)
    if date_from and date_to:
        today = _clock().today()
        return custom_period(parse_user_date(date_from, today), parse_user_date(date_to, today))
    raise UserError('Say which period: --period "2026-27 Q2", or --from and --to dates.')


key_app = typer.Typer(help="Export or import the organisation's pseudonym key.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("export")
def key_export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Where to write the key.", show_default=False),
    db: Optional[str] = DbOption,
) -> None:
    """Write the pseudonym key to a file, for the organisation's other laptops."""
    from cjcase.services.keys import export_key

    export_key(_open(ctx, db), file)
    typer.echo(f"Wrote the pseudonym key to {file}. Keep it as safe as the caseload itself.")


@key_app.command("import")
def key_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A key written by `cjcase key export`.", show_default=False),
    db: Optional[str] = DbOption,
) -> None:
    """Use the organisation's pseudonym key from another laptop, so pseudonyms agree."""
    from cjcase.services.keys import import_key

    import_key(_open(ctx, db), file)
    typer.echo("The pseudonym key was imported: extracts from this laptop now match the others.")


@app.command()
def backup(
    ctx: typer.Context,
    path: Optional[Path] = typer.Argument(None, help="Where to write the backup (a file or folder; default: backups/ beside the database).", show_default=False),
    list_them: bool = typer.Option(False, "--list", help="List the backups kept."),
    db: Optional[str] = DbOption,
) -> None:
    """Back up the caseload now (a verified copy), or list the backups kept."""
    from cjcase.store import backups
    from cjcase.store.database import backup_dir

    db_path = _db_path(ctx, db)
    if list_them:
        kept = backups.list_backups(backup_dir(db_path))
        if not kept:
            typer.echo(f"No backups yet in {backup_dir(db_path)}.")
        for item in kept:
            typer.echo(f"{item.taken_at:%d/%m/%Y %H:%M}  {item.reason:<14} {item.size / 1_048_576:8.1f} MB  {item.path}")
        return
    database = _open(ctx, db)
    folder = backup_dir(db_path) if path is None else (path if path.is_dir() else path.parent)
    written = backups.write_backup(database, folder, "manual")
    if path is not None and not path.is_dir():
        written = written.replace(path)
    typer.echo(f"Backed up and verified: {written}")


@app.command()
def restore(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The backup file to restore.", show_default=False),
    db: Optional[str] = DbOption,
) -> None:
    """Replace the caseload with a verified backup (the current file is kept aside)."""
    from cjcase.store import backups
    from cjcase.services import erasure
    from cjcase.services.audit import write_audit
    from cjcase.store.database import is_encrypted

    db_path = _db_path(ctx, db)
    passphrase = _passphrase(f"Passphrase for {path}") if is_encrypted(Path(path)) else None
    aside = backups.restore(db_path, path, passphrase)
    from cjcase.store.database import connect

    database = connect(db_path, passphrase=passphrase)
    again = erasure.reapply(database, db_path)
    with database.atomic():
        write_audit(database, "restore", "database", None, None, f"erasures re-applied {len(again)}")
    typer.echo(f"Restored {path} into {db_path}. The file it replaced is kept as {aside}.")
    if again:
        typer.echo(f"{len(again)} client(s) erased since that backup were erased again.")


@app.command()
def check(ctx: typer.Context, db: Optional[str] = DbOption) -> None:
    """Check the caseload: the file, its links, every record's rules, the audit chain."""
    from cjcase.services.integrity import check as run_check

    problems = run_check(_open(ctx, db, read_only=True))
    if problems:
        for problem in problems:
            _err(problem)
        raise UserError(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    typer.echo("All checks passed: the file is sound, every record keeps the rules and the audit chain is unbroken.")


@app.command()
def erase(
    ctx: typer.Context,
    client_ref: str = typer.Argument(..., help="The client's reference.", show_default=False),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: Optional[str] = DbOption,
) -> None:
    """Erase every personal value of a client (right to erasure); keeps a tombstone only."""
    from cjcase.services import erasure

    database = _open(ctx, db)
    rows = list(database.query("SELECT first_name, last_name FROM clients WHERE client_ref = ?", [client_ref]))
    if not rows:
        raise UserError(f"No client has the reference {client_ref}.")
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("Erasure cannot be undone: add --yes to confirm when not at a terminal.")
        typer.confirm(f"Erase {rows[0]['first_name']} {rows[0]['last_name']} ({client_ref}) and every record "
                      "about them? This cannot be undone", abort=True)
    erasure.erase(database, client_ref, _db_path(ctx, db))
    typer.echo(f"Erased {client_ref}. A tombstone without personal data remains.")


@app.command()
def retention(
    ctx: typer.Context,
    years: int = typer.Option(8, "--years", help="Erase clients whose last episode closed more than this many years ago.", min=1),
    apply: bool = typer.Option(False, "--apply", help="Erase them (without this, only list them)."),
    db: Optional[str] = DbOption,
) -> None:
    """List (or with --apply, erase) clients kept longer than the retention period."""
    from cjcase.services import erasure

    database = _open(ctx, db, read_only=not apply)
    due = erasure.retention_candidates(database, years, _clock().today())
    if not due:
        typer.echo(f"Nobody's last episode closed more than {years} years ago.")
        return
    for item in due:
        typer.echo(f"{item.client_ref}  last discharge {item.last_discharge:%d/%m/%Y}")
    if not apply:
        typer.echo(f"{len(due)} client(s) are past {years} years; `--apply` erases them.")
        return
    for item in due:
        erasure.erase(database, item.client_ref, _db_path(ctx, db), reason="retention")
    typer.echo(f"Erased {len(due)} client(s) past the {years}-year retention period.")


@app.command()
def encrypt(
    ctx: typer.Context,
    lock_after: int = typer.Option(5, "--lock-after", help="Minutes without use before the TUI locks.", min=1),
    db: Optional[str] = DbOption,
) -> None:
    """Encrypt the caseload and its backups with a passphrase (SQLCipher)."""
    from cjcase.store.encryption import encrypt as encrypt_database

    path = _db_path(ctx, db)
    passphrase = _passphrase("New passphrase", confirm=True)
    encrypted = encrypt_database(path, passphrase)
    from cjcase.store.database import connect

    database = connect(path, passphrase=passphrase)
    with database.atomic():
        database.execute("INSERT INTO settings (key, value) VALUES ('lock_after_minutes', ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [str(lock_after)])
    database.close()
    typer.echo(f"Encrypted {path} and {len(encrypted)} backup(s). Keep the passphrase safe: "
               "without it nobody, including you, can open the caseload.")


@app.command("agenda")
def agenda_command(
    ctx: typer.Context,
    days: int = typer.Option(14, "--days", help="How many days after the first to include.", min=0, max=366),
    date_from: Optional[str] = typer.Option(None, "--from", help="The first day (default today)."),
    keyworker: Optional[str] = typer.Option(None, "--keyworker", help="Only this keyworker's clients."),
    peer_mentor: Optional[str] = typer.Option(None, "--peer-mentor", help="Only appointments this peer mentor is booked for."),
    court: bool = typer.Option(False, "--court", help="The court-duty run sheet for the first day."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write the same as a printable page."),
    ics: Optional[Path] = typer.Option(None, "--ics", help="Write appointments and hearings as an iCalendar file."),
    db: Optional[str] = DbOption,
) -> None:
    """Print the agenda (or the court-duty run sheet), as a page or a calendar file too."""
    from datetime import timedelta

    from rich.console import Console
    from rich.table import Table

    from cjcase.services import agenda as agenda_service
    from cjcase.services import settings
    from cjcase.services.calendar import to_ics, write_file
    from cjcase.domain.dates import format_date, parse_user_date
    from cjcase.domain.privacy import display_name

    database = _open(ctx, db, read_only=True)
    clock = _clock()
    first = parse_user_date(date_from, clock.today()) if date_from else clock.today()
    last = first + timedelta(days=days)
    style = settings.get(database, "name_display")

    def who(first_name, last_name, ref):
        shown = display_name(first_name, last_name, ref, style)
        return shown if ref in shown else f"{shown} ({ref})"

    console = Console(record=bool(html), width=110 if html else None)
    if ics:
        written = write_file(ics, to_ics(database, first, last, keyworker))
        typer.echo(f"Wrote {written}: appointments and hearings {format_date(first)} to {format_date(last)}.")
        if not html and not court:
            return
    for reminder in agenda_service.reminders(database, clock.now()):
        console.print(f"[bold]Reminder:[/] {reminder}")
    if court:
        table = Table(title=f"Court duty · {format_date(first)}", title_justify="left", expand=True)
        for column in ("Time", "Court", "Client", "Hearing", "Keyworker", "Needs on the day"):
            table.add_column(column)
        hearings = agenda_service.court_run_sheet(database, first)
        for row in hearings:
            if keyworker and row["keyworker"] != keyworker:
                continue
            table.add_row(row["hearing_at"][11:], row["court"], who(row["first_name"], row["last_name"], row["client_ref"]),
                          row["hearing_type"].replace("_", " "), row["keyworker"] or "—", row["support_needed"] or "")
        if not hearings:
            table.add_row("", "No hearings on this day.", "", "", "", "")
    else:
        table = Table(title=f"Agenda · {format_date(first)} to {format_date(last)}", title_justify="left",
                      expand=True)
        for column in ("When", "Client", "What", "Keyworker"):
            table.add_column(column)
        items = agenda_service.agenda(database, first, last, keyworker, peer_mentor)
        current = None
        for item in items:
            if item.day != current:
                current = item.day
                table.add_row(f"[bold]{format_date(item.day)}[/]", "", "", "")
            table.add_row(f"{item.at:%H:%M}" if item.at else "", who(item.first_name, item.last_name, item.client_ref),
                          item.summary, item.keyworker or "—")
        if not items:
            table.add_row("", "Nothing is due in these days.", "", "")
    console.print(table)
    if html:
        written = write_file(html, console.export_html(inline_styles=True))
        typer.echo(f"Wrote {written}: open it in a browser to print.")


@app.command("settings")
def settings_command(
    ctx: typer.Context,
    key: Optional[str] = typer.Argument(None, help="The setting to show or change.", show_default=False),
    value: Optional[str] = typer.Argument(None, help="Its new value.", show_default=False),
    db: Optional[str] = DbOption,
) -> None:
    """Show the organisation's settings, or change one (e.g. `settings name_display initials_ref`)."""
    from cjcase.services import settings

    database = _open(ctx, db, read_only=value is None)
    if key and value is not None:
        settings.set_value(database, key, value)
        typer.echo(f"{key} is now {value}.")
        return
    for setting in settings.SETTINGS.values():
        if key and setting.key != key:
            continue
        choices = f" ({' | '.join(setting.choices)})" if setting.choices else ""
        typer.echo(f"{setting.key:<20} {settings.get(database, setting.key) or '—':<14} {setting.help}{choices}")
