"""The pseudonymised extract: consent, minimisation and small groups, one key per recipient."""

from datetime import date, datetime

from cjcase.domain.dates import parse_quarter
from cjcase.returns import exporter
from cjcase.returns import template as templates
from cjcase.returns.build import build
from tests.helpers import make_client, make_episode

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


def extract_rows(db, name="pseudonymised_extract", folder=None):
    template = templates.find(name, folder)
    table = build(db, template, Q2, None)
    return [dict(zip(table.header, row, strict=True)) for row in table.rows], table


def test_a_client_who_did_not_consent_appears_with_the_pseudonym_and_counts_only(caseload, db):
    client = make_client(caseload, consent_to_share="no")
    make_episode(caseload, client.id, referral_date=date(2026, 7, 3), start_date=date(2026, 7, 10))
    caseload.add_session(client.id, {"when": datetime(2026, 7, 10, 10, 0), "kind": "keywork", "status": "attended"})
    caseload.add_session(client.id, {"when": datetime(2026, 7, 17, 10, 0), "kind": "keywork", "status": "dna"})
    other = make_client(caseload, client_ref="T-2", consent_to_share="yes")
    make_episode(caseload, other.id, referral_date=date(2026, 7, 4))
    rows, table = extract_rows(db)
    withheld = rows[0]
    assert withheld["pseudo_id"] and (withheld["attended_in_period"], withheld["dna_in_period"]) == (1, 1)
    assert [k for k, v in withheld.items() if v is not None] == ["pseudo_id", "attended_in_period", "dna_in_period"]
    assert rows[1]["pathway"] == "community" and rows[1]["referral_month"] == "2026-07"
    assert table.withheld_count == 1


def test_the_cover_says_how_many_rows_were_withheld_and_empty_consent_is_a_finding(sample_db, tmp_path):
    import openpyxl

    template = templates.find("pseudonymised_extract", None)
    prepared = exporter.prepare(sample_db, template, Q2, None, NOW)
    assert any("no answer recorded for consent" in f.message for f in prepared.findings)
    path = exporter.write(
        sample_db, prepared, "xlsx", tmp_path / "x.xlsx", NOW, allow_incomplete=True, allow_small_groups=True
    ).path
    cover = {row[0]: row[1] for row in openpyxl.load_workbook(path)["Cover"].iter_rows(values_only=True)}
    assert cover["Consent"].startswith("1 row is of clients who did not consent")


def recipient_template(folder, name, recipient):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(
        f'kind = "extract"\nrecipient = "{recipient}"\ncolumns = [{{ column = "pseudo_id" }}, {{ column = "pathway" }}]\n'
    )
    return templates.find(name, folder)


def test_two_recipients_get_different_pseudonyms_each_stable_across_quarters(caseload, db, tmp_path):
    for number in range(1, 4):
        client = make_client(caseload, client_ref=f"T-{number}")
        make_episode(caseload, client.id, referral_date=date(2026, 6, number))  # open in Q2 and Q3
    pcc = recipient_template(tmp_path / "exports", "pcc", "West Yorkshire PCC")
    health = recipient_template(tmp_path / "exports", "health", "Leeds Public Health")
    q3 = parse_quarter("2026-27 Q3")

    def ids(template, period):
        return [row[0] for row in build(db, template, period, None).rows]

    assert ids(pcc, Q2) == ids(pcc, q3) and len(set(ids(pcc, Q2))) == 3
    assert ids(health, Q2) == ids(health, q3)
    assert set(ids(pcc, Q2)).isdisjoint(ids(health, Q2))
    shared = templates.find("pseudonymised_extract", None)
    assert set(ids(shared, Q2)).isdisjoint(ids(pcc, Q2) + ids(health, Q2))


def test_a_recipient_in_an_aggregate_template_is_refused(tmp_path):
    import pytest

    from cjcase.domain.errors import TemplateError

    path = tmp_path / "agg.toml"
    path.write_text('kind = "aggregate"\nrecipient = "PCC"\nmeasures = [{ measure = "clients_seen" }]\n')
    with pytest.raises(TemplateError, match="agg.toml line 2: recipient names who receives an extract"):
        templates.load(path)


def test_importing_a_different_key_over_one_in_use_needs_force(sample_db, tmp_path):
    import pytest

    from cjcase.domain.errors import KeyChangeRefused
    from cjcase.services.keys import get_key, import_key

    other = tmp_path / "other.key"
    other.write_text("ab" * 32)
    before = get_key(sample_db)
    with pytest.raises(KeyChangeRefused, match="changes every pseudonym"):
        import_key(sample_db, other)
    assert get_key(sample_db) == before
    import_key(sample_db, other, force=True)
    assert get_key(sample_db) == bytes.fromhex("ab" * 32)
    import_key(sample_db, other)  # the same key again: nothing changes, nothing to ask


def small_group_caseload(caseload, consent_other="yes"):
    """Five episodes alike in every column but pseudo_id, two alike but for the pathway (court),
    and one of a client who did not consent."""
    for number in range(1, 8):
        client = make_client(caseload, client_ref=f"T-{number}", consent_to_share="yes")
        make_episode(
            caseload, client.id, referral_date=date(2026, 7, number), pathway="court" if number > 5 else "community"
        )
    client = make_client(caseload, client_ref="T-8", consent_to_share=consent_other, sex="male")
    make_episode(caseload, client.id, referral_date=date(2026, 8, 20), pathway="iom")


