"""The domain rules: each rejects its bad case with the right field; writes are audited."""

from datetime import date, datetime

import pytest

from cjcase.domain.errors import ValidationError
from tests.helpers import SAMPLE, SAMPLE_TODAY, add_hearing, make_client, make_episode, top_form


def audit_rows(db):
    return list(
        db.query(
            "SELECT action, entity, record_id, client_id, detail FROM audit WHERE entity != 'pseudonym_key' ORDER BY id"
        )
    )


def test_a_client_is_created_and_audited_without_personal_values(caseload, db):
    client = make_client(caseload, notes="Lives with her sister Marigold")
    assert caseload.get_client(client.id).first_name == "Jo"
    rows = audit_rows(db)
    assert [(r["action"], r["entity"], r["record_id"]) for r in rows] == [("create", "client", client.id)]
    text = " ".join(str(v) for r in rows for v in r.values())
    for value in ("Jo", "Bloggs", "1990", "Marigold", "T-1"):
        assert value not in text


def test_an_update_audits_the_field_names_only(caseload, db):
    client = make_client(caseload)
    caseload.update_client(client.id, {"phone": "07700 900123"})
    last = audit_rows(db)[-1]
    assert (last["action"], last["detail"]) == ("update", "fields: phone")
    assert "07700" not in last["detail"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("sex", "m"),
        ("ethnicity", "W"),
        ("date_of_birth", "1985-3-14"),
        ("date_of_birth", "31/02/1990"),
        ("date_of_birth", date(2030, 1, 1)),
        ("risk_flags", "overdose;arson"),
        ("consent_to_share", "maybe"),
        ("first_name", "  "),
        ("client_ref", ""),
    ],
)
def test_a_bad_client_value_is_refused_on_its_field(caseload, db, field, value):
    with pytest.raises(ValidationError) as error:
        make_client(caseload, **{field: value})
    assert error.value.field == field
    assert db.table("clients").count == 0


def test_a_client_reference_is_unique(caseload):
    make_client(caseload)
    with pytest.raises(ValidationError) as error:
        make_client(caseload, first_name="Other")
    assert error.value.field == "client_ref"


def test_a_duplicate_is_suggested_by_birth_date_and_name_or_prison_number(caseload):
    existing = make_client(caseload, prison_number="A1234BC")
    same_person = {"first_name": "Joanne", "last_name": "Bloggs", "date_of_birth": date(1990, 5, 17)}
    assert [c.id for c in caseload.possible_duplicates(same_person)] == [existing.id]
    assert [c.id for c in caseload.possible_duplicates({"prison_number": "a1234bc"})] == [existing.id]
    assert (
        caseload.possible_duplicates({"first_name": "Sam", "last_name": "Okafor", "date_of_birth": date(1990, 5, 17)})
        == []
    )


def test_an_episode_needs_its_codes(caseload):
    client = make_client(caseload)
    for field, value in [("pathway", "probation"), ("referral_source", "friend"), ("primary_substance", "ketamine")]:
        with pytest.raises(ValidationError) as error:
            make_episode(caseload, client.id, **{field: value})
        assert error.value.field == field


def test_an_episode_dates_are_in_order(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, start_date=date(2026, 1, 4))
    assert error.value.field == "start_date"
    with pytest.raises(ValidationError) as error:
        make_episode(
            caseload,
            client.id,
            start_date=date(2026, 1, 10),
            discharge_date=date(2026, 1, 9),
            discharge_reason="dropped_out",
        )
    assert error.value.field == "discharge_date"


def test_a_discharge_reason_goes_exactly_with_a_discharge_date(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, discharge_date=date(2026, 2, 1))
    assert error.value.field == "discharge_reason"
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, discharge_reason="died")
    assert error.value.field == "discharge_date"


def test_a_client_has_one_open_episode_at_a_time(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, referral_date=date(2026, 6, 1))
    assert error.value.field == "referral_date"
    assert "open episode" in error.value.message


def test_episodes_never_overlap_and_the_same_day_counts(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id, discharge_date=date(2026, 3, 1), discharge_reason="dropped_out")
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, referral_date=date(2026, 3, 1))
    assert error.value.field == "referral_date"
    later = make_episode(caseload, client.id, referral_date=date(2026, 3, 2))
    assert later.is_open


def test_clients_are_adults_on_every_referral_date(caseload):
    client = make_client(caseload, date_of_birth=date(2008, 3, 1))
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, referral_date=date(2026, 2, 28))
    assert error.value.field == "referral_date"
    assert make_episode(caseload, client.id, referral_date=date(2026, 3, 1))


