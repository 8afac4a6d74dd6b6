"""The `cjcase` command's entry point, and opening the caseload in the terminal.

Opening the caseload (`cjcase`, with `--db PATH` or `--read-only`) goes straight to the screen;
every other command line goes through typer (cli/). Typer reads option values through
pydantic, which cost about 0.15 s before the first frame: half again what a bare Textual app
takes to paint. Nothing here imports more than the standard library until the screen is built.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cjcase.domain.errors import CjcaseError, UserError


def tui_arguments(args: list[str]) -> tuple[str | None, bool] | None:
    """`(db, read_only)` when the arguments only open the caseload; None for anything else,
    which typer then reads (and explains, when it is wrong)."""
    db, read_only = None, False
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--read-only":
            read_only = True
        elif arg == "--db" and rest and not rest[0].startswith("-"):
            db = rest.pop(0)
        elif arg.startswith("--db=") and len(arg) > len("--db="):
            db = arg[len("--db=") :]
        else:
            return None
    return db, read_only


def open_tui(path: Path, read_only: bool) -> None:
    """Run the terminal interface on a caseload file until the user quits."""
    from cjcase.domain.clock import Clock
    from cjcase.store.paths import is_encrypted, synced_folder_warning
    from cjcase.tui.app import make_app, make_opening_app

    clock = Clock.from_environment()

    def connect(*args, **kwargs):
        from cjcase.services.caseload_file import open_caseload  # after the first frame, in the app's worker

        return open_caseload(*args, editing=not kwargs.get("read_only", False), **kwargs)

    # The file is checked in the background once the agenda is painted, so start-up stays quick.
    if is_encrypted(path):
        from cjcase.services import settings

        passphrase = os.environ.get("CJCASE_PASSPHRASE")
        if passphrase:
            database = connect(path, read_only=read_only, verify=False, passphrase=passphrase)
        else:
            from cjcase.tui.screens.lock_screens import PassphraseApp

            database = PassphraseApp(
                str(path), lambda phrase: connect(path, read_only=read_only, verify=False, passphrase=phrase)
            ).run()
            if database is None:
                return
        app = make_app(database, clock, path=path, read_only=read_only)
        app.lock_after_seconds = int(settings.get(database, "lock_after_minutes")) * 60
    else:
        # The screen is painted first; the database is opened (and upgraded) just after.
        app = make_opening_app(
            lambda: connect(path, read_only=read_only, verify=False), clock, path=path, read_only=read_only
        )
    app.start_warning = synced_folder_warning(path)
    result = app.run()
    if app.return_code == 1 and isinstance(result, str):
        raise UserError(result)


def main() -> None:
    """Run `cjcase`: a user's mistake is a sentence on stderr and exit code 1, never a traceback."""
    try:
        opening = tui_arguments(sys.argv[1:])
        if opening is None:
            from cjcase.cli.main import app

            app(obj={"open_tui": open_tui})
        else:
            from cjcase.store.paths import resolve_db_path

            db, read_only = opening
            open_tui(resolve_db_path(db), read_only)
    except CjcaseError as error:
        print(error, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        sys.exit(130)
