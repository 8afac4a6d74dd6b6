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
    path = exporter.write(sample_db, prepared, "xlsx", tmp_path / "x.xlsx", NOW, allow_incomplete=True).path
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
