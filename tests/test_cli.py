"""The command line: help, exit codes, and sentences instead of tracebacks."""

import os
import re
import subprocess
import sys

import pytest

from cjcase.launch import tui_arguments
from tests.helpers import SAMPLE

COMMANDS = ["demo", "import", "export", "backup", "restore", "check", "erase", "retention"]


def run(*args, env=None, cwd=None):
    environment = {**os.environ, "CJCASE_TODAY": "2026-11-20", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cjcase", *args], capture_output=True, text=True, env=environment, cwd=cwd, timeout=120
    )


def test_help_lists_every_command_with_one_line():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize("command", COMMANDS + ["key export", "key import"])
def test_every_command_has_help(command):
    result = run(*command.split(), "--help")
    assert result.returncode == 0
    assert "--db" in result.stdout


def test_help_does_not_import_textual_or_the_services():
    code = (
        "import sys; sys.argv=['cjcase','--help']\n"
        "from cjcase.launch import main\n"
        "try:\n main()\nexcept SystemExit: pass\n"
        "heavy=[m for m in ('textual','sqlite_utils','openpyxl','cjcase.services.caseload','dateutil') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    "args, opening",
    [
        ([], (None, False)),
        (["--db", "c.db"], ("c.db", False)),
        (["--read-only", "--db=c.db"], ("c.db", True)),
        (["--db"], None),  # typer says the value is missing
        (["--db", "--read-only"], None),
        (["--db="], None),
        (["demo"], None),
        (["--db", "c.db", "check"], None),
        (["--help"], None),
        (["--bogus"], None),
    ],
)
def test_only_a_command_line_that_opens_the_caseload_skips_typer(args, opening):
    assert tui_arguments(args) == opening


def run_entry_point(*args) -> str:
    """What `cjcase args` would open, and whether typer (and pydantic) were loaded on the way."""
    code = (
        "import sys\nimport cjcase.launch as launch\n"
        "launch.open_tui = lambda path, read_only: print('OPEN', path.name, read_only, "
        "'typer' in sys.modules, 'pydantic' in sys.modules)\n"
        f"sys.argv = ['cjcase', *{list(args)!r}]\nlaunch.main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "CJCASE_DB": "from-env.db"}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_opening_the_caseload_does_not_load_typer_and_reads_the_path_as_typer_would():
    # Typer reads option values through pydantic: 0.15 s before the first frame.
    assert run_entry_point("--db", "chosen.db", "--read-only") == "OPEN chosen.db True False False"
    assert run_entry_point() == "OPEN from-env.db False False False"


def test_a_wrong_option_still_gets_typers_sentence():
    result = run("--db")
    assert result.returncode == 2 and "requires an argument" in result.stderr


def test_import_then_reimport_from_the_command_line(tmp_path):
    db = tmp_path / "c.db"
    first = run("--db", str(db), "import", str(SAMPLE))
    assert first.returncode == 0, first.stderr
    assert "1,014 new" in first.stdout
    again = run("import", str(SAMPLE), "--db", str(db))
    assert again.returncode == 0
    assert "1,014 unchanged" in again.stdout


def test_a_broken_import_exits_1_with_the_problems_on_stderr(tmp_path, sample_copy):
    path = sample_copy / "tops.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",start,", ",begin,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("--db", str(tmp_path / "c.db"), "import", str(sample_copy))
    assert result.returncode == 1
    assert "tops.csv:2: stage: " in result.stderr
    assert "Nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_thousand_bad_rows_list_200_problems_and_count_the_rest(tmp_path, sample_copy):
    path = sample_copy / "sessions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = [lines[0]] + [line.replace(",keywork,", ",chat,").replace(",phone,", ",chat,") for line in lines[1:]]
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    wrong = sum(",chat," in line for line in bad)
    result = run("--db", str(tmp_path / "c.db"), "import", str(sample_copy))
    assert result.returncode == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("sessions.csv:")]
    assert len(listed) == 200
    assert f"… and {wrong - 200:,} more problems, not listed." in result.stderr
    assert f"Nothing was imported: {wrong:,} problems to fix" in result.stderr


