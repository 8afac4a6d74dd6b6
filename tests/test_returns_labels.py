"""Every text a template adds to a return is a label the guard checks: group labels, definitions,
the recipient and the reason for no small-group check (issue 17 item 6, on the guard of issue 15)."""

from datetime import datetime

import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import IdentifierInReturn
from cjcase.returns import exporter
from cjcase.returns import template as templates

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


def template_with(folder, text, name="mine"):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(text)
    return templates.find(name, folder)


AGGREGATE = 'kind = "aggregate"\nmeasures = [\n  {{ measure = "new_starts_by_ethnicity", {entry} }},\n]\n'


@pytest.mark.parametrize(
    "entry, label, kind",
    [
        ('groups = { "ethnic_group:white" = "Stephen Moore" }', "Stephen Moore", "a name"),
        ('definition = "Starts, ring 07700 900410 to check"', "Starts, ring 07700 900410 to check", "a phone number"),
    ],
)
def test_a_group_label_or_definition_holding_an_identifier_is_refused_naming_it(
    sample_db, tmp_path, entry, label, kind
):
    template = template_with(tmp_path / "exports", AGGREGATE.format(entry=entry))
    with pytest.raises(IdentifierInReturn) as refused:
        exporter.prepare(sample_db, template, Q2, None, NOW)
    assert f"The label '{label}'" in str(refused.value) and kind in str(refused.value)


def test_a_group_label_that_is_a_lone_surname_is_a_warning_and_the_return_is_written(sample_db, tmp_path):
    template = template_with(
        tmp_path / "exports", AGGREGATE.format(entry='groups = { "ethnic_group:white" = "White (A to C)" }')
    )
    prepared = exporter.prepare(sample_db, template, Q2, None, NOW)
    assert len(prepared.warnings) == 1 and "'White (A to C)'" in prepared.warnings[0]
    assert "'white'" in prepared.warnings[0]
    written = exporter.write(sample_db, prepared, "csv", tmp_path / "w.csv", NOW, allow_incomplete=True)
    assert "new_starts_by_ethnicity,White (A to C)," in written.path.read_text()


@pytest.mark.parametrize(
    "setting",
    ['recipient = "Stephen Moore"', 'min_group = 0\nmin_group_reason = "Only for Stephen Moore"'],
)
def test_a_recipient_or_reason_holding_a_name_is_refused(sample_db, tmp_path, setting):
    template = template_with(
        tmp_path / "exports", f'kind = "extract"\n{setting}\ncolumns = [{{ column = "pseudo_id" }}]\n'
    )
    with pytest.raises(IdentifierInReturn, match="a name"):
        exporter.prepare(sample_db, template, Q2, None, NOW)