def test_a_leap_day_client_turns_eighteen_on_the_first_of_march(caseload):
    client = make_client(caseload, date_of_birth=date(2008, 2, 29))
    with pytest.raises(ValidationError):
        make_episode(caseload, client.id, referral_date=date(2026, 2, 28))
    assert make_episode(caseload, client.id, referral_date=date(2026, 3, 1))


def test_changing_a_birth_date_that_makes_an_episode_a_minors_is_refused(caseload):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    with pytest.raises(ValidationError) as error:
        caseload.update_client(client.id, {"date_of_birth": date(2010, 1, 1)})
    assert error.value.field == "date_of_birth"


def test_discharging_cancels_the_future_sessions(caseload):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id)
    caseload.add_session(client.id, {"when": datetime(2026, 2, 10, 10, 0), "kind": "keywork", "status": "attended"})
    caseload.add_session(client.id, {"when": datetime(2026, 3, 10, 10, 0), "kind": "keywork", "status": "scheduled"})
    outcome = caseload.discharge_episode(episode.id, date(2026, 3, 1), "dropped_out")
    assert outcome.cancelled_sessions == 1
    assert sorted(s.status for s in caseload.sessions(client.id)) == ["attended", "cancelled_service"]
    assert caseload.get_episode(episode.id).discharge_reason == "dropped_out"


@pytest.mark.parametrize("minutes", [-1, 1441, "an hour"])
def test_a_session_duration_is_from_0_to_1440_minutes(caseload, minutes):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        caseload.add_session(
            client.id,
            {
                "when": datetime(2026, 2, 10, 10, 0),
                "kind": "keywork",
                "status": "attended",
                "duration_minutes": minutes,
            },
        )
    assert error.value.field == "duration_minutes"


def test_a_session_needs_a_kind_and_status_from_the_lists(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        caseload.add_session(client.id, {"when": datetime(2026, 2, 10, 10, 0), "kind": "chat", "status": "attended"})
    assert error.value.field == "kind"
    with pytest.raises(ValidationError) as error:
        caseload.add_session(client.id, {"when": datetime(2026, 2, 10, 10, 0), "kind": "keywork", "status": "missed"})
    assert error.value.field == "status"


def test_two_sessions_of_different_kinds_may_share_a_minute(caseload):
    client = make_client(caseload)
    at = datetime(2026, 2, 10, 10, 0)
    caseload.add_session(client.id, {"when": at, "kind": "keywork", "status": "attended"})
    caseload.add_session(client.id, {"when": at, "kind": "phone", "status": "attended"})
    with pytest.raises(ValidationError) as error:
        caseload.add_session(client.id, {"when": at, "kind": "phone", "status": "dna"})
    assert error.value.field == "when"


def test_a_goal_has_a_closed_date_exactly_when_it_is_closed(caseload):
    client = make_client(caseload)
    base = {"domain": "housing", "description": "Find a flat", "set_date": date(2026, 1, 5)}
    with pytest.raises(ValidationError) as error:
        caseload.add_goal(client.id, {**base, "status": "achieved"})
    assert error.value.field == "closed_date"
    with pytest.raises(ValidationError) as error:
        caseload.add_goal(client.id, {**base, "status": "open", "closed_date": date(2026, 2, 1)})
    assert error.value.field == "closed_date"
    goal = caseload.add_goal(client.id, {**base, "status": "open"})
    closed = caseload.close_goal(goal.id, "achieved", date(2026, 2, 1))
    assert (closed.status, closed.closed_date) == ("achieved", date(2026, 2, 1))


def test_a_goal_review_keeps_its_note_and_moves_the_review_date(caseload):
    client = make_client(caseload)
    goal = caseload.add_goal(
        client.id, {"domain": "housing", "description": "Find a flat", "set_date": date(2026, 1, 5), "status": "open"}
    )
    caseload.review_goal(goal.id, date(2026, 2, 2), "On the housing list now", date(2026, 3, 2))
    assert caseload.get_goal(goal.id).review_date == date(2026, 3, 2)
    assert [r.note for r in caseload.goal_reviews(goal.id)] == ["On the housing list now"]
    with pytest.raises(ValidationError) as error:
        caseload.review_goal(goal.id, date(2026, 2, 2), "  ")
    assert error.value.field == "note"


@pytest.mark.parametrize(
    "field, value",
    [
        ("opiates_days", 29),
        ("alcohol_days", -1),
        ("psych_health", 21),
        ("quality_of_life", -1),
        ("assault", "sometimes"),
        ("stage", "middle"),
    ],
)
def test_top_day_counts_are_0_to_28_and_scores_0_to_20(caseload, field, value):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        caseload.add_top(client.id, top_form(**{field: value}))
    assert error.value.field == field


def test_a_top_at_the_limits_is_accepted(caseload):
    client = make_client(caseload)
    top = caseload.add_top(client.id, top_form(opiates_days=28, psych_health=20, quality_of_life=0))
    assert (top.opiates_days, top.psych_health) == (28, 20)


def test_a_court_date_needs_a_hearing_type_from_the_list(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        add_hearing(
            caseload, client.id, {"when": datetime(2026, 2, 1, 10, 0), "court": "Leeds", "hearing_type": "mention"}
        )
    assert error.value.field == "hearing_type"


def test_a_failed_write_leaves_no_audit_row(caseload, db):
    client = make_client(caseload)
    before = db.table("audit").count
    with pytest.raises(ValidationError):
        make_episode(caseload, client.id, pathway="nowhere")
    assert db.table("audit").count == before


def test_deleting_a_client_removes_their_records_and_is_audited(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    caseload.delete_client(client.id)
    assert db.table("clients").count == 0 and db.table("episodes").count == 0
    assert audit_rows(db)[-1]["action"] == "delete"


def test_the_database_refuses_a_bad_date_that_skips_the_services(db):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO clients (client_ref, first_name, last_name, date_of_birth, sex, ethnicity) "
            "VALUES ('X', 'A', 'B', '1985-3-14', 'male', 'A')"
        )


def test_discharging_can_close_the_open_goals_in_the_same_transaction(caseload, db):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id)
    caseload.add_goal(
        client.id, {"domain": "housing", "description": "Flat", "set_date": date(2026, 1, 5), "status": "open"}
    )
    caseload.add_goal(
        client.id,
        {
            "domain": "offending",
            "description": "No arrests",
            "set_date": date(2026, 1, 5),
            "status": "achieved",
            "closed_date": date(2026, 2, 1),
        },
    )
    outcome = caseload.discharge_episode(
        episode.id, date(2026, 3, 1), "completed_drug_free", close_goals_as="partly_achieved"
    )
    assert outcome.closed_goals == 1
    assert sorted((g.status, g.closed_date) for g in caseload.goals(client.id)) == [
        ("achieved", date(2026, 2, 1)),
        ("partly_achieved", date(2026, 3, 1)),
    ]


def test_a_failed_discharge_changes_nothing(caseload, db):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id)
    with pytest.raises(ValidationError):
        caseload.discharge_episode(episode.id, date(2026, 3, 1), "dropped_out", close_goals_as="open")
    assert caseload.get_episode(episode.id).is_open


