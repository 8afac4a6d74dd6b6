"""A template says what it means: suppression by default, no unknown keys, options that agree."""

from datetime import datetime

import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import TemplateError, UserError
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.returns.build import build

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


def write_template(folder, name, text):
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def test_a_template_without_suppression_is_suppressed_at_5(sample_db, tmp_path):
    path = write_template(tmp_path, "mine", 'kind = "aggregate"\nmeasures = [{ measure = "clients_seen" }]\n')
    template = templates.load(path)
    assert template.suppression == 5
    threshold = exporter.threshold_for(template, None, False)
    assert threshold == 5
    assert build(sample_db, template, Q2, threshold).rows == [["clients_seen", "all", 30]]
    small = write_template(tmp_path, "small", 'kind = "aggregate"\nmeasures = [{ measure = "court_hearings" }]\n')
    rows = build(sample_db, templates.load(small), Q2, 5).rows
    assert ["court_hearings", "hearing_type:first_appearance", "*"] in rows


def test_suppression_0_written_deliberately_shows_every_count(sample_db, tmp_path):
    path = write_template(
        tmp_path, "open", 'kind = "aggregate"\nsuppression = 0\nmeasures = [{ measure = "court_hearings" }]\n'
    )
    template = templates.load(path)
    threshold = exporter.threshold_for(template, None, False)
    assert not threshold
    assert "*" not in [row[2] for row in build(sample_db, template, Q2, threshold).rows]


@pytest.mark.parametrize(
    "text, line, key",
    [
        ('kind = "aggregate"\nsupression = 3\nmeasures = [{ measure = "clients_seen" }]\n', 2, "supression"),
        ('kind = "aggregate"\nmeasures = [\n  { measure = "clients_seen", lable = "Seen" },\n]\n', 3, "lable"),
    ],
)
def test_an_unknown_key_is_an_error_with_its_line(tmp_path, text, line, key):
    path = write_template(tmp_path, "typo", text)
    with pytest.raises(TemplateError, match=rf"typo.toml line {line}: '{key}' is not a"):
        templates.load(path)


def test_suppress_and_no_suppress_together_is_a_usage_error():
    template = templates.find("quarterly_return", None)
    with pytest.raises(UserError, match="contradict"):
        exporter.threshold_for(template, 5, True)


def test_a_template_relabels_and_drops_breakdown_groups(sample_db, tmp_path):
    path = write_template(
        tmp_path,
        "pcc",
        'kind = "aggregate"\nsuppression = 0\nmeasures = [\n'
        '  { measure = "new_starts", groups = { "pathway:iom" = "IOM cohort", "all" = "All starts" },'
        ' drop_groups = ["pathway:community", "pathway:atr"] },\n]\n',
    )
    template = templates.load(path)
    rows = build(sample_db, template, Q2, None).rows
    full = build(sample_db, templates.find("quarterly_return", None), Q2, None).rows
    starts = [row for row in full if row[0] == "new_starts"]
    assert [row[1] for row in rows] == [
        "All starts",
        "pathway:arrest_referral",
        "pathway:restriction_on_bail",
        "pathway:court",
        "pathway:prison_link",
        "pathway:drr",
        "IOM cohort",
    ]
    assert [row[2] for row in rows] == [row[2] for row in starts if row[1] not in ("pathway:community", "pathway:atr")]


def test_an_unknown_group_is_an_error_with_its_line(tmp_path):
    path = write_template(
        tmp_path,
        "bad",
        'kind = "aggregate"\nmeasures = [\n  { measure = "new_starts", drop_groups = ["pathway:prison"] },\n]\n',
    )
    with pytest.raises(TemplateError, match="bad.toml line 3: 'pathway:prison' is not a group of the return"):
        templates.load(path)
