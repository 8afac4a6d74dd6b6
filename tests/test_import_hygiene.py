"""Layers stay clean: only cjcase.tui imports Textual, and the TUI never holds SQL."""

import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import cjcase

PACKAGE = Path(cjcase.__file__).parent


def non_ui_modules():
    return [
        m.name
        for m in pkgutil.walk_packages([str(PACKAGE)], "cjcase.")
        if not m.name.startswith("cjcase.tui") and m.name != "cjcase.__main__"
    ]


def test_no_non_ui_module_loads_textual():
    modules = non_ui_modules()
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_tui_and_the_command_line_build_no_sql():
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b")
    for path in [*(PACKAGE / "tui").rglob("*.py"), *(PACKAGE / "cli").rglob("*.py"), PACKAGE / "launch.py"]:
        assert not sql.search(path.read_text(encoding="utf-8")), path


def test_the_pure_modules_do_no_io():
    # The clock reads CJCASE_TODAY, its one window on the environment.
    for path in (PACKAGE / "domain").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("import sqlite", " open(", "import textual", "import typer", "pathlib"):
            assert forbidden not in text, f"{path.name}: {forbidden}"
        if path.name != "clock.py":
            assert "os.environ" not in text and "import os" not in text, path.name


def test_the_tui_paints_before_it_loads_the_services():
    # Start-up is measured against a bare Textual app: what the agenda's load needs is
    # imported by the load, after the first frame.
    code = (
        "import sys\nimport cjcase.tui.app\n"
        "print([m for m in ('sqlite_utils', 'sqlite3', 'cjcase.domain.model', 'cjcase.services.search', 'cjcase.services.agenda', "
        "'cjcase.services.caseload', 'cjcase.store.database') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_tui_sets_textuals_frame_cap_before_textual_loads_and_a_users_own_wins():
    # At Textual's default 60 frames a second a keystroke's rows wait up to 16.7 ms for a frame.
    code = "import cjcase.tui.app\nfrom textual import constants\nprint(constants.MAX_FPS)"
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    ours = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    theirs = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**env, "TEXTUAL_FPS": "30"}
    )
    assert (ours.stdout.strip(), theirs.stdout.strip()) == ("120", "30"), ours.stderr + theirs.stderr


def test_the_database_path_is_read_from_the_environment_in_one_place():
    reads = re.compile(r"""(environ\.get|getenv|environ\[)\(?\s*["']CJCASE_DB["']""")
    readers = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py") if reads.search(path.read_text())]
    assert readers == ["store/paths.py"]


def test_organisation_settings_have_one_writer():
    # The pseudonym key, the audit chain's anchor and the demo's marker are the program's own rows,
    # not the organisation's.
    from cjcase.services import audit, demo, keys, settings

    writes = re.compile(r"(INSERT INTO|UPDATE|DELETE FROM) settings\b")
    writers = sorted(
        path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py") if writes.search(path.read_text())
    )
    # combine and handover write the settings of the files they build (the combined file's mark,
    # a handover file's own rows), never a keyworker's caseload.
    assert writers == [
        "services/audit.py",
        "services/caseload_file.py",
        "services/combine.py",
        "services/demo.py",
        "services/handover.py",
        "services/keys.py",
        "services/settings.py",
    ]
    from cjcase.services.client_records import COMBINED_SETTING

    assert COMBINED_SETTING not in settings.SETTINGS
    assert keys.KEY_SETTING not in settings.SETTINGS and demo.DEMO_SETTING not in settings.SETTINGS
    assert audit.ANCHOR_SETTING not in settings.SETTINGS
    from cjcase.services import caseload_file

    assert caseload_file.COPIES_SETTING not in settings.SETTINGS


def test_screens_reach_the_services_through_one_door():
    # The typed door (tui/door.py) gives every screen and dialog the caseload and its
    # engagement records; only the app builds them, once.
    handle = re.compile(r"\.db\b")
    built = re.compile(r"\b(Caseload|Engagement)\(")
    for path in (PACKAGE / "tui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not handle.search(text), f"{path.name} touches the database handle"
        if path.name != "app.py":
            assert not built.search(text), f"{path.name} builds a service of its own"
