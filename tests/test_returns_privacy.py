"""Nothing identifying leaves in a return: the guard, the templates, the extract, the pseudonyms."""

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import IdentifierInReturn, TemplateError
from cjcase.returns import exporter, guard
from cjcase.returns import template as templates
from cjcase.returns.build import build
from cjcase.services.importing.importer import import_path
from cjcase.services.keys import export_key, get_key, import_key, pseudo_id
from tests.helpers import SAMPLE, SAMPLE_TODAY, make_client

NOW = datetime(2026, 11, 20, 12, 0)
Q2 = parse_quarter("2026-27 Q2")


IDENTIFYING = (
    "first_name",
    "last_name",
    "preferred_name",
    "client_ref",
    "postcode",
    "phone",
    "keyworker",
    "notes",
    "prison_number",
    "pnc_id",
    "probation_ref",
    "nhs_number",
    "offender_manager_name",
    "offender_manager_phone",
    "offender_manager_email",
    "address",
    "alt_contact",
    "aliases",
)
# Columns of the clients table that do not identify anyone by themselves.
NOT_IDENTIFYING = {
    "id",
    "sex",
    "ethnicity",
    "risk_flags",
    "consent_to_share",
    "consent_date",
    "prison",
    "no_fixed_abode",
    "quick_referral",  # yes/no: how the client was taken on
    "created_at",
    "updated_at",
    "notes",
}


def identifying_values(db):
    """Every identifying value held for every client, in the forms a scan should look for."""
    values = set()
    for row in db.query("SELECT * FROM clients"):
        for column in IDENTIFYING:
            if row[column] and len(row[column]) >= 3:
                values.add(row[column])
        born = date.fromisoformat(row["date_of_birth"])
        values |= set(birth_forms(born))
        for column in ("phone", "offender_manager_phone"):
            if row[column]:
                values.add("+44 " + row[column][1:])
    for row in db.query("SELECT notes FROM sessions WHERE notes IS NOT NULL"):
        values.add(row["notes"])
    return values


def birth_forms(born: date) -> list[str]:
    """A date of birth as people write it."""
    suffix = "th" if 10 <= born.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(born.day % 10, "th")
    return [
        born.isoformat(),
        f"{born:%d/%m/%Y}",
        f"{born.day}/{born.month}/{born:%y}",
        f"{born.day}{suffix} {born:%B %Y}",
        f"{born:%B} {born.day}, {born.year}",
        f"{born.day}-{born:%b-%y}",
    ]


@pytest.fixture
def contact_db(sample_db):
    """The sample caseload with every identifying column filled for some clients."""
    from cjcase.services.caseload import Caseload

    caseload = Caseload(sample_db)
    ids = [row["id"] for row in sample_db.query("SELECT id FROM clients ORDER BY id LIMIT 12")]
    for n, client_id in enumerate(ids):
        caseload.update_client(
            client_id,
            {
                "prison_number": f"A{n}{n}31BX",
                "pnc_id": f"2019/00{n}4512K",
                "probation_ref": f"PRB-77{n}41",
                "nhs_number": f"943 476 59{n}{n}",
                "offender_manager_name": f"Gwendolyn Farquhar{n}",
                "offender_manager_phone": f"07700 90{n}611",
                "offender_manager_email": f"g.farquhar{n}@justice.example.uk",
                "address": f"Flat {n + 2}, {n + 14} Elm Street, Leeds LS6 {n}AB",
                "alt_contact": f"Mother, Marigold Thistlewood, 07700 90{n}777",
                "aliases": f"Zed{n}dy Quill",
            },
        )
    return sample_db


def scan(text, values):
    hits = []
    for value in values:
        if re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text, re.IGNORECASE):
            hits.append(value)
    return hits


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
@pytest.mark.parametrize("name", ["pseudonymised_extract", "extract_minimised", "quarterly_return", "ndtms_top"])
def test_no_return_holds_any_identifying_value(contact_db, tmp_path, name, fmt):
    sample_db = contact_db
    template = templates.find(name, None)
    prepared = exporter.prepare(sample_db, template, Q2, None, NOW)
    path = exporter.write(
        sample_db, prepared, fmt, tmp_path / f"r.{fmt}", NOW, allow_incomplete=True, allow_small_groups=True
    ).path
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        text = "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None
        )
    else:
        text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        text += path.with_name(f"{path.stem}.notes.txt").read_text(encoding="utf-8")
    values = identifying_values(sample_db)
    assert len(values) > 150
    allowed = {"White"}  # the surname that is also the `white` ethnic group code
    assert [v for v in scan(text, values) if v not in allowed] == []


