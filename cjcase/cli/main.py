"""The `cjcase` command line: one typer app made of the areas' commands.

The entry point (launch.py) runs it with `obj={"open_tui": ...}`: the commands that open the
caseload in the terminal (`cjcase --db X`, `cjcase demo`) call that, so the command line never
imports the TUI.
"""

from __future__ import annotations

import typer

from cjcase.cli import agenda, caseload, organisation, returns, safety
from cjcase.cli.common import DbOption, caseload_path, err, open_tui

app = typer.Typer(
    help="cjcase: a caseload manager for criminal-justice drug and alcohol keyworkers. "
    "With no command, opens the caseload in the terminal.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
for area in (caseload, returns, safety, agenda, organisation):
    app.add_typer(area.commands)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str | None = DbOption,
    read_only: bool = typer.Option(False, "--read-only", help="Open without allowing changes."),
) -> None:
    """Open the caseload in the terminal (the agenda first)."""
    ctx.obj = {**(ctx.obj or {}), "db": db, "read_only": read_only}
    if ctx.invoked_subcommand is None:
        open_tui(ctx, caseload_path(ctx, db), read_only)  # which shows the warning on its screen
        return
    from cjcase.store.paths import chosen_db_path, synced_folder_warning

    chosen = chosen_db_path(db)
    warning = synced_folder_warning(chosen) if chosen else None
    if warning:
        err(warning)