def test_a_missing_folder_is_a_sentence_not_a_traceback(tmp_path):
    result = run("--db", str(tmp_path / "c.db"), "import", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "There is no file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_usage_error_exits_2():
    assert run("import").returncode == 2
    assert run("no-such-command").returncode == 2


def test_demo_uses_its_own_file_and_refuses_a_real_caseload(tmp_path):
    real = tmp_path / "real.db"
    assert run("--db", str(real), "import", str(SAMPLE)).returncode == 0
    refused = run("--db", str(real), "demo", "--no-open")
    assert refused.returncode == 1
    assert "not made by `cjcase demo`" in refused.stderr
    home = tmp_path / "home"
    made = run("demo", "--no-open", "--clients", "30", env={"HOME": str(home), "XDG_DATA_HOME": str(home / "data")})
    assert made.returncode == 0, made.stderr
    assert (home / "data" / "cjcase" / "demo.db").exists()
    assert not (home / "data" / "cjcase" / "caseload.db").exists()


def test_a_bad_fixed_clock_is_a_sentence(tmp_path):
    result = run("--db", str(tmp_path / "c.db"), "import", str(SAMPLE), env={"CJCASE_TODAY": "someday"})
    assert result.returncode == 1
    assert "CJCASE_TODAY" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def imported(tmp_path):
    db = tmp_path / "c.db"
    assert run("--db", str(db), "import", str(SAMPLE)).returncode == 0
    return db


def test_export_writes_the_expected_return_and_lists_its_history(imported, tmp_path):
    out = tmp_path / "q2.csv"
    result = run(
        "--db",
        str(imported),
        "export",
        "quarterly_return",
        "--period",
        "2026/27 Q2",
        "--no-suppress",
        "--allow-incomplete",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert out.read_bytes() == (SAMPLE / "expected_2026-27_Q2.csv").read_bytes()
    history = run("--db", str(imported), "export", "--history")
    assert "quarterly_return" in history.stdout and "period 2026-27 Q2" in history.stdout
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC  quarterly_return", history.stdout)


def test_export_into_a_folder_uses_a_default_name(imported, tmp_path):
    result = run(
        "--db",
        str(imported),
        "export",
        "quarterly_return.toml",
        "--period",
        "2026-27Q2",
        "--format",
        "json",
        "--allow-incomplete",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "quarterly_return_2026-27_Q2.json").exists()


def test_export_without_allow_incomplete_lists_the_problems_and_writes_nothing(imported, tmp_path):
    result = run(
        "--db", str(imported), "export", "quarterly_return", "--period", "2026-27 Q2", "--out", str(tmp_path / "x.csv")
    )
    assert result.returncode == 1
    assert "still marked scheduled" in result.stderr and "--allow-incomplete" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_export_list_names_the_shipped_templates(imported):
    result = run("--db", str(imported), "export", "--list")
    assert "quarterly_return" in result.stdout and "pseudonymised_extract" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["quarterly_return", "--period", "2026 Q2"], "is not a quarter"),
        (["quarterly_return"], "Say which period"),
        (["no_such_template", "--period", "2026-27 Q2"], "no template called"),
        ([], "Name a template"),
        (["quarterly_return", "--period", "2026-27 Q2", "--format", "pdf"], "csv, xlsx or json"),
        (["quarterly_return", "--period", "2026-27 Q2", "--suppress", "5", "--no-suppress"], "contradict"),
    ],
)
def test_export_mistakes_are_sentences(imported, args, message):
    result = run("--db", str(imported), "export", *args)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_custom_period_from_and_to(imported, tmp_path):
    result = run(
        "--db",
        str(imported),
        "export",
        "quarterly_return",
        "--from",
        "1/7/2026",
        "--to",
        "2026-09-30",
        "--no-suppress",
        "--allow-incomplete",
        "--out",
        str(tmp_path / "c.csv"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c.csv").read_bytes() == (SAMPLE / "expected_2026-27_Q2.csv").read_bytes()


def test_key_export_and_import_from_the_command_line(imported, tmp_path):
    key = tmp_path / "org.key"
    assert run("--db", str(imported), "key", "export", str(key)).returncode == 0
    other = tmp_path / "other.db"
    assert run("--db", str(other), "key", "import", str(key)).returncode == 0
    bad = run("--db", str(other), "key", "import", str(SAMPLE / "clients.csv"))
    assert bad.returncode == 1 and "not a cjcase pseudonym key" in bad.stderr


def test_key_export_into_a_missing_folder_and_import_over_a_key_in_use(imported, tmp_path):
    missing = run("--db", str(imported), "key", "export", str(tmp_path / "no_such" / "org.key"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    key = tmp_path / "other.key"
    key.write_text("ab" * 32)
    refused = run("--db", str(imported), "key", "import", str(key))
    assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert run("--db", str(imported), "key", "import", "--force", str(key)).returncode == 0


def test_backup_now_and_list_from_the_command_line(imported, tmp_path):
    made = run("--db", str(imported), "backup")
    assert made.returncode == 0 and "Backed up and verified" in made.stdout
    listing = run("--db", str(imported), "backup", "--list")
    assert "manual" in listing.stdout and "daily" in listing.stdout
    target = tmp_path / "usb" / "copy.db"
    target.parent.mkdir()
    assert run("--db", str(imported), "backup", str(target)).returncode == 0
    assert target.exists()
    assert run("--db", str(imported), "backup", str(target.parent)).returncode == 0
    assert len(list(target.parent.glob("caseload-*-manual.db"))) == 1


def test_retention_lists_without_apply(imported):
    result = run("--db", str(imported), "retention", "--years", "1")
    assert result.returncode == 0
    assert "--apply" in result.stdout or "Nobody" in result.stdout


def test_an_extract_with_small_groups_is_refused_unless_allowed(imported, tmp_path):
    args = ["--db", str(imported), "export", "pseudonymised_extract", "--period", "2026-27 Q2", "--allow-incomplete"]
    refused = run(*args, "--out", str(tmp_path / "x.csv"))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "in groups smaller than 5" in refused.stderr and "--allow-small-groups" in refused.stderr
    assert not (tmp_path / "x.csv").exists()
    allowed = run(*args, "--allow-small-groups", "--out", str(tmp_path / "x.csv"))
    assert allowed.returncode == 0, allowed.stderr
    assert "allow_small_groups yes" in run("--db", str(imported), "export", "--history").stdout


GOOD_TEMPLATE = 'kind = "aggregate"\ntitle = "Mine"\nmeasures = [\n  { measure = "clients_seen" },\n]\n'


def test_a_bad_template_file_is_listed_with_a_sentence_and_the_good_ones_still_work(imported, tmp_path):
    folder = imported.parent / "exports"
    folder.mkdir()
    (folder / "mine.toml").write_text(GOOD_TEMPLATE)
    (folder / "latin.toml").write_bytes(GOOD_TEMPLATE.replace("Mine", "Caf\xe9").encode("latin-1"))
    (folder / "broken.toml").write_text("kind = \n")
    listed = run("--db", str(imported), "export", "--list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "mine " in listed.stdout and "quarterly_return" in listed.stdout
    assert re.search(r"latin\.toml.*not UTF-8.*save it as UTF-8", listed.stderr)
    assert "broken.toml" in listed.stderr
    used = run("--db", str(imported), "export", "latin", "--period", "2026-27 Q2", "--out", str(tmp_path / "l.csv"))
    assert used.returncode == 1 and "Traceback" not in used.stderr and "not UTF-8" in used.stderr
    good = run(
        "--db", str(imported), "export", "mine", "--period", "2026-27 Q2", "--allow-incomplete",
        "--out", str(tmp_path / "m.csv"),
    )  # fmt: skip
    assert good.returncode == 0, good.stderr


@pytest.mark.parametrize("name", ["../outside", "../../tmp/outside", "ABSOLUTE", "exports/../../outside", "sub/x"])
def test_a_template_is_a_name_never_a_path(imported, tmp_path, name):
    outside = tmp_path / "outside.toml"
    outside.write_text(GOOD_TEMPLATE)
    (imported.parent / "exports").mkdir(exist_ok=True)
    if name == "ABSOLUTE":
        name = str(outside.with_suffix(""))
    out = tmp_path / "o.csv"
    result = run(
        "--db", str(imported), "export", name, "--period", "2026-27 Q2", "--allow-incomplete", "--out", str(out)
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is a name" in result.stderr and not out.exists()
