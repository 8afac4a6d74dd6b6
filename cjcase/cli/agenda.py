"""The agenda printed: the fortnight by day, the court-duty run sheet, HTML and ICS."""

from __future__ import annotations

from pathlib import Path

import typer

from cjcase.cli.common import DbOption, open_db, program_clock

commands = typer.Typer()


@commands.command("agenda")
def agenda_command(
    ctx: typer.Context,
    days: int = typer.Option(14, "--days", help="How many days after the first to include.", min=0, max=366),
    date_from: str | None = typer.Option(None, "--from", help="The first day (default today)."),
    keyworker: str | None = typer.Option(None, "--keyworker", help="Only this keyworker's clients."),
    peer_mentor: str | None = typer.Option(
        None, "--peer-mentor", help="Only appointments this peer mentor is booked for."
    ),
    court: bool = typer.Option(False, "--court", help="The court-duty run sheet for the first day."),
    html: Path | None = typer.Option(None, "--html", help="Also write the same as a printable page."),
    ics: Path | None = typer.Option(None, "--ics", help="Write appointments and hearings as an iCalendar file."),
    db: str | None = DbOption,
) -> None:
    """Print the agenda (or the court-duty run sheet), as a page or a calendar file too."""
    from datetime import timedelta

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cjcase.domain import codes
    from cjcase.domain.dates import format_date, parse_user_date
    from cjcase.domain.privacy import display_name
    from cjcase.services import agenda as agenda_service
    from cjcase.services import settings
    from cjcase.services.calendar import to_ics, write_file

    database = open_db(ctx, db, read_only=True, reads=True)
    clock = program_clock()
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
        # User text is a Text, never markup: a name like "[/bold]Ann" is printed as typed.
        console.print(Text.assemble(("Reminder:", "bold"), " ", reminder))
    if court:
        table = Table(title=f"Court duty · {format_date(first)}", title_justify="left", expand=True)
        for column in ("Time", "Court", "Client", "Hearing", "Keyworker", "Needs on the day"):
            table.add_column(column)
        hearings = agenda_service.court_run_sheet(database, first)
        for row in hearings:
            if keyworker and row["keyworker"] != keyworker:
                continue
            table.add_row(
                *map(
                    Text,
                    (
                        row["hearing_at"][11:],
                        row["court"],
                        who(row["first_name"], row["last_name"], row["client_ref"]),
                        codes.label(row["hearing_type"]) + (f" · {row['order_title']}" if row["order_title"] else ""),
                        row["keyworker"] or "—",
                        row["support_needed"] or "",
                    ),
                )
            )
        if not hearings:
            table.add_row("", "No hearings on this day.", "", "", "", "")
    else:
        table = Table(title=f"Agenda · {format_date(first)} to {format_date(last)}", title_justify="left", expand=True)
        for column in ("When", "Client", "What", "Keyworker"):
            table.add_column(column)
        items = agenda_service.agenda(database, first, last, keyworker, peer_mentor)
        current = None
        for item in items:
            if item.day != current:
                current = item.day
                table.add_row(f"[bold]{format_date(item.day)}[/]", "", "", "")
            table.add_row(
                *map(
                    Text,
                    (
                        f"{item.at:%H:%M}" if item.at else "",
                        who(item.first_name, item.last_name, item.client_ref),
                        item.summary,
                        item.keyworker or "—",
                    ),
                )
            )
        if not items:
            table.add_row("", "Nothing is due in these days.", "", "")
    console.print(table)
    if html:
        written = write_file(html, console.export_html(inline_styles=True))
        typer.echo(f"Wrote {written}: open it in a browser to print.")