def test_the_extract_has_one_row_per_episode_open_in_the_period(sample_db):
    table = build(sample_db, templates.find("pseudonymised_extract", None), Q2, None)
    expected = sample_db.execute(
        "SELECT count(*) FROM episodes WHERE referral_date <= '2026-09-30' "
        "AND (discharge_date IS NULL OR discharge_date >= '2026-07-01')"
    ).fetchone()[0]
    assert len(table.rows) == expected
    assert table.header[0] == "pseudo_id"
    assert all(re.fullmatch(r"[0-9a-f]{16}", row[0]) for row in table.rows)


def test_the_extract_counts_attendance_and_continuity(caseload, db):
    client = make_client(caseload)
    caseload.add_episode(
        client.id,
        {
            "referral_date": date(2026, 6, 1),
            "referral_source": "prison",
            "pathway": "prison_link",
            "primary_substance": "heroin",
            "start_date": date(2026, 7, 2),
        },
    )
    caseload.releases.add(
        client.id, {"prison": "HMP Leeds", "expected_date": date(2026, 7, 1), "actual_date": date(2026, 7, 1)}
    )
    caseload.add_session(client.id, {"when": datetime(2026, 7, 2, 10, 0), "kind": "keywork", "status": "attended"})
    caseload.add_session(client.id, {"when": datetime(2026, 7, 9, 10, 0), "kind": "keywork", "status": "dna"})
    caseload.add_session(client.id, {"when": datetime(2026, 10, 9, 10, 0), "kind": "keywork", "status": "attended"})
    template = templates.find("pseudonymised_extract", None)
    row = dict(zip(template_header(template), build(db, template, Q2, None).rows[0], strict=False))
    assert row["age_band"] == "35-44"
    assert (row["referral_month"], row["start_month"], row["discharge_month"]) == ("2026-06", "2026-07", None)
    assert (row["attended_in_period"], row["dna_in_period"], row["continuity_engaged"]) == (1, 1, "yes")
    assert row["pseudo_id"] == pseudo_id(get_key(db), "T-1")


def template_header(template):
    return [item.name for item in template.items]


def test_pseudonyms_are_stable_across_runs_and_differ_across_keys(sample_db, tmp_path):
    template = templates.find("pseudonymised_extract", None)
    first = [row[0] for row in build(sample_db, template, Q2, None).rows]
    assert first == [row[0] for row in build(sample_db, template, Q2, None).rows]
    other_key = tmp_path / "other.key"
    other_key.write_text("ab" * 32)
    import_key(sample_db, other_key, force=True)
    second = [row[0] for row in build(sample_db, template, Q2, None).rows]
    assert len(second) == len(first) and set(second).isdisjoint(first)


def test_a_key_exported_from_one_laptop_gives_the_same_pseudonyms_on_another(sample_db, tmp_path):
    from cjcase.services.caseload_file import open_caseload

    key_file = tmp_path / "org.key"
    export_key(sample_db, key_file)
    other = open_caseload(tmp_path / "laptop2.db")
    import_path(other, SAMPLE, SAMPLE_TODAY)
    import_key(other, key_file, force=True)
    template = templates.find("pseudonymised_extract", None)
    assert build(other, template, Q2, None).rows == build(sample_db, template, Q2, None).rows


def test_a_bad_key_file_is_refused_with_a_sentence(db, tmp_path):
    from cjcase.domain.errors import CjcaseError

    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    with pytest.raises(CjcaseError, match="not a cjcase pseudonym key"):
        import_key(db, bad)


