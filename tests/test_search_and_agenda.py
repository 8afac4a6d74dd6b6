"""Reads the TUI and returns rely on: caseload filters, search, the agenda and the timeline."""

from datetime import date, datetime

from cjcase.services import agenda, search
from cjcase.services.importing.importer import import_path
from tests.helpers import SAMPLE, SAMPLE_TODAY, add_hearing, make_client, make_episode

NOW = datetime(2026, 11, 20, 9, 0)


def refs(rows):
    return [r.client_ref for r in rows]


def test_search_finds_by_name_prefix_reference_and_birth_date(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    assert refs(search.caseload(db, NOW, status="all", text="Anne-Mar")) == ["CJ-12197"]
    assert refs(search.caseload(db, NOW, status="all", text="CJ-1219")) == ["CJ-12197"]
    assert refs(search.caseload(db, NOW, status="all", text="14/09/1988")) == ["CJ-12197"]
    assert "CJ-17429" in refs(search.caseload(db, NOW, status="all", text="steve"))  # preferred name


def test_several_words_narrow_the_search(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    both = refs(search.caseload(db, NOW, status="all", text="ahmed"))
    assert set(both) >= {"CJ-14904", "CJ-18371"}
    assert refs(search.caseload(db, NOW, status="all", text="ahmed nat")) == ["CJ-18371"]


def test_search_text_never_reaches_fts_as_syntax(db):
    import_path(db, SAMPLE, SAMPLE_TODAY)
    for text in ['"', "NEAR(a b)", "a OR b", "*", "x\x00y", "(", "col:val", "-", "'; DROP TABLE clients"]:
        search.caseload(db, NOW, status="all", text=text)  # must not raise
    assert db.table("clients").count == 40


def test_aliases_are_searchable(caseload, db):
    make_client(caseload, aliases="Dazza;Big D")
    assert refs(search.caseload(db, NOW, status="all", text="dazza")) == ["T-1"]


def test_the_open_closed_and_keyworker_filters(caseload, db):
    open_client = make_client(caseload, client_ref="O-1", keyworker="Priya Shah")
    make_episode(caseload, open_client.id)
    closed = make_client(caseload, client_ref="C-1", first_name="Al")
    make_episode(caseload, closed.id, discharge_date=date(2026, 2, 1), discharge_reason="died")
    assert refs(search.caseload(db, NOW, status="open")) == ["O-1"]
    assert refs(search.caseload(db, NOW, status="closed")) == ["C-1"]
    assert refs(search.caseload(db, NOW, status="all", keyworker="Priya Shah")) == ["O-1"]
    assert refs(search.caseload(db, NOW, status="all", keyworker=search.UNALLOCATED)) == ["C-1"]
    assert search.count(db, status="all") == 2


def test_the_caseload_shows_last_seen_and_next_appointment(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    caseload.add_session(client.id, {"when": datetime(2026, 11, 2, 10, 0), "kind": "keywork", "status": "attended"})
    caseload.add_session(client.id, {"when": datetime(2026, 11, 9, 10, 0), "kind": "keywork", "status": "dna"})
    caseload.add_session(client.id, {"when": datetime(2026, 11, 27, 14, 0), "kind": "keywork", "status": "scheduled"})
    row = search.caseload(db, NOW)[0]
    assert row.last_seen == date(2026, 11, 2)
    assert row.next_appointment == datetime(2026, 11, 27, 14, 0)
    assert row.pathway == "community" and row.status == "open"


def test_the_agenda_lists_each_kind_of_thing_due(caseload, db):
    client = make_client(caseload)
    make_episode(
        caseload,
        client.id,
        pathway="drr",
        order_start=date(2026, 6, 1),
        order_end=date(2026, 11, 25),
        prison_release_date=date(2026, 11, 22),
    )
    caseload.add_session(client.id, {"when": datetime(2026, 11, 21, 10, 0), "kind": "keywork", "status": "scheduled"})
    add_hearing(
        caseload,
        client.id,
        {"when": datetime(2026, 11, 24, 10, 0), "court": "Leeds Magistrates' Court", "hearing_type": "review"},
    )
    caseload.add_goal(
        client.id,
        {
            "domain": "housing",
            "description": "Flat",
            "set_date": date(2026, 10, 1),
            "review_date": date(2026, 11, 26),
            "status": "open",
        },
    )
    caseload.add_session(client.id, {"when": datetime(2026, 12, 30, 10, 0), "kind": "keywork", "status": "scheduled"})
    items = agenda.agenda(db, date(2026, 11, 20), date(2026, 12, 4))
    assert [(i.day, i.kind) for i in items] == [
        (date(2026, 11, 21), "session"),
        (date(2026, 11, 22), "release"),
        (date(2026, 11, 24), "court"),
        (date(2026, 11, 25), "order_end"),
        (date(2026, 11, 26), "goal_review"),
    ]


def test_the_agenda_range_includes_its_last_day(caseload, db):
    client = make_client(caseload)
    caseload.add_session(client.id, {"when": datetime(2026, 12, 4, 23, 30), "kind": "phone", "status": "scheduled"})
    assert len(agenda.agenda(db, date(2026, 11, 20), date(2026, 12, 4))) == 1
    assert len(agenda.agenda(db, date(2026, 11, 20), date(2026, 12, 3))) == 0


def test_a_timeline_puts_a_clients_records_latest_first(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id, start_date=date(2026, 1, 10))
    caseload.add_session(client.id, {"when": datetime(2026, 2, 1, 10, 0), "kind": "keywork", "status": "attended"})
    items = agenda.timeline(db, client.id)
    assert [i.summary for i in items] == ["Keywork: attended", "Started (community)", "Referred (community, from self)"]


def test_the_audit_trail_of_a_client(caseload, db):
    client = make_client(caseload)
    make_episode(caseload, client.id)
    trail = agenda.audit_trail(db, client.id)
    assert [(e.action, e.entity) for e in trail] == [("create", "episode"), ("create", "client")]


def test_the_first_rows_of_a_long_agenda_are_its_earliest_and_the_count_is_all_of_it(caseload, db):
    # Two clients with things due at the same times, so the cut falls between equal times and
    # the order must still be the agenda's: court before release before session, then by name.
    for ref, first in (("A-1", "Ann"), ("B-1", "Bob")):
        client = make_client(caseload, client_ref=ref, first_name=first)
        make_episode(
            caseload,
            client.id,
            pathway="prison_link",
            referral_source="prison",
            referral_date=date(2026, 10, 1),
            prison_release_date=date(2026, 11, 21),
        )
        for day in (21, 22, 23):
            caseload.add_session(
                client.id, {"when": datetime(2026, 11, day, 0, 0), "kind": "keywork", "status": "scheduled"}
            )
        add_hearing(
            caseload,
            client.id,
            {"when": datetime(2026, 11, 22, 0, 0), "court": "Leeds Crown Court", "hearing_type": "trial"},
        )
    everything = agenda.agenda(db, date(2026, 11, 20), date(2026, 12, 4))
    assert len(everything) == 10
    assert agenda.agenda_count(db, date(2026, 11, 20), date(2026, 12, 4)) == 10
    for limit in range(0, 12):
        assert agenda.agenda(db, date(2026, 11, 20), date(2026, 12, 4), limit=limit) == everything[:limit]
    assert [(i.day.day, i.kind, i.client_name) for i in everything[:4]] == [
        (21, "release", "Ann Bloggs"),
        (21, "release", "Bob Bloggs"),
        (21, "session", "Ann Bloggs"),
        (21, "session", "Bob Bloggs"),
    ]
    assert agenda.agenda_count(db, date(2026, 11, 20), date(2026, 12, 4), keyworker="Nobody") == 0


def test_the_dna_follow_up_alert_reads_the_index_of_absences(db):
    # At 50,000 clients the 28-day window holds 110,000 sessions; the alert must read the
    # absences' own index, not every session of those weeks.
    statements = []
    db.conn.set_trace_callback(statements.append)
    agenda.actions(db, NOW)
    db.conn.set_trace_callback(None)
    follow_up = next(sql for sql in statements if "WITH dnas AS" in sql)
    plan = " ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + follow_up).fetchall())
    assert "sessions_dna" in plan, plan


def search_plan(db, text: str) -> str:
    statements = []
    db.conn.set_trace_callback(statements.append)
    search.caseload(db, NOW, text=text)
    db.conn.set_trace_callback(None)
    page = next(sql for sql in statements if "WITH page" in sql)
    return " | ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + page).fetchall())


def test_a_short_word_reads_clients_in_name_order_and_a_longer_one_starts_from_its_matches(db):
    # At 50,000 clients "s" matches 7,800 of them: the first page is found in name order.
    assert "clients_name" in search_plan(db, "s")
    assert "clients_name" in search_plan(db, "")
    plan = search_plan(db, "smith")  # each match looked up by its row id, then sorted
    assert "clients_name" not in plan and "SEARCH c USING INTEGER PRIMARY KEY" in plan


def test_a_short_word_and_a_long_one_find_the_same_clients_in_the_same_order(caseload, db):
    for number, (first, last) in enumerate([("Sam", "Smith"), ("Al", "Sands"), ("Sue", "Ahmed"), ("Bo", "Ng")]):
        make_episode(caseload, make_client(caseload, client_ref=f"T-{number}", first_name=first, last_name=last).id)
    assert refs(search.caseload(db, NOW, text="s")) == ["T-2", "T-1", "T-0"]
    assert refs(search.caseload(db, NOW, text="sa")) == ["T-1", "T-0"]
    assert refs(search.caseload(db, NOW, text="sam")) == ["T-0"]