def test_logging_a_session_books_the_next_in_one_transaction(caseload, db):
    client = make_client(caseload)
    logged, booked = caseload.log_session(
        client.id,
        {"when": datetime(2026, 11, 20, 10, 0), "kind": "keywork", "status": "attended"},
        {"when": datetime(2026, 11, 27, 10, 0), "kind": "keywork", "status": "scheduled"},
    )
    assert (logged.status, booked.status) == ("attended", "scheduled")
    with pytest.raises(ValidationError):
        caseload.log_session(
            client.id,
            {"when": datetime(2026, 11, 21, 10, 0), "kind": "keywork", "status": "attended"},
            {"when": datetime(2026, 11, 27, 10, 0), "kind": "keywork", "status": "scheduled"},
        )  # clashes
    assert db.table("sessions").count == 2  # the first half of the failed action was undone too


def test_an_adjourned_hearing_keeps_its_history(caseload):
    client = make_client(caseload)
    hearing = add_hearing(
        caseload, client.id, {"when": datetime(2026, 11, 24, 10, 0), "court": "Leeds", "hearing_type": "sentencing"}
    )
    later = caseload.adjourn_hearing(hearing.id, datetime(2026, 12, 15, 10, 0), "Adjourned for reports")
    assert later.adjourned_from_id == hearing.id and later.hearing_type == "sentencing"
    assert caseload.get_court_date(hearing.id).outcome == "Adjourned for reports"
    with pytest.raises(ValidationError):
        caseload.adjourn_hearing(later.id, datetime(2026, 12, 1, 10, 0))


def test_a_keyworker_change_is_dated_and_bulk(caseload, db):
    from cjcase.services import names

    names.add_name(caseload.db, "keyworker", "Tom Gallagher")
    first = make_client(caseload, keyworker="Priya Shah")
    second = make_client(caseload, client_ref="T-2", keyworker="Priya Shah")
    moved = caseload.change_keyworker([first.id, second.id], "Tom Gallagher", date(2026, 11, 20))
    assert moved == 2
    assert caseload.get_client(second.id).keyworker == "Tom Gallagher"
    change = caseload.keyworker_history(first.id)[0]
    assert (change.changed_on, change.from_keyworker, change.to_keyworker) == (
        date(2026, 11, 20),
        "Priya Shah",
        "Tom Gallagher",
    )
    assert caseload.change_keyworker([first.id], "  ", date(2026, 11, 21)) == 1
    assert caseload.get_client(first.id).keyworker is None


