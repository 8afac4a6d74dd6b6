"""TOP v2: the whole form, NA per item, the rules across items, post-treatment-exit and custody
TOPs, the rule of entry on the start day, edits and deletes audited, the migration, the import."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from cjcase.domain import codes
from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.returns import measures
from cjcase.services.caseload import Caseload
from cjcase.services.caseload_file import open_caseload
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from cjcase.store.database import latest_version, migrations
from tests.helpers import SAMPLE_TODAY, make_client, make_episode, top_form

FIXTURES = Path(__file__).parent / "fixtures"


def version_of(name: str) -> int:
    return next(number for number, path in migrations() if path.stem.split("_", 1)[1] == name)


# ---------------------------------------------------------------- NA, stored as not answered


def test_na_is_stored_as_not_answered_never_as_0_or_no(caseload, db):
    client = make_client(caseload)
    top = caseload.add_top(client.id, top_form(opiates_days="NA", assault="NA", sharing_needles="NA"))
    assert (top.opiates_days, top.assault, top.sharing_needles) == (None, None, None)
    row = db.execute("SELECT opiates_days, assault, sharing_needles, crack_days FROM tops").fetchone()
    assert tuple(row) == (None, None, None, 0)
    assert check(db) == []


@pytest.mark.parametrize("value", ["", None, "na", "N/A", "-"])
def test_an_empty_or_lookalike_item_needs_a_value_or_na(caseload, value):
    client = make_client(caseload)
    with pytest.raises(ValidationError, match="A TOP item needs a value or NA") as error:
        caseload.add_top(client.id, top_form(eviction_risk=value))
    assert error.value.field == "eviction_risk"


def test_every_item_of_the_form_must_be_given(caseload):
    client = make_client(caseload)
    values = top_form()
    del values["tobacco_days"]
    with pytest.raises(ValidationError) as error:
        caseload.add_top(client.id, values)
    assert error.value.field == "tobacco_days"


def test_units_are_0_to_200(caseload):
    client = make_client(caseload)
    assert caseload.add_top(client.id, top_form(alcohol_days=3, alcohol_units_per_drinking_day=200))
    with pytest.raises(ValidationError):
        caseload.add_top(client.id, top_form(alcohol_days=3, alcohol_units_per_drinking_day=201, stage="exit"))


# ---------------------------------------------------------------- rules across items


@pytest.mark.parametrize(
    ("days", "units", "refused"),
    [
        (0, 0, False),
        (0, "NA", False),
        (0, 4, True),
        (5, 4, False),
        (5, "NA", False),
        (5, 0, True),
        ("NA", 0, False),
        ("NA", 9, False),
    ],
)
def test_alcohol_days_and_units_agree_reported_on_the_units(caseload, days, units, refused):
    client = make_client(caseload)
    values = top_form(alcohol_days=days, alcohol_units_per_drinking_day=units)
    if refused:
        with pytest.raises(ValidationError) as error:
            caseload.add_top(client.id, values)
        assert error.value.field == "alcohol_units_per_drinking_day"
    else:
        caseload.add_top(client.id, values)


@pytest.mark.parametrize("item", codes.TOP_SHARING_FIELDS)
@pytest.mark.parametrize(
    ("injecting", "sharing", "refused"),
    [(0, "yes", True), (0, "no", False), (0, "NA", False), (3, "yes", False), ("NA", "yes", False)],
)
def test_no_injecting_means_no_sharing_reported_on_the_sharing_item(caseload, item, injecting, sharing, refused):
    client = make_client(caseload)
    values = top_form(injecting_days=injecting, **{item: sharing})
    if refused:
        with pytest.raises(ValidationError) as error:
            caseload.add_top(client.id, values)
        assert error.value.field == item
    else:
        caseload.add_top(client.id, values)


# ---------------------------------------------------------------- stages and settings


def test_a_post_treatment_exit_top_needs_a_discharge_on_or_before_its_date(caseload):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id, referral_date=date(2026, 1, 5), start_date=date(2026, 1, 10))
    values = top_form(stage="post_treatment_exit", date=date(2026, 6, 1))
    with pytest.raises(ValidationError) as error:
        caseload.add_top(client.id, values)
    assert error.value.field == "stage" and "discharge" in error.value.message
    caseload.discharge_episode(episode.id, date(2026, 6, 2), "dropped_out")
    with pytest.raises(ValidationError):  # discharged the day after: still refused
        caseload.add_top(client.id, values)
    caseload.update_episode(episode.id, {"discharge_date": date(2026, 6, 1)})
    assert caseload.add_top(client.id, values).stage == "post_treatment_exit"


def test_a_custody_top_is_kept_with_its_setting_and_community_is_the_default(caseload):
    client = make_client(caseload)
    assert caseload.add_top(client.id, top_form()).setting == "community"
    custody = caseload.add_top(client.id, top_form(setting="custody", stage="review", date=date(2026, 3, 1)))
    assert custody.setting == "custody"
    with pytest.raises(ValidationError):
        caseload.add_top(client.id, top_form(setting="NA", stage="exit", date=date(2026, 4, 1)))


def test_a_review_top_on_the_day_of_the_start_top_is_refused_when_entered(caseload):
    client = make_client(caseload)
    caseload.add_top(client.id, top_form(stage="start", date=date(2026, 1, 5)))
    with pytest.raises(ValidationError, match="start TOP is on this day") as error:
        caseload.add_top(client.id, top_form(stage="review", date=date(2026, 1, 5)))
    assert error.value.field == "date"
    review = caseload.add_top(client.id, top_form(stage="review", date=date(2026, 2, 5)))
    with pytest.raises(ValidationError):  # moved onto the start day by an edit
        caseload.update_top(review.id, {"date": date(2026, 1, 5)})


def test_a_historic_review_on_the_start_day_imports_and_its_other_items_can_still_be_corrected(db, caseload, tmp_path):
    folder = v1_folder(tmp_path, [row("start", "2026-01-05"), row("review", "2026-01-05")])
    import_path(db, folder, SAMPLE_TODAY)
    review = [t for t in caseload.tops(caseload.client_by_ref("T-1").id) if t.stage == "review"][0]
    assert caseload.update_top(review.id, {"psych_health": 14}).psych_health == 14
    assert check(db) == []  # a rule of entry, not of record


# ---------------------------------------------------------------- edit and delete, audited


def test_a_top_edit_and_delete_are_audited(caseload, db):
    client = make_client(caseload)
    top = caseload.add_top(client.id, top_form())
    caseload.update_top(top.id, {"opiates_days": "NA", "quality_of_life": 12})
    assert caseload.get_top(top.id).opiates_days is None
    caseload.delete_top(top.id)
    trail = [
        (r["action"], r["detail"])
        for r in db.query("SELECT action, detail FROM audit WHERE entity = 'top' AND record_id = ?", [top.id])
    ]
    assert trail == [("create", ""), ("update", "fields: opiates_days, quality_of_life"), ("delete", "")]


def test_an_edit_keeps_the_rules_across_items(caseload):
    client = make_client(caseload)
    top = caseload.add_top(client.id, top_form(injecting_days=4, sharing_needles="yes"))
    with pytest.raises(ValidationError) as error:
        caseload.update_top(top.id, {"injecting_days": 0})
    assert error.value.field == "sharing_needles"


# ---------------------------------------------------------------- v1 measures under v2


Q = parse_quarter("2026-27 Q1")


def top_measures(db):
    return {name: dict(measures.compute(db, name, Q))["all"] for name in measures.MEASURES if name.startswith("top_")}


def paired_client(caseload, ref, start_items, later_items, later_stage="review", later_date=date(2026, 6, 1)):
    client = make_client(caseload, client_ref=ref)
    make_episode(caseload, client.id, referral_date=date(2026, 1, 2), start_date=date(2026, 1, 5))
    caseload.add_top(client.id, top_form(date=date(2026, 1, 5), stage="start", **start_items))
    caseload.add_top(client.id, top_form(date=later_date, stage=later_stage, **later_items))
    return client


def test_custody_and_post_treatment_exit_tops_are_left_out_before_the_latest_is_picked(caseload, db):
    client = paired_client(caseload, "M-1", {"opiates_days": 20}, {"opiates_days": 5})
    assert top_measures(db)["top_pairs"] == 1
    caseload.add_top(client.id, top_form(date=date(2026, 6, 10), stage="exit", setting="custody", opiates_days=28))
    episode = caseload.episodes(client.id)[0]
    caseload.discharge_episode(episode.id, date(2026, 6, 11), "dropped_out")
    caseload.add_top(client.id, top_form(date=date(2026, 6, 20), stage="post_treatment_exit", opiates_days=28))
    found = top_measures(db)
    assert (found["top_pairs"], found["top_primary_reduced"]) == (1, 1)


def test_a_pair_with_na_in_what_a_measure_reads_is_left_out_of_that_measure_only(caseload, db):
    paired_client(caseload, "M-1", {"opiates_days": 20, "shoplifting_days": 5}, {"opiates_days": "NA"})
    paired_client(caseload, "M-2", {"opiates_days": "NA"}, {"opiates_days": 3, "drug_selling_days": "NA"})
    paired_client(caseload, "M-3", {"opiates_days": 20, "other_theft_days": "NA"}, {"opiates_days": 0})
    paired_client(caseload, "M-4", {"opiates_days": 20, "shoplifting_days": 4}, {"opiates_days": 10})
    assert top_measures(db) == {
        "top_pairs": 4,
        "top_primary_using_at_start": 2,
        "top_primary_abstinent": 1,
        "top_primary_reduced": 2,
        "top_offending_reduced": 2,
    }


# ---------------------------------------------------------------- migration from every schema


@pytest.mark.parametrize("version", range(1, latest_version()))
def test_every_earlier_schema_keeps_its_tops_as_community_with_v2_items_not_answered(tmp_path, version):
    fixture = FIXTURES / f"schema_v{version}.db"
    if not fixture.exists():
        pytest.skip(f"schema_v{version}.db is built by the lead at merge time")
    path = tmp_path / "old.db"
    shutil.copy(fixture, path)
    db = open_caseload(path)
    caseload = Caseload(db)
    tops = caseload.tops(caseload.client_by_ref("FX-1").id)
    first = tops[0]
    assert (first.top_date, first.stage, first.setting) == (date(2026, 1, 12), "start", "community")
    assert (first.opiates_days, first.crack_days, first.injecting_days, first.assault) == (20, 4, 10, "no")
    assert (first.psych_health, first.acute_housing_problem) == (8, "yes")
    assert all(getattr(first, name) is None for name in codes.TOP_V2_ITEMS)
    if version >= version_of("tops_v2"):  # the row the fixtures add once the v2 columns exist
        custody = next(t for t in tops if t.setting == "custody")
        assert (custody.opiates_days, custody.tobacco_days, custody.sharing_needles) == (None, 15, "no")
    assert check(db) == []
    db.close()


# ---------------------------------------------------------------- import

V1_ITEMS = [
    "alcohol_days",
    "opiates_days",
    "crack_days",
    "cocaine_days",
    "amphetamines_days",
    "cannabis_days",
    "other_drug_days",
    "injecting_days",
    "shoplifting_days",
    "drug_selling_days",
    "other_theft_days",
    "assault",
    "psych_health",
    "phys_health",
    "quality_of_life",
    "acute_housing_problem",
    "paid_work_days",
    "education_days",
]


def row(stage="start", day="2026-01-05", ref="T-1", **items):
    values = {name: "0" for name in V1_ITEMS}
    values.update(assault="no", acute_housing_problem="no", psych_health="10", phys_health="10")
    values.update(quality_of_life="10")
    values.update(items)
    return {"client_ref": ref, "date": day, "stage": stage, **values}


def v1_folder(tmp_path, rows, extra_files=None):
    folder = tmp_path / "import"
    folder.mkdir(exist_ok=True)
    (folder / "clients.csv").write_text(
        "client_ref,first_name,last_name,date_of_birth,sex,ethnicity\nT-1,Tess,Ingram,1980-01-01,female,A\n"
    )
    (folder / "episodes.csv").write_text(
        "client_ref,referral_date,referral_source,pathway,primary_substance,start_date,discharge_date,"
        "discharge_reason\nT-1,2026-01-02,self,community,heroin,2026-01-05,2026-05-01,dropped_out\n"
    )
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r.get(c, "")) for c in header) for r in rows]
    (folder / "tops.csv").write_text("\n".join(lines) + "\n")
    return folder


def problems_of(db, folder):
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, SAMPLE_TODAY)
    return [str(p) for p in rejected.value.problems]


def test_a_v1_tops_file_imports_with_v2_items_na_and_setting_community(db, caseload, tmp_path):
    import_path(db, v1_folder(tmp_path, [row(opiates_days="NA")]), SAMPLE_TODAY)
    (top,) = caseload.tops(caseload.client_by_ref("T-1").id)
    assert top.setting == "community" and top.opiates_days is None and top.crack_days == 0
    assert all(getattr(top, name) is None for name in codes.TOP_V2_ITEMS)
    assert check(db) == []


def test_v2_columns_and_setting_import(db, caseload, tmp_path):
    full = row(
        setting="custody",
        tobacco_days="20",
        alcohol_days="4",
        alcohol_units_per_drinking_day="12",
        injecting_days="3",
        sharing_needles="YES",
        sharing_paraphernalia="NA",
        vehicle_theft="no",
        property_theft_burglary="NA",
        fraud_forgery_handling="yes",
        eviction_risk="no",
    )
    import_path(db, v1_folder(tmp_path, [full]), SAMPLE_TODAY)
    (top,) = caseload.tops(caseload.client_by_ref("T-1").id)
    assert (top.setting, top.tobacco_days, top.alcohol_units_per_drinking_day) == ("custody", 20, 12)
    assert (top.sharing_needles, top.sharing_paraphernalia, top.fraud_forgery_handling) == ("yes", None, "yes")


@pytest.mark.parametrize("cell", ["na", "N/A", "-", ""])
def test_a_lookalike_or_empty_item_cell_is_an_error(db, tmp_path, cell):
    folder = v1_folder(tmp_path, [row(cannabis_days=cell, tobacco_days="NA")])
    assert problems_of(db, folder) == [
        "tops.csv:2: cannabis_days: a TOP item needs a value or NA (NA in capitals when not answered)"
    ]


def test_an_empty_cell_in_a_present_v2_column_is_an_error(db, tmp_path):
    folder = v1_folder(tmp_path, [row(eviction_risk="")])
    assert problems_of(db, folder) == [
        "tops.csv:2: eviction_risk: a TOP item needs a value or NA (NA in capitals when not answered)"
    ]


@pytest.mark.parametrize("column", ["date", "stage", "setting"])
def test_na_is_never_valid_for_date_stage_or_setting(db, tmp_path, column):
    folder = v1_folder(tmp_path, [row(**{column: "NA"})])
    assert [p.split(": ")[1] for p in problems_of(db, folder)] == [column]


def test_the_rules_across_items_refuse_an_import_on_the_units_and_sharing_columns(db, tmp_path):
    folder = v1_folder(
        tmp_path,
        [
            row(alcohol_days="0", alcohol_units_per_drinking_day="6", sharing_paraphernalia="no"),
            row(
                stage="review",
                day="2026-03-01",
                injecting_days="0",
                sharing_paraphernalia="yes",
                alcohol_units_per_drinking_day="0",
            ),
        ],
    )
    found = problems_of(db, folder)
    assert [p.split(": ")[0] + ": " + p.split(": ")[1] for p in found] == [
        "tops.csv:2: alcohol_units_per_drinking_day",
        "tops.csv:3: sharing_paraphernalia",
    ]


def test_a_post_treatment_exit_top_imports_only_after_a_discharge(db, tmp_path):
    after = row(stage="post_treatment_exit", day="2026-05-01", sharing_needles="no")
    import_path(db, v1_folder(tmp_path, [after]), SAMPLE_TODAY)  # discharged 01/05 in the same import
    before = row(stage="post_treatment_exit", day="2026-04-30", sharing_needles="no")
    found = problems_of(db, v1_folder(tmp_path, [before]))
    assert len(found) == 1 and found[0].startswith("tops.csv:2: stage: a post-treatment-exit TOP needs a discharge")


def test_a_form_saving_every_field_unchanged_does_not_enter_the_date_again(db, caseload, tmp_path):
    folder = v1_folder(tmp_path, [row("start", "2026-01-05"), row("review", "2026-01-05")])
    import_path(db, folder, SAMPLE_TODAY)
    review = [t for t in caseload.tops(caseload.client_by_ref("T-1").id) if t.stage == "review"][0]
    every = {name: ("NA" if getattr(review, name) is None else getattr(review, name)) for name in codes.TOP_ITEMS}
    updated = caseload.update_top(
        review.id, {**every, "date": date(2026, 1, 5), "stage": "review", "setting": "community", "assault": "yes"}
    )
    assert updated.assault == "yes"


# ---------------------------------------------------------------- demo


def test_the_demo_fills_the_v2_items_leaves_some_answers_na_and_keeps_every_rule(db):
    from cjcase.services import demo

    demo.generate(db, date(2026, 11, 23), clients=150, seed=11)
    answered = {
        name: db.execute(f"SELECT count({name}), count(*) - count({name}) FROM tops").fetchone()
        for name in codes.TOP_V2_ITEMS
    }
    assert all(filled > 0 for filled, _ in answered.values()), answered
    assert sum(missing for _, missing in answered.values()) > 0
    assert db.execute("SELECT count(*) FROM tops WHERE psych_health IS NULL OR assault IS NULL").fetchone()[0] > 0
    assert [p for p in check(db) if p.startswith("tops")] == []


def test_the_timeline_names_the_stage_in_words_and_a_custody_top(caseload):
    from cjcase.services.agenda import timeline

    client = make_client(caseload)
    caseload.add_top(client.id, top_form(setting="custody", date=date(2026, 2, 1)))
    episode = make_episode(caseload, client.id, referral_date=date(2026, 2, 5))
    caseload.discharge_episode(episode.id, date(2026, 3, 1), "dropped_out")
    caseload.add_top(client.id, top_form(stage="post_treatment_exit", date=date(2026, 4, 1)))
    summaries = [i.summary for i in timeline(caseload.db, client.id) if i.kind == "top"]
    assert summaries == ["TOP (post treatment exit)", "TOP (start, custody)"]