def write_template(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def test_a_template_naming_an_unknown_measure_is_refused_with_its_line(tmp_path):
    path = write_template(
        tmp_path,
        "mine",
        'kind = "aggregate"\ntitle = "Mine"\nmeasures = [\n'
        '  { measure = "referrals_received" },\n  { measure = "referals" },\n]\n',
    )
    with pytest.raises(TemplateError, match=r"mine.toml line 5: 'referals' is not a measure"):
        templates.load(path)


@pytest.mark.parametrize("column", ["client_ref", "date_of_birth", "last_name", "postcode", "keyworker", "notes"])
def test_a_template_column_that_would_carry_an_identifier_is_refused(tmp_path, column):
    path = write_template(
        tmp_path,
        "leaky",
        f'kind = "extract"\ncolumns = [\n  {{ column = "pseudo_id" }},\n  {{ column = "{column}" }},\n]\n',
    )
    with pytest.raises(TemplateError, match=f"leaky.toml line 4: the column '{column}' would carry an identifier"):
        templates.load(path)


def test_a_users_template_relabels_measures(sample_db, tmp_path):
    folder = tmp_path / "exports"
    write_template(
        folder,
        "pcc",
        'kind = "aggregate"\ntitle = "PCC return"\nsuppression = 3\n'
        'measures = [\n  { measure = "planned_exit_rate", label = "Planned exits (%)",'
        ' numerator_label = "Planned exits", denominator_label = "Exits" },\n]\n',
    )
    template = templates.find("pcc", folder)
    assert [t.name for t in templates.available(folder)] == [
        "pcc",
        "extract_minimised",
        "ndtms_top",
        "pseudonymised_extract",
        "quarterly_return",
    ]
    rows = build(sample_db, template, Q2, template.suppression).rows
    assert rows == [
        ["Planned exits (%)", "all", __import__("decimal").Decimal("71.4")],
        ["Planned exits", "all", 5],
        ["Exits", "all", 7],
    ]


def test_the_guard_refuses_a_template_label_that_is_a_clients_name(sample_db, tmp_path):
    folder = tmp_path / "exports"
    write_template(
        folder,
        "named",
        'kind = "aggregate"\nmeasures = [\n'
        '  { measure = "clients_seen", label = "Seen including Stephen Moore" },\n]\n',
    )
    template = templates.find("named", folder)
    with pytest.raises(IdentifierInReturn, match="label"):
        exporter.prepare(sample_db, template, Q2, None, NOW)


def test_the_guard_refuses_an_output_cell_holding_a_name_and_says_which_column(sample_db):
    table = build(sample_db, templates.find("quarterly_return", None), Q2, None)
    table.rows.append(["clients_seen", "Moore", 1])
    with pytest.raises(IdentifierInReturn, match="'group'"):
        guard.check(table, sample_db)


@pytest.mark.parametrize(
    "cell",
    [
        "18/01/1993",
        "1993-01-18",
        "18 Jan 1993",
        "CJ-17429",
        "LS19 7WR",
        "ls197wr",
        "07700 900410",
        "07700900410",
        "Priya",
    ],
)
def test_the_guard_knows_identifiers_in_their_usual_forms(sample_db, cell):
    table = build(sample_db, templates.find("quarterly_return", None), Q2, None)
    table.rows.append(["clients_seen", "all", cell])
    with pytest.raises(IdentifierInReturn, match="'value'"):
        guard.check(table, sample_db)


def test_a_large_count_that_reads_as_a_birth_date_is_a_count_in_an_aggregate_return_only(sample_db):
    # A client was born on 18 January 1993: 180193 and 18011993 are that date written compactly.
    aggregate = build(sample_db, templates.find("quarterly_return", None), Q2, None)
    aggregate.rows += [["sessions_attended", "all", 180193], ["sessions_attended", "all", 18011993]]
    guard.check(aggregate, sample_db)  # does not raise: the measures count, they never copy
    extract = build(sample_db, templates.find("pseudonymised_extract", None), Q2, None)
    extract.rows.append([18011993] + extract.rows[0][1:])
    with pytest.raises(IdentifierInReturn):
        guard.check(extract, sample_db)


def test_codes_are_not_identifiers_even_when_they_are_surnames(sample_db):
    assert sample_db.execute("SELECT count(*) FROM clients WHERE last_name = 'White'").fetchone()[0] >= 1
    table = build(sample_db, templates.find("quarterly_return", None), Q2, None)
    assert ["new_starts_by_ethnicity", "ethnic_group:white", 9] in table.rows
    guard.check(table, sample_db)  # does not raise


def test_spreadsheet_formulas_in_labels_are_escaped(sample_db, tmp_path):
    folder = tmp_path / "exports"
    write_template(
        folder,
        "formula",
        'kind = "aggregate"\nmeasures = [\n  { measure = "clients_seen", label = "=HYPERLINK(\\"http://x\\")" },\n]\n',
    )
    template = templates.find("formula", folder)
    prepared = exporter.prepare(sample_db, template, Q2, None, NOW)
    path = exporter.write(
        sample_db, prepared, "csv", tmp_path / "f.csv", NOW, allow_incomplete=True, allow_small_groups=True
    ).path
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[1][0].startswith("'=")


def test_the_guard_covers_every_identifying_column_of_the_clients_table(db):
    columns = {row[1] for row in db.execute("PRAGMA table_info(clients)")}
    assert set(IDENTIFYING) - {"notes"} <= guard.COVERED_COLUMNS
    assert columns - NOT_IDENTIFYING - guard.COVERED_COLUMNS == set()


# Values the contact_db fixture holds for its first client (n = 0) and the sample's own.
LABEL_LEAKS = [
    ("an address", "Visits to 14 Elm Street"),
    ("an address", "Flat 2, 14 Elm Street, Leeds LS6 0AB"),
    ("an email address", "Contact g.farquhar0@justice.example.uk"),
    ("a phone number", "Ring 07700 900777 first"),
    ("a phone number", "+44 7700 900777"),
    ("a phone number", "+44 (0)7700 900611"),
    ("a contact detail", "Seen with Marigold Thistlewood"),
    ("a reference", "A0031BX"),
    ("a reference", "PNC 2019/0004512K"),
    ("a reference", "PRB-77041"),
    ("a reference", "NHS 9434765900"),
    ("a name", "Zed0dy Quill"),
    ("a name", "Gwendolyn Farquhar0"),
    ("a name", "Seen including Stephen Moore"),
]


def one_client_born(contact_db, born: date):
    contact_db.execute(
        "UPDATE clients SET date_of_birth = ? WHERE id = (SELECT min(id) FROM clients)", [born.isoformat()]
    )
    return contact_db


def labelled_template(folder: Path, label: str):
    quoted = label.replace("\\", "\\\\").replace('"', '\\"')
    write_template(
        folder, "leak", f'kind = "aggregate"\nmeasures = [\n  {{ measure = "clients_seen", label = "{quoted}" }},\n]\n'
    )
    return templates.find("leak", folder)


@pytest.mark.parametrize(("kind", "label"), LABEL_LEAKS)
def test_the_guard_refuses_a_label_holding_any_identifying_value(contact_db, tmp_path, kind, label):
    template = labelled_template(tmp_path / "exports", label)
    with pytest.raises(IdentifierInReturn, match=f"label '.*' .* holds .*{kind}"):
        exporter.prepare(contact_db, template, Q2, None, NOW)


@pytest.mark.parametrize(("kind", "label"), LABEL_LEAKS)
def test_the_guard_refuses_a_cell_holding_any_identifying_value(contact_db, kind, label):
    table = build(contact_db, templates.find("quarterly_return", None), Q2, None)
    table.rows.append(["clients_seen", "all", label])
    with pytest.raises(IdentifierInReturn, match="'value'"):
        guard.check(table, contact_db)


@pytest.mark.parametrize(
    "written",
    ["14th September 1983", "September 14, 1983", "14/9/83", "14-Sep-83", "14 Sept 1983", "14.09.1983", "19830914"],
)
def test_the_guard_reads_a_date_of_birth_in_any_written_form(contact_db, tmp_path, written):
    one_client_born(contact_db, date(1983, 9, 14))
    template = labelled_template(tmp_path / "exports", f"Born {written}")
    with pytest.raises(IdentifierInReturn, match="holds a date of birth"):
        exporter.prepare(contact_db, template, Q2, None, NOW)
    table = build(contact_db, templates.find("quarterly_return", None), Q2, None)
    table.rows.append(["clients_seen", "all", written])
    with pytest.raises(IdentifierInReturn):
        guard.check(table, contact_db)


def test_a_label_that_is_a_lone_name_word_is_a_warning_and_the_return_is_written(sample_db, tmp_path):
    assert sample_db.execute("SELECT count(*) FROM clients WHERE last_name = 'White'").fetchone()[0] >= 1
    template = labelled_template(tmp_path / "exports", "New starts (White British)")
    prepared = exporter.prepare(sample_db, template, Q2, None, NOW)
    assert len(prepared.warnings) == 1
    assert "'New starts (White British)'" in prepared.warnings[0] and "'white'" in prepared.warnings[0]
    exporter.write(sample_db, prepared, "csv", tmp_path / "w.csv", NOW, allow_incomplete=True)


def test_the_shipped_templates_raise_no_label_warning(contact_db):
    for name in ("quarterly_return", "pseudonymised_extract"):
        assert exporter.prepare(contact_db, templates.find(name, None), Q2, None, NOW).warnings == []


FORMULA_LABELS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1+1"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_extract_column_labels_never_reach_a_spreadsheet_as_formulas(sample_db, tmp_path, fmt):
    folder = tmp_path / "exports"
    columns = ["pseudo_id", "age_band", "sex", "ethnicity", "pathway"]
    entries = ",\n".join(
        f'  {{ column = "{column}", label = {json_string(label)} }}'
        for column, label in zip(columns, FORMULA_LABELS, strict=True)
    )
    write_template(folder, "hostile", f'kind = "extract"\ncolumns = [\n{entries},\n]\n')
    template = templates.find("hostile", folder)
    prepared = exporter.prepare(sample_db, template, Q2, None, NOW)
    path = exporter.write(
        sample_db, prepared, fmt, tmp_path / f"h.{fmt}", NOW, allow_incomplete=True, allow_small_groups=True
    ).path
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(path.read_text())))
    else:
        book = openpyxl.load_workbook(path)
        header = [cell.value for cell in book["Rows"][1]]
        assert all(cell.data_type != "f" for cell in book["Rows"][1])
    assert header[:5] == ["'" + label for label in FORMULA_LABELS]


def json_string(text: str) -> str:
    import json

    return json.dumps(text)
