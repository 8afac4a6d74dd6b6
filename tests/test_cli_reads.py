"""Commands that read a caseload: never from a file they made themselves, alongside an open
editing session, and the agenda's printouts (issue 16, items 13 to 15)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cjcase.services.caseload_file import open_caseload
from tests.helpers import SAMPLE

PERIOD = ("--period", "2026-27 Q2")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CJCASE_TODAY": "2026-11-20", **(env or {})}
    environment.pop("CJCASE_DB", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cjcase", *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def fresh_machine(tmp_path) -> tuple[dict, object]:
    """A user with no caseload yet: the environment, and where the default caseload would be."""
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    return env, home / "data" / "cjcase" / "caseload.db"


@pytest.mark.parametrize(
    "command",
    [
        ("export", "quarterly_return", *PERIOD),
        ("export", "--history"),
        ("check",),
        ("agenda",),
        ("backup",),
        ("retention",),
        ("settings",),
        ("erase", "CJ-1", "--yes"),
        ("key", "export", "key.txt"),
    ],
)
def test_a_command_that_reads_a_caseload_refuses_when_there_is_none_and_makes_none(fresh_machine, command):
    env, default = fresh_machine
    result = run(*command, env=env)
    assert result.returncode == 1, result.stdout
    assert f"There is no caseload at {default}" in result.stderr
    assert "--db" in result.stderr and "CJCASE_DB" in result.stderr
    assert "Traceback" not in result.stderr
    assert not default.exists()


@pytest.mark.parametrize(
    "command", [("export", "quarterly_return", *PERIOD, "--allow-incomplete"), ("check",), ("agenda",)]
)
def test_an_empty_default_caseload_made_by_an_earlier_run_is_refused_naming_its_path(fresh_machine, command):
    env, default = fresh_machine
    open_caseload(default).close()  # what `cjcase export` without --db left behind before
    result = run(*command, env=env)
    assert result.returncode == 1, result.stdout
    assert f"The caseload at {default} holds no clients" in result.stderr
    assert "--db" in result.stderr and "CJCASE_DB" in result.stderr
    assert "No problems" not in result.stdout and "passed" not in result.stdout


def test_an_export_of_an_empty_caseload_never_passes_silently(tmp_path):
    empty = tmp_path / "empty.db"
    open_caseload(empty).close()
    out = tmp_path / "q.csv"
    result = run("--db", str(empty), "export", "quarterly_return", *PERIOD, "--out", str(out), "--allow-incomplete")
    assert result.returncode == 1
    assert f"The caseload at {empty} holds no clients" in result.stderr
    assert "--db named that file" in result.stderr
    assert not out.exists()
    by_env = run("export", "quarterly_return", *PERIOD, "--out", str(out), env={"CJCASE_DB": str(empty)})
    assert by_env.returncode == 1 and "CJCASE_DB named that file" in by_env.stderr
    assert not out.exists()


def test_a_missing_db_named_by_option_is_not_made(tmp_path):
    typo = tmp_path / "caseloda.db"
    result = run("--db", str(typo), "agenda")
    assert result.returncode == 1
    assert f"There is no caseload at {typo}" in result.stderr
    assert not typo.exists()


def test_commands_that_fill_a_caseload_still_start_one_and_export_list_needs_none(fresh_machine, tmp_path):
    env, default = fresh_machine
    listed = run("export", "--list", env=env)
    assert listed.returncode == 0 and "quarterly_return" in listed.stdout
    assert not default.exists()
    imported = run("import", str(SAMPLE), env=env)
    assert imported.returncode == 0, imported.stderr
    assert default.exists()
    assert run("check", env=env).returncode == 0


# --- Item 14: exports and the agenda are reads, beside an open editing session ---------------


@pytest.fixture
def sample_file(tmp_path):
    path = tmp_path / "c.db"
    assert run("--db", str(path), "import", str(SAMPLE)).returncode == 0
    return path


def export_rows(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT detail FROM audit WHERE action = 'export' ORDER BY id")]


EXPORT = ("export", "quarterly_return", *PERIOD, "--allow-incomplete")


@pytest.mark.parametrize("before", [(), ("--read-only",)])
def test_an_export_runs_beside_an_open_editing_session_and_is_recorded(sample_file, tmp_path, before):
    holder = open_caseload(sample_file)  # a keyworker's cjcase, holding the one-writer lock
    try:
        out = tmp_path / "q.csv"
        result = run(*before, "--db", str(sample_file), *EXPORT, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.exists() and "Wrote" in result.stdout
        (row,) = export_rows(holder)
        assert "period 2026-27 Q2" in row
        from cjcase.services import audit

        assert audit.verify(holder) == []
    finally:
        holder.close()


def test_a_read_only_export_with_nobody_else_open_still_records_its_audit_row(sample_file, tmp_path):
    out = tmp_path / "q.json"
    result = run("--read-only", "--db", str(sample_file), *EXPORT, "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    db = open_caseload(sample_file, read_only=True)
    try:
        assert len(export_rows(db)) == 1
    finally:
        db.close()


def test_the_exports_audit_row_waits_its_turn_behind_the_editing_sessions_change(sample_file, tmp_path):
    import time

    from cjcase.services import audit

    holder = open_caseload(sample_file)
    try:
        out = tmp_path / "q.csv"
        holder.conn.execute("BEGIN IMMEDIATE")  # the editing session is in the middle of a change
        audit.write_audit(holder, "update", "settings", None, None, "fields: organisation")
        environment = {**os.environ, "CJCASE_TODAY": "2026-11-20"}
        environment.pop("CJCASE_DB", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "cjcase", "--db", str(sample_file), *EXPORT, "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        deadline = time.monotonic() + 60
        while not out.exists():  # written: its audit row is what comes next
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the export never wrote its file"
            time.sleep(0.02)
        holder.conn.execute("COMMIT")
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        actions = [r[0] for r in holder.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 2")]
        assert actions == ["export", "update"]  # after the session's change, in one unbroken chain
        assert audit.verify(holder) == []
    finally:
        if holder.conn.in_transaction:
            holder.conn.execute("ROLLBACK")
        holder.close()


def test_the_agenda_runs_beside_an_editing_session_and_editing_commands_still_wait_for_it(sample_file, tmp_path):
    holder = open_caseload(sample_file)
    try:
        agenda = run("--db", str(sample_file), "agenda")
        assert agenda.returncode == 0, agenda.stderr
        for before in ((), ("--read-only",)):
            listed = run(*before, "--db", str(sample_file), "export", "--history")
            assert listed.returncode == 0, listed.stderr
        editing = run("--db", str(sample_file), "import", str(SAMPLE))
        assert editing.returncode == 1
        assert "Another cjcase is already open" in editing.stderr
    finally:
        holder.close()


def test_a_read_only_export_does_not_change_the_organisation(sample_file, tmp_path):
    result = run(
        "--read-only", "--db", str(sample_file), *EXPORT, "--organisation", "Acme", "--out", str(tmp_path / "q.csv")
    )
    assert result.returncode == 1
    assert "--read-only" in result.stderr and "--organisation" in result.stderr
    assert not (tmp_path / "q.csv").exists()


def test_a_return_whose_export_could_not_be_recorded_is_not_left_behind(sample_file, tmp_path):
    from datetime import datetime

    from cjcase.domain.dates import parse_quarter
    from cjcase.domain.errors import CjcaseError
    from cjcase.returns import exporter
    from cjcase.returns import template as templates

    db = open_caseload(sample_file, read_only=True)  # a connection that cannot write its audit row
    try:
        prepared = exporter.prepare(
            db, templates.find("quarterly_return", None), parse_quarter("2026-27 Q2"), 5, datetime(2026, 11, 20, 12)
        )
        out = tmp_path / "q.csv"
        with pytest.raises(CjcaseError, match="The return was not kept"):
            exporter.write(db, prepared, "csv", out, datetime(2026, 11, 20, 12), allow_incomplete=True)
        assert not out.exists() and not exporter.writers.notes_path(out).exists()
    finally:
        db.close()


# --- Item 15: the agenda's keyworker by the first letters of the name, and its printable page ---

DAYS = ("--from", "21/09/2026", "--days", "3")


def keyworkers_shown(stdout: str) -> set[str]:
    names = {"Priya Shah", "Tom Gallagher", "Lucy Fairweather", "Kofi Boateng", "Dawid Zieliński"}
    return {name for name in names if name in stdout.split("\n", 1)[1]}


@pytest.mark.parametrize("typed", ["pri", "PRIYA", "Priya Shah", "shah"])
def test_the_agenda_takes_a_keyworker_by_an_unambiguous_prefix_in_any_case(sample_file, typed):
    result = run("--db", str(sample_file), "agenda", *DAYS, "--keyworker", typed, env={"COLUMNS": "160"})
    assert result.returncode == 0, result.stderr
    assert "· Priya Shah" in result.stdout  # the title says whose agenda it is
    assert keyworkers_shown(result.stdout) == {"Priya Shah"}


def test_a_keyworker_nobody_has_or_several_could_be_is_a_sentence(sample_file):
    nobody = run("--db", str(sample_file), "agenda", "--keyworker", "sam")
    assert nobody.returncode == 1 and "Traceback" not in nobody.stderr
    assert "No keyworker's name begins with 'sam'" in nobody.stderr
    assert "Priya Shah" in nobody.stderr and "Tom Gallagher" in nobody.stderr  # who there is
    assert run("--db", str(sample_file), "settings", "keyworkers", "Priyanka Das").returncode == 0
    several = run("--db", str(sample_file), "agenda", "--keyworker", "pri", "--court")
    assert several.returncode == 1
    assert "'pri' could be any of 2 keyworkers: Priya Shah or Priyanka Das" in several.stderr
    assert "Type more of the name" in several.stderr
    ics = run("--db", str(sample_file), "agenda", "--keyworker", "pri", "--ics", str(sample_file.parent / "a.ics"))
    assert ics.returncode == 1 and not (sample_file.parent / "a.ics").exists()
    exact = run("--db", str(sample_file), "agenda", *DAYS, "--keyworker", "priya shah", env={"COLUMNS": "160"})
    assert exact.returncode == 0 and keyworkers_shown(exact.stdout) == {"Priya Shah"}


class _Page(__import__("html.parser").parser.HTMLParser):
    """The tags of a page, the cells of each table row, and its style."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self.widths: list[str] = []
        self.style = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th", "style"):
            self._in = tag
            if tag != "style":
                self.rows[-1].append("")
        if tag == "col":
            self.widths.append(dict(attrs)["style"])

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.style += data
        elif self._in:
            self.rows[-1][-1] += data