def extract_template(folder, text, name="mine"):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text('kind = "extract"\n' + text)
    return templates.find(name, folder)


def test_small_groups_refuse_the_extract_naming_the_rows_and_columns(caseload, db, tmp_path):
    import openpyxl
    import pytest

    from cjcase.domain.errors import SmallGroupsRefused

    small_group_caseload(caseload, consent_other="no")
    template = templates.find("pseudonymised_extract", None)
    prepared = exporter.prepare(db, template, Q2, None, NOW)
    assert prepared.small_groups.rows == 2  # the two court episodes; the non-consenting row is aside
    assert prepared.small_groups.drivers[0] == ("pathway", 0)
    with pytest.raises(SmallGroupsRefused) as refused:
        exporter.write(db, prepared, "xlsx", tmp_path / "x.xlsx", NOW, allow_incomplete=True)
    message = str(refused.value)
    assert "2 rows are of the extract in groups smaller than 5" in message
    assert "without pathway, 0 rows would be" in message and "--allow-small-groups" in message
    assert "court" not in message and "T-6" not in message
    assert not (tmp_path / "x.xlsx").exists() and exporter.history(db) == []

    path = exporter.write(
        db, prepared, "xlsx", tmp_path / "x.xlsx", NOW, allow_incomplete=True, allow_small_groups=True
    ).path
    cover = {row[0]: row[1] for row in openpyxl.load_workbook(path)["Cover"].iter_rows(values_only=True)}
    assert cover["Small groups"].startswith("Written with --allow-small-groups: 2 rows are in groups smaller than 5")
    detail = exporter.history(db)[0].detail
    assert "min_group 5; small_group_rows 2; allow_small_groups yes;" in detail


def test_the_smallest_group_passes_at_its_own_size(caseload, db, tmp_path):
    small_group_caseload(caseload, consent_other="no")
    at_two = extract_template(tmp_path / "exports", 'min_group = 2\ncolumns = [{ column = "pathway" }]\n')
    assert exporter.prepare(db, at_two, Q2, None, NOW).small_groups is None  # the smallest group: court, 2
    at_three = extract_template(tmp_path / "exports", 'min_group = 3\ncolumns = [{ column = "pathway" }]\n', "three")
    assert exporter.prepare(db, at_three, Q2, None, NOW).small_groups.rows == 2


def test_min_group_0_must_say_why(tmp_path):
    import pytest

    from cjcase.domain.errors import TemplateError

    with pytest.raises(TemplateError, match=r"mine.toml line 2: min_group = 0 turns off the small-group check"):
        extract_template(tmp_path / "exports", 'min_group = 0\ncolumns = [{ column = "pathway" }]\n')
    template = extract_template(
        tmp_path / "exports",
        'min_group = 0\nmin_group_reason = "Kept inside the organisation"\ncolumns = [{ column = "pathway" }]\n',
        "internal",
    )
    assert template.min_group == 0


def test_minimisation_groups_ethnicity_coarsens_months_and_drops_columns(caseload, db, tmp_path):
    client = make_client(caseload, ethnicity="B", consent_to_share="yes")
    make_episode(caseload, client.id, referral_date=date(2026, 6, 30), start_date=date(2026, 7, 2))
    template = extract_template(
        tmp_path / "exports",
        'columns = [{ column = "pseudo_id" }, { column = "sex" }, { column = "ethnicity" },'
        ' { column = "referral_month" }, { column = "start_month" }]\n'
        'minimisation = { ethnicity = "group", months = "quarter", drop = ["sex"] }\n',
    )
    table = build(db, template, Q2, None)
    assert table.header == ["pseudo_id", "ethnicity", "referral_month", "start_month"]
    assert table.rows[0][1:] == ["white", "2026-27 Q1", "2026-27 Q2"]
    omitted = extract_template(
        tmp_path / "exports",
        'columns = [{ column = "pseudo_id" }, { column = "ethnicity" }]\nminimisation = { ethnicity = "omit" }\n',
        "omitted",
    )
    assert build(db, omitted, Q2, None).header == ["pseudo_id"]


def test_the_minimised_extract_passes_on_a_demo_caseload_of_5000(tmp_path):
    from cjcase.services import demo
    from cjcase.services.caseload_file import open_caseload

    db = open_caseload(tmp_path / "demo.db")
    demo.generate(db, date(2026, 11, 20), clients=5000, seed=3)
    minimised = templates.find("extract_minimised", None)
    for quarter in ("2026-27 Q1", "2026-27 Q2"):
        prepared = exporter.prepare(db, minimised, parse_quarter(quarter), None, NOW)
        assert len(prepared.table.rows) > 1000
        assert prepared.small_groups is None
        assert prepared.table.header == ["pseudo_id", "age_band", "pathway", "attended_in_period", "dna_in_period"]
    full = exporter.prepare(db, templates.find("pseudonymised_extract", None), Q2, None, NOW)
    assert full.small_groups is not None and full.small_groups.rows > 1000
    db.close()
