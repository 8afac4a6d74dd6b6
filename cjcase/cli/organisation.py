"""Commands for an organisation with several laptops: hand a client over, receive one, combine."""

from __future__ import annotations

from pathlib import Path

import typer

from cjcase.cli.common import DbOption, ask_passphrase, open_db
from cjcase.domain.errors import UserError

commands = typer.Typer()


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@commands.command()
def handover(
    ctx: typer.Context,
    client_ref: str = typer.Argument(..., help="The client's reference.", show_default=False),
    out: Path = typer.Option(..., "--out", help="The handover file to write.", show_default=False),
    to: str | None = typer.Option(None, "--to", help="Who the client is handed over to.", metavar="NAME"),
    db: str | None = DbOption,
) -> None:
    """Hand a client over to a colleague: their whole record in a file only the organisation opens."""
    from cjcase.services.handover import hand_over

    done = hand_over(open_db(ctx, db), client_ref, out, to)
    typer.echo(
        f"Handed over {done.client_ref}: {_count(done.rows, 'record')} and {_count(done.audit_rows, 'audit row')} "
        f"written to "
        f"{done.path}, encrypted with the organisation's key. This caseload keeps a handover record only; "
        "give the file to the colleague, who runs `cjcase receive FILE`."
    )


@commands.command()
def receive(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The handover file.", show_default=False),
    db: str | None = DbOption,
) -> None:
    """Add the client in a handover file to this caseload (all or nothing)."""
    from cjcase.services.handover import receive as receive_file

    got = receive_file(open_db(ctx, db), file)
    back = " (taken back in: this caseload had handed them over)" if got.taken_back else ""
    typer.echo(
        f"Received {got.client_ref} from {got.sender or 'a colleague'}{back}: {_count(got.rows, 'record')} and "
        f"{_count(got.audit_rows, 'audit row')}. The handover file can now be deleted."
    )


@commands.command()
def combine(
    out: Path = typer.Argument(..., help="The combined file to write.", show_default=False, metavar="OUT.db"),
    caseloads: list[Path] = typer.Argument(..., help="The keyworkers' caseload files.", show_default=False),
) -> None:
    """Combine several caseload files into one organisation file for the returns (read-only)."""
    from cjcase.services.combine import combine as combine_files
    from cjcase.store.files import is_encrypted

    inputs = []
    for path in caseloads:
        if not path.is_file():
            raise UserError(f"There is no caseload at {path}: check the name. Nothing was written.")
        inputs.append((path, ask_passphrase(f"Passphrase for {path}") if is_encrypted(path) else None))
    out_passphrase = None
    if any(phrase for _, phrase in inputs):
        from cjcase.store.encryption import check_passphrase

        out_passphrase = ask_passphrase(f"Passphrase for the combined file {out}", confirm=True)
        check_passphrase(out_passphrase)
    done = combine_files(out, inputs, out_passphrase)
    if done.in_transit:
        from cjcase.cli.common import err

        err(
            f"{len(done.in_transit)} client(s) handed over are on none of these caseloads, so the combined file "
            f"has no record of them: {', '.join(done.in_transit)}. Receive each handover file on the colleague's "
            "laptop (or add that laptop's caseload), then combine again."
        )
    typer.echo(
        f"Combined {done.files} caseloads into {done.path}: {_count(done.clients, 'client')}"
        + (f", {done.handed_over:,} of them handed over between laptops and counted once" if done.handed_over else "")
        + f". It is read-only{' and encrypted' if out_passphrase else ''}: `cjcase export`, `agenda`, "
        "`check` and `--read-only` work on it; to change a record, edit on the keyworker's laptop and combine again."
    )
