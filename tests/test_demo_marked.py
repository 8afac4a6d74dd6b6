"""A demo caseload says so on every screen, and `cjcase demo` asks before replacing the last one
(issue 16, item 11)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import date

import pytest

from cjcase.services import demo
from cjcase.services.caseload_file import open_caseload
from cjcase.tui.app import make_app
from tests.helpers import make_client, settle

TODAY = date(2026, 11, 20)


def header_text(screen) -> str:
    from textual.widgets._header import HeaderTitle

    return str(screen.query_one(HeaderTitle).render())


@pytest.mark.parametrize("read_only", [False, True])
async def test_every_screen_of_a_demo_caseload_says_demo_in_its_header(tmp_path, clock, read_only):
    path = tmp_path / "demo.db"
    db = open_caseload(path)
    demo.generate(db, TODAY, clients=20, seed=3)
    db.close()
    app = make_app(open_caseload(path, read_only=read_only), clock, path=path, read_only=read_only)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "DEMO" in header_text(app.screen)
        assert ("READ-ONLY" in header_text(app.screen)) is read_only
        app.open_client(1)
        await settle(pilot)
        assert "DEMO" in header_text(app.screen)
        await pilot.press("escape", "slash")
        await settle(pilot)
        assert "DEMO" in header_text(app.screen)


async def test_a_real_caseload_does_not_say_demo(caseload, db, db_path, clock):
    make_client(caseload)
    app = make_app(db, clock, path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "DEMO" not in header_text(app.screen)


def run(*args: str, stdin=None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CJCASE_TODAY": TODAY.isoformat(), **(env or {})}
    environment.pop("CJCASE_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "cjcase", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=stdin,
        timeout=120,
    )


def clients_in(path) -> int:
    db = open_caseload(path, read_only=True)
    try:
        return db.table("clients").count
    finally:
        db.close()


def test_running_the_demo_again_asks_first_and_yes_replaces_it(tmp_path):
    path = tmp_path / "demo.db"
    first = run("--db", str(path), "demo", "--no-open", "--clients", "30", stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr  # nothing to replace: no question
    again = run("--db", str(path), "demo", "--no-open", "--clients", "12", stdin=subprocess.DEVNULL)
    assert again.returncode == 1
    assert f"{path} already holds a demo caseload (30 made-up clients)" in again.stderr
    assert "--yes" in again.stderr and "Traceback" not in again.stderr
    assert clients_in(path) == 30
    replaced = run("--db", str(path), "demo", "--no-open", "--clients", "12", "--yes", stdin=subprocess.DEVNULL)
    assert replaced.returncode == 0, replaced.stderr
    assert clients_in(path) == 12


@pytest.mark.parametrize(("answer", "kept"), [("n\n", 30), ("y\n", 12)])
def test_at_a_terminal_the_demo_asks_before_replacing(tmp_path, answer, kept):
    path = tmp_path / "demo.db"
    assert run("--db", str(path), "demo", "--no-open", "--clients", "30", stdin=subprocess.DEVNULL).returncode == 0
    terminal, keyboard = pty.openpty()
    try:
        os.write(terminal, answer.encode())  # typed ahead: waits in the terminal until asked
        asked = run("--db", str(path), "demo", "--no-open", "--clients", "12", stdin=keyboard)
    finally:
        os.close(terminal)
        os.close(keyboard)
    assert asked.returncode == 0, asked.stderr
    assert "already holds a demo caseload (30 made-up clients). Replace it with a new one?" in asked.stdout
    assert clients_in(path) == kept
    if kept == 30:
        assert "was left as it was" in asked.stdout


def test_the_quick_starts_first_demo_on_a_fresh_machine_asks_nothing(tmp_path):
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    made = run("demo", "--no-open", "--clients", "10", env=env, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    assert "Replace" not in made.stdout
    assert clients_in(home / "data" / "cjcase" / "demo.db") == 10


async def test_the_header_says_demo_once_the_caseload_opens_after_the_first_paint(tmp_path, clock):
    from cjcase.tui.app import make_opening_app
    from tests.helpers import wait_until

    path = tmp_path / "demo.db"
    db = open_caseload(path)
    demo.generate(db, TODAY, clients=10, seed=3)
    db.close()
    app = make_opening_app(lambda: open_caseload(path, verify=False), clock, path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.caseload is not None)
        await settle(pilot)
        assert "DEMO" in header_text(app.screen)
