"""The README stays true: every command and option is in its usage, every module in its tree."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from cjcase.cli.main import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "cjcase"


def section(title: str) -> str:
    """The README's text from a heading to the next heading of the same level."""
    level = title.split(" ")[0]
    match = re.search(rf"^{re.escape(title)}\n(.*?)(?=^{level} |\Z)", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def usage_entries() -> list[str]:
    """The usage block's entries: a line starting `cjcase` and the indented lines after it."""
    block = section("## Using it").split("```")[1]
    entries: list[str] = []
    for line in block.splitlines():
        if line.startswith("cjcase"):
            entries.append(line)
        elif line.startswith(" ") and entries:
            entries[-1] += " " + line.strip()
    return entries


def commands(command=None, prefix=""):
    """Every command path with its long options (--db is every command's, said once in prose)."""
    command = command or typer.main.get_command(app)
    for name, sub in getattr(command, "commands", {}).items():
        options = [o for p in sub.params for o in getattr(p, "opts", []) if o.startswith("--") and o != "--db"]
        yield prefix + name, options
        yield from commands(sub, prefix + name + " ")


def test_every_command_and_option_is_in_the_readme_usage():
    entries = usage_entries()
    for path, options in commands():
        name = path.split(" ")[-1]
        mentioning = " ".join(
            e
            for e in entries
            if re.search(rf"(cjcase|\|) {re.escape(path)}\b", e)
            or (" " in path and re.search(rf"\b{re.escape(name)}\b", e) and path.split()[0] in e)
        )
        assert mentioning, f"`cjcase {path}` is not in the README's usage block"
        for option in options:
            assert option in mentioning, f"`cjcase {path} {option}` is not in the README's usage block"
    assert "--db PATH" in section("## Using it") and "--read-only" in " ".join(entries)


def test_the_architecture_tree_names_every_module():
    tree = section("## Architecture")
    for path in sorted(PACKAGE.iterdir()):
        if path.name.startswith(("_", ".")) or path.suffix not in ("", ".py"):
            continue
        assert re.search(rf"\b{path.stem}\b", tree), f"cjcase/{path.name} is not in the README's architecture tree"
        if path.is_dir():
            for inner in sorted(path.iterdir()):
                if inner.name.startswith(("_", ".")) or inner.suffix not in ("", ".py"):
                    continue
                assert re.search(rf"\b{inner.stem}\b", tree), (
                    f"cjcase/{path.name}/{inner.name} is not in the README's architecture tree"
                )


def test_the_readmes_template_examples_load_and_build(sample_db, tmp_path):
    from datetime import datetime

    from cjcase.domain.dates import parse_quarter
    from cjcase.returns import exporter
    from cjcase.returns import template as templates

    text = section("### Writing your own template")
    examples = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert len(examples) == 2
    loaded = []
    for number, example in enumerate(examples):
        path = tmp_path / f"example{number}.toml"
        path.write_text(example)
        loaded.append(templates.load(path))
    aggregate, extract = loaded
    q2, now = parse_quarter("2026-27 Q2"), datetime(2026, 11, 20, 12, 0)
    rows = exporter.prepare(sample_db, aggregate, q2, 5, now).table.rows
    assert "IOM cohort" in [r[1] for r in rows if r[0] == "Referrals"]
    assert "pathway:community" not in [r[1] for r in rows if r[0] == "Referrals"]
    assert {"Planned exits", "Planned and unplanned exits"} <= {r[0] for r in rows}
    table = exporter.prepare(sample_db, extract, q2, None, now).table
    assert table.header == [
        "pseudo_id",
        "age_band",
        "ethnicity",
        "pathway",
        "referral_quarter",
        "attended_in_period",
        "dna_in_period",
    ]
    assert extract.recipient == "Leeds Public Health" and extract.min_group == 5
    for place in ("cjcase/exports/", "`exports/` folder beside your database"):
        assert place in text