def test_a_note_needs_text(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        caseload.add_note(client.id, "   ")
    assert error.value.field == "text"
    assert caseload.add_note(client.id, "Rang, left message").kind == "note"


def test_a_transfer_entered_in_the_program_says_where_to(caseload):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    for reason in ("transferred_community", "transferred_custody"):
        for nowhere in (None, "  "):
            with pytest.raises(ValidationError, match="Say where the client was transferred to") as error:
                caseload.discharge_episode(episode.id, date(2026, 3, 1), reason, nowhere)
            assert error.value.field == "transferred_to"
    with pytest.raises(ValidationError, match="transferred to"):
        caseload.update_episode(
            episode.id, {"discharge_date": date(2026, 3, 1), "discharge_reason": "transferred_custody"}
        )
    assert caseload.get_episode(episode.id).is_open
    outcome = caseload.discharge_episode(episode.id, date(2026, 3, 1), "transferred_custody", "HMP Leeds")
    assert not outcome.needs_exit_top
    assert caseload.get_episode(episode.id).transferred_to == "HMP Leeds"


def test_a_destination_is_kept_only_for_a_transfer_and_a_planned_exit_asks_for_the_exit_top(caseload):
    client = make_client(caseload)
    episode = make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    outcome = caseload.discharge_episode(episode.id, date(2026, 3, 1), "completed_drug_free", "Somewhere")
    assert outcome.needs_exit_top
    assert caseload.get_episode(episode.id).transferred_to is None


def test_the_importer_keeps_historic_transfers_with_no_destination(db):
    from cjcase.services.importing.importer import import_path

    import_path(db, SAMPLE, today=SAMPLE_TODAY)
    transfers = db.execute(
        "SELECT count(*) FROM episodes WHERE discharge_reason LIKE 'transferred%' AND transferred_to IS NULL"
    ).fetchone()[0]
    assert transfers > 0


def test_the_change_since_start_reads_the_latest_top_against_the_latest_start_top(caseload):
    from cjcase.domain.model import change_since_start

    client = make_client(caseload)
    caseload.add_top(client.id, top_form(opiates_days=20, date=date(2026, 1, 5)))
    assert change_since_start(caseload.tops(client.id), ("opiates_days",)) is None
    caseload.add_top(client.id, top_form(opiates_days=12, date=date(2026, 3, 5), stage="start"))
    caseload.add_top(client.id, top_form(opiates_days=4, psych_health=13, date=date(2026, 9, 5), stage="review"))
    changes = change_since_start(caseload.tops(client.id), ("opiates_days", "psych_health"))
    assert changes == {"opiates_days": -8, "psych_health": 3}


def test_codes_are_put_in_words_in_one_place():
    import re
    from pathlib import Path

    import cjcase
    from cjcase.domain.codes import label

    assert label("transferred_custody") == "transferred custody" and label(None) == ""
    package = Path(cjcase.__file__).parent
    spelled_out = re.compile(r"""\.replace\(\s*["']_["']\s*,\s*["'] ["']\s*\)""")
    places = sorted(
        p.relative_to(package).as_posix() for p in package.rglob("*.py") if spelled_out.search(p.read_text())
    )
    # rules.label says field names; a template's title comes from its file name.
    assert places == ["domain/codes.py", "domain/rules.py", "returns/template.py"]


def test_a_worker_thread_reads_the_caseload_on_its_own_read_only_connection(caseload):
    import threading

    make_client(caseload, client_ref="W-1", keyworker="Sam Keys")
    assert caseload.reader() is caseload  # the main thread uses the caseload itself
    seen = {}

    def load() -> None:
        reader = caseload.reader()
        seen.update(
            own=reader is not caseload and reader.db is not caseload.db,
            rows=[row.client_ref for row in reader.find(datetime(2026, 11, 20, 12, 0), status="all")],
            keyworkers=reader.keyworkers(),
        )

    worker = threading.Thread(target=load)
    worker.start()
    worker.join()
    assert seen == {"own": True, "rows": ["W-1"], "keyworkers": ["Sam Keys"]}


def test_the_next_top_form_starts_at_start_until_the_client_has_one(caseload):
    from cjcase.domain.model import next_top_stage

    client = make_client(caseload)
    assert next_top_stage(caseload.tops(client.id)) == "start"
    caseload.add_top(client.id, top_form(stage="start"))
    assert next_top_stage(caseload.tops(client.id)) == "review"