@pytest.mark.parametrize("court", [False, True])
def test_html_writes_a_printable_a4_table_and_prints_only_its_path(sample_file, tmp_path, court):
    page = tmp_path / "out" / "agenda.html"
    args = ("--court", "--from", "30/09/2026") if court else DAYS
    result = run("--db", str(sample_file), "agenda", *args, "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{page}\n" and result.stderr == ""
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    assert "table" in parsed.tags and "thead" in parsed.tags and "pre" not in parsed.tags
    assert "@page { size: A4" in parsed.style
    columns = 6 if court else 4
    header, *body = parsed.rows
    assert len(header) == columns and header[0] == ("Time" if court else "When")
    assert sum(int(w.split(":")[1].strip(" %;")) for w in parsed.widths) == 100 and len(parsed.widths) == columns
    items = [row for row in body if len(row) == columns]
    assert items, parsed.rows
    if not court:
        assert ["Mon 21 Sep 2026"] in body  # each day heads its rows
        assert any(row[1] == "Stephen Kelly (CJ-33436)" and row[3] == "Lucy Fairweather" for row in items)


def test_the_printable_page_escapes_what_people_typed(tmp_path):
    from cjcase.cli.agenda import AGENDA_COLUMNS, printable_page

    text = printable_page("Agenda", ["<b>x</b>"], AGENDA_COLUMNS, [("10:00", "Ann <script>", "a & b", "—")], "")
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &amp; b" in text and "<b>x" not in text


# --- --read-only before a command: reads run, changes are refused --------------------------


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("import", str(SAMPLE)), "open read-only"),
        (("settings", "organisation", "Acme"), "open read-only"),
        (("erase", "CJ-74321", "--yes"), "cannot erase a client"),
        (("retention", "--years", "1", "--apply"), "cannot erase clients"),
        (("restore", "backup.db", "--yes"), "cannot restore a backup"),
        (("encrypt",), "cannot encrypt the caseload"),
        (("demo", "--no-open"), "cannot write a demo caseload"),
    ],
)
def test_read_only_before_a_command_that_changes_the_caseload_refuses_it(sample_file, command, said):
    before = sample_file.read_bytes()
    probe = open_caseload(sample_file, read_only=True)
    clients = probe.execute("SELECT count(*) FROM clients").fetchone()[0]
    probe.close()
    result = run("--read-only", "--db", str(sample_file), *command, env={"CJCASE_PASSPHRASE": "long enough phrase"})
    assert result.returncode == 1, result.stdout
    assert said in result.stderr and "Traceback" not in result.stderr
    db = open_caseload(sample_file, read_only=True)
    try:
        assert db.execute("SELECT count(*) FROM clients WHERE client_ref = 'CJ-74321'").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM settings WHERE key = 'organisation'").fetchone()[0] == 0
    finally:
        db.close()
    assert sample_file.read_bytes()[:16] == before[:16]  # still plain SQLite, not encrypted
    from cjcase.services.erasure import ledger_path

    assert not ledger_path(sample_file).exists() or not ledger_path(sample_file).read_text()
    reopened = open_caseload(sample_file)  # a writable open applies any erasure the ledger holds
    try:
        assert reopened.execute("SELECT count(*) FROM clients").fetchone()[0] == clients
    finally:
        reopened.close()


def test_read_only_before_a_command_that_reads_runs_it(sample_file):
    for command in (("check",), ("settings",), ("agenda",), ("retention",)):
        result = run("--read-only", "--db", str(sample_file), *command)
        assert result.returncode == 0, (command, result.stderr)
