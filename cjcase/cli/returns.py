"""Commands that write returns and carry the pseudonym key between laptops."""

from __future__ import annotations

from pathlib import Path

import typer

from cjcase.cli.common import DbOption, caseload_path, err, open_db, program_clock, root_read_only, where_it_looked
from cjcase.domain.errors import UserError

commands = typer.Typer()


@commands.command()
def export(
    ctx: typer.Context,
    template: str | None = typer.Argument(
        None, help="The template: a file name in exports/ without .toml (see --list).", show_default=False
    ),
    period: str | None = typer.Option(None, "--period", help='A financial-year quarter, e.g. "2026-27 Q2".'),
    date_from: str | None = typer.Option(None, "--from", help="First day of a custom period."),
    date_to: str | None = typer.Option(None, "--to", help="Last day of a custom period."),
    fmt: str | None = typer.Option(None, "--format", help="csv, xlsx or json (default: the template's first)."),
    out: Path | None = typer.Option(None, "--out", help="The file to write, or a folder for a default name."),
    suppress: int | None = typer.Option(
        None, "--suppress", help="Hide counts from 1 to N-1 (default: the template's)."
    ),
    no_suppress: bool = typer.Option(
        False, "--no-suppress", help="Show every count (for use inside the organisation)."
    ),
    allow_incomplete: bool = typer.Option(
        False, "--allow-incomplete", help="Write even if the data-quality check finds problems."
    ),
    allow_small_groups: bool = typer.Option(
        False, "--allow-small-groups", help="Write an extract even if some rows could be singled out."
    ),
    organisation: str | None = typer.Option(
        None, "--organisation", help="The organisation named on the cover (remembered)."
    ),
    list_templates: bool = typer.Option(False, "--list", help="List the templates."),
    show_history: bool = typer.Option(False, "--history", help="List the exports written so far."),
    db: str | None = DbOption,
) -> None:
    """Write a commissioner's return or the pseudonymised extract for a period."""
    from cjcase.returns import exporter
    from cjcase.returns import template as templates
    from cjcase.services.caseload_file import client_count

    user_dir = caseload_path(ctx, db).parent / "exports"
    if list_templates:
        good, problems = templates.catalogue(user_dir)
        for problem in problems:
            err(f"Not listed: {problem}")
        for item in good:
            detail = f"{item.kind}, {', '.join(item.formats)}"
            if item.suppression:
                detail += f", suppression {item.suppression}"
            typer.echo(f"{item.name:<28} {item.title} ({detail})")
        return
    database = open_db(ctx, db, reads=True, alongside=True)
    if show_history:
        records = exporter.history(database)
        if not records:
            typer.echo("No return has been written from this database yet.")
        for record in records:
            typer.echo(f"{record.at} UTC  {record.template}  {record.detail}")
        return
    if not template:
        raise UserError(
            'Name a template to export, e.g. `cjcase export quarterly_return --period "2026-27 Q2"` '
            "(`cjcase export --list` shows them)."
        )
    chosen = templates.find(template, user_dir)
    if not client_count(database):
        raise UserError(
            f"The caseload at {caseload_path(ctx, db)} holds no clients, so a return from it would count "
            f"nobody: nothing was written. {where_it_looked(ctx, db)}"
        )
    chosen_period = _period(period, date_from, date_to)
    fmt = (fmt or chosen.formats[0]).lower()
    if fmt not in ("csv", "xlsx", "json"):
        raise UserError(f"--format is csv, xlsx or json, not {fmt}.")
    if organisation and root_read_only(ctx):
        raise UserError(
            "--read-only changes nothing but the export log, so it cannot remember --organisation: "
            "leave it out, or give it once without --read-only."
        )
    if organisation:
        exporter.set_organisation(database, organisation)
    clock = program_clock()
    threshold = exporter.threshold_for(chosen, suppress, no_suppress)
    prepared = exporter.prepare(database, chosen, chosen_period, threshold, clock.now())
    for warning in prepared.warnings:
        err(f"Warning: {warning}")
    for finding in prepared.findings:
        err(f"Data quality: {finding.described()}.")
    for note in prepared.notes:
        err(f"Note ({chosen_period.label}): {note.described()}.")
    if prepared.findings and not allow_incomplete:
        raise UserError(
            "Nothing was written: fix what is listed above first, or write the return "
            "anyway with --allow-incomplete (the problems go on its cover, notes or problems list)."
        )
    path = exporter.default_path(chosen, chosen_period, fmt, out)
    written = exporter.write(
        database,
        prepared,
        fmt,
        path,
        clock.now(),
        allow_incomplete=allow_incomplete,
        allow_small_groups=allow_small_groups,
    )
    typer.echo(
        f"Wrote {written.path} ({chosen.title}, {chosen_period.label}, "
        f"{len(prepared.table.rows):,} rows, sha256 {written.sha256[:12]}…)."
    )


def _period(period: str | None, date_from: str | None, date_to: str | None):
    from cjcase.domain.dates import custom_period, parse_quarter, parse_user_date

    if period and (date_from or date_to):
        raise UserError("Give either --period or --from and --to, not both.")
    if period:
        return parse_quarter(period)
    if date_from and date_to:
        today = program_clock().today()
        return custom_period(parse_user_date(date_from, today), parse_user_date(date_to, today))
    raise UserError('Say which period: --period "2026-27 Q2", or --from and --to dates.')


key_app = typer.Typer(help="Export or import the organisation's pseudonym key.", no_args_is_help=True)
commands.add_typer(key_app, name="key")


@key_app.command("export")
def key_export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Where to write the key.", show_default=False),
    db: str | None = DbOption,
) -> None:
    """Write the pseudonym key to a file, for the organisation's other laptops."""
    from cjcase.services.keys import export_key

    export_key(open_db(ctx, db, reads=True), file)
    typer.echo(f"Wrote the pseudonym key to {file}. Keep it as safe as the caseload itself.")


@key_app.command("import")
def key_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A key written by `cjcase key export`.", show_default=False),
    force: bool = typer.Option(False, "--force", help="Replace a different key already in use."),
    db: str | None = DbOption,
) -> None:
    """Use the organisation's pseudonym key from another laptop, so pseudonyms agree."""
    import sys

    from cjcase.domain.errors import KeyChangeRefused
    from cjcase.services.keys import import_key

    database = open_db(ctx, db)
    try:
        import_key(database, file, force=force)
    except KeyChangeRefused as refused:
        if not sys.stdin.isatty():
            raise
        if not typer.confirm(f"{refused} Replace it now?", default=False):
            raise UserError("The key was not changed.") from None
        import_key(database, file, force=True)
    typer.echo("The pseudonym key was imported: extracts from this laptop now match the others.")
