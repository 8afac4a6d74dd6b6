"""The agenda printed: the fortnight by day, the court-duty run sheet, HTML and ICS."""

from __future__ import annotations

from pathlib import Path

import typer

from cjcase.cli.common import DbOption, open_db, program_clock

commands = typer.Typer()


def due_release_lines(database, clock, last, keyworker, read_only: bool, who) -> list[tuple[str, str, str, str]]:
    """Releases due up to `last` (those past their expected date and not recorded included):
    expected date, client, prison, and the pre-release checklist's gaps; a volunteer's copy says
    only whether the gate pick-up is booked."""
    from datetime import date

    from cjcase.domain.dates import format_date
    from cjcase.domain.releases import missing
    from cjcase.services.releases import Releases

    lines = []
    for view in Releases(database, clock).due(date.min, last, keyworker):
        release = view.release
        if read_only:
            status = "gate pick-up " + ("booked" if release.gate_pickup_booked == "yes" else "not booked")
        else:
            status = ("missing " + ", ".join(missing(release))) if missing(release) else "checklist complete"
        lines.append(
            (
                format_date(release.expected_date),
                who(view.first_name, view.last_name, view.client_ref),
                release.prison or "—",
                status,
            )
        )
    return lines


def due_releases_table(lines: list[tuple[str, str, str, str]]):
    """The releases due as a table for the terminal."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Releases due", title_justify="left", expand=True)
    for column in ("Expected", "Client", "Prison", "Checklist"):
        table.add_column(column)
    for line in lines:
        table.add_row(*map(Text, line))
    return table


@commands.command("agenda")
def agenda_command(
    ctx: typer.Context,
    days: int = typer.Option(14, "--days", help="How many days after the first to include.", min=0, max=366),
    date_from: str | None = typer.Option(None, "--from", help="The first day (default today)."),
    keyworker: str | None = typer.Option(
        None, "--keyworker", help="Only this keyworker's clients (the first letters of the name will do)."
    ),
    peer_mentor: str | None = typer.Option(
        None, "--peer-mentor", help="Only appointments this peer mentor is booked for."
    ),
    court: bool = typer.Option(False, "--court", help="The court-duty run sheet for the first day."),
    html: Path | None = typer.Option(
        None, "--html", help="Write it as a printable page (A4) instead, and print the page's path."
    ),
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
    from cjcase.services import names, settings
    from cjcase.services.calendar import to_ics, write_file

    database = open_db(ctx, db, read_only=True, reads=True)
    clock = program_clock()
    first = parse_user_date(date_from, clock.today()) if date_from else clock.today()
    last = first + timedelta(days=days)
    style = settings.get(database, "name_display")

    def who(first_name, last_name, ref):
        shown = display_name(first_name, last_name, ref, style)
        return shown if ref in shown else f"{shown} ({ref})"

    if keyworker:
        keyworker = names.choose(database, "keyworker", keyworker)  # `sam` is Sam Okafor, if only Sam
    if ics:
        written = write_file(ics, to_ics(database, first, last, keyworker))
        typer.echo(f"Wrote {written}: appointments and hearings {format_date(first)} to {format_date(last)}.")
        if not html and not court:
            return
    # Reminders speak of today: a run sheet for another day leaves them off.
    reminders = agenda_service.reminders(database, clock.now()) if not court or first == clock.today() else []
    whose = f" · {keyworker}" if keyworker else ""
    rows: list[tuple[str, ...] | str] = []  # a row of cells, or a day's heading
    if court:
        title = f"Court duty · {format_date(first)}{whose}"
        columns = COURT_COLUMNS
        hearings = [
            row
            for row in agenda_service.court_run_sheet(database, first)
            if not keyworker or (row["keyworker"] or "").casefold() == keyworker.casefold()
        ]
        for row in hearings:
            rows.append(
                (
                    row["hearing_at"][11:],
                    row["court"],
                    who(row["first_name"], row["last_name"], row["client_ref"]),
                    codes.label(row["hearing_type"]) + (f" · {row['order_title']}" if row["order_title"] else ""),
                    row["keyworker"] or "—",
                    row["support_needed"] or "",
                )
            )
        empty = "No hearings on this day."
    else:
        title = f"Agenda · {format_date(first)} to {format_date(last)}{whose}"
        columns = AGENDA_COLUMNS
        items = agenda_service.agenda(database, first, last, keyworker, peer_mentor)
        current = None
        for item in items:
            if item.day != current:
                current = item.day
                rows.append(format_date(item.day))
            rows.append(
                (
                    f"{item.at:%H:%M}" if item.at else "",
                    who(item.first_name, item.last_name, item.client_ref),
                    item.summary,
                    item.keyworker or "—",
                )
            )
        empty = "Nothing is due in these days."
    release_lines = (
        []
        if court or peer_mentor
        else due_release_lines(database, clock, last, keyworker, bool(ctx.obj and ctx.obj.get("read_only")), who)
    )
    if html:
        if release_lines:  # on paper, the releases due follow the days (expected, client, prison, checklist)
            rows = [
                *rows,
                "Releases due",
                *[(d.rsplit(" ", 1)[0], c, f"{p}: {what}", "") for d, c, p, what in release_lines],
            ]
        written = write_file(html, printable_page(title, reminders, columns, rows, empty))
        typer.echo(str(written))  # only its path: a script can open or print it
        return
    console = Console()
    # The reminders are for the person at the terminal, on stderr: `agenda > sheet.txt` keeps
    # only the agenda.
    notices = Console(stderr=True)
    for reminder in reminders:
        # User text is a Text, never markup: a name like "[/bold]Ann" is printed as typed.
        notices.print(Text.assemble(("Reminder:", "bold"), " ", reminder))
    table = Table(title=title, title_justify="left", expand=True)
    for column, _width in columns:
        table.add_column(column)
    for row in rows:
        if isinstance(row, str):
            table.add_row(Text(row, style="bold"), *[""] * (len(columns) - 1))
        else:
            table.add_row(*map(Text, row))
    if not rows:
        table.add_row("", empty, *[""] * (len(columns) - 2))
    console.print(table)
    if release_lines:
        console.print(due_releases_table(release_lines))


# Each column's share of an A4 page's width, for the printable page.
AGENDA_COLUMNS = (("When", 9), ("Client", 28), ("What", 45), ("Keyworker", 18))
COURT_COLUMNS = (
    ("Time", 7),
    ("Court", 17),
    ("Client", 20),
    ("Hearing", 12),
    ("Keyworker", 14),
    ("Needs on the day", 30),
)

PAGE_STYLE = """
@page { size: A4; margin: 12mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #000; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 6pt; }
p.reminder { margin: 0 0 3pt; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-top: 6pt; }
th, td { text-align: left; vertical-align: top; padding: 3pt 4pt; border-bottom: 0.5pt solid #999;
         overflow-wrap: anywhere; }
thead { display: table-header-group; }
thead th { border-bottom: 1pt solid #000; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.day th { background: #e8e8e8; padding-top: 5pt; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
@media screen { body { max-width: 186mm; margin: 12mm auto; } }
"""


def printable_page(
    title: str,
    reminders: list[str],
    columns: tuple[tuple[str, int], ...],
    rows: list[tuple[str, ...] | str],
    empty: str,
) -> str:
    """The agenda or run sheet as an HTML page: a real table, its header repeated on every
    printed A4 page, each column a fixed share of the width. Every value is escaped."""
    from html import escape

    lines = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        '<head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{PAGE_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
    ]
    lines += [f'<p class="reminder"><strong>Reminder:</strong> {escape(text)}</p>' for text in reminders]
    lines.append("<table>")
    lines.append("<colgroup>" + "".join(f'<col style="width: {width}%">' for _name, width in columns) + "</colgroup>")
    lines.append(
        "<thead><tr>" + "".join(f'<th scope="col">{escape(name)}</th>' for name, _width in columns) + "</tr></thead>"
    )
    lines.append("<tbody>")
    for row in rows:
        if isinstance(row, str):
            lines.append(f'<tr class="day"><th scope="rowgroup" colspan="{len(columns)}">{escape(row)}</th></tr>')
        else:
            lines.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>")
    if not rows:
        lines.append(f'<tr><td colspan="{len(columns)}">{escape(empty)}</td></tr>')
    lines += ["</tbody>", "</table>", "</body>", "</html>", ""]
    return "\n".join(lines)
