"""Demo data: a living caseload dated from today, never written into a real one."""

from datetime import date, datetime, timedelta

import pytest

from cjcase.domain import codes
from cjcase.domain.clock import Clock
from cjcase.domain.errors import CjcaseError
from cjcase.services import agenda, demo
from tests.helpers import make_client

TODAY = date(2026, 11, 23)


def test_the_demo_has_every_pathway_dnas_goals_hearings_tops_and_releases(db):
    counts = demo.generate(db, TODAY, clients=300, seed=7)
    assert counts["clients"] == 300
    pathways = {r["pathway"] for r in db.query("SELECT DISTINCT pathway FROM episodes")}
    assert pathways == set(codes.PATHWAY)
    statuses = {r["status"] for r in db.query("SELECT DISTINCT status FROM sessions")}
    assert {"attended", "dna", "scheduled"} <= statuses
    assert counts["goals"] and counts["court_dates"] and counts["tops"]
    assert counts["releases"]


def test_the_demo_agenda_is_full_whenever_it_is_run(db):
    demo.generate(db, TODAY, clients=200, seed=3)
    items = agenda.agenda(db, TODAY, TODAY + timedelta(days=14))
    assert {"session", "court"} <= {i.kind for i in items}
    assert all(TODAY <= i.day <= TODAY + timedelta(days=14) for i in items)


def test_the_same_seed_makes_the_same_caseload(tmp_path):
    from cjcase.services.caseload_file import open_caseload

    first, second = open_caseload(tmp_path / "a.db"), open_caseload(tmp_path / "b.db")
    demo.generate(first, TODAY, clients=50, seed=5)
    demo.generate(second, TODAY, clients=50, seed=5)
    query = "SELECT client_ref, first_name, last_name, date_of_birth FROM clients ORDER BY id"
    assert list(first.query(query)) == list(second.query(query))


def test_every_demo_client_was_an_adult_at_each_referral(db):
    demo.generate(db, TODAY, clients=500, seed=11)
    from cjcase.domain.dates import age_on

    for row in db.query("SELECT c.date_of_birth, e.referral_date FROM episodes e JOIN clients c ON c.id = e.client_id"):
        assert age_on(date.fromisoformat(row["date_of_birth"]), date.fromisoformat(row["referral_date"])) >= 18


def test_the_demo_refuses_a_real_caseload(caseload, db):
    make_client(caseload)
    with pytest.raises(CjcaseError, match="not made by `cjcase demo`"):
        demo.generate(db, TODAY, clients=10)
    assert db.table("clients").count == 1


def test_running_the_demo_again_replaces_it(db):
    demo.generate(db, TODAY, clients=40)
    demo.generate(db, TODAY, clients=25)
    assert db.table("clients").count == 25


def test_the_demo_shows_engagement_work_too(db):
    demo.generate(db, TODAY, clients=300, seed=7)
    assert db.execute("SELECT count(*) FROM barriers").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM consents WHERE lawful_basis = 'court_order'").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM sessions WHERE peer_mentor IS NOT NULL").fetchone()[0] > 0
    assert {r[0] for r in db.execute("SELECT DISTINCT requirement FROM requirements")} >= {"drr", "rob", "licence"}
    kinds = {a.kind for a in agenda.actions(db, datetime(2026, 11, 23, 10, 0))}
    assert (
        "notify" in kinds
        or db.execute("SELECT count(*) FROM sessions WHERE status = 'dna' AND dna_reason IS NOT NULL").fetchone()[0] > 0
    )


def test_generating_leaves_the_connections_page_cache_as_it_was(db):
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    demo.generate(db, TODAY, clients=20, seed=2)
    assert db.execute("PRAGMA cache_size").fetchone()[0] == before


def test_generating_puts_back_every_index_it_set_aside(db):
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = list(db.query(indexes))
    demo.generate(db, TODAY, clients=20, seed=2)
    assert list(db.query(indexes)) == before
    assert any(row["name"] == "sessions_starts_at" for row in before)


def test_the_quick_draws_follow_their_weights_and_the_seed():
    # The demo draws by weight without random.choices (which adds the weights up every call).
    from collections import Counter

    def draws(seed):
        maker = demo._Maker(demo._QuickRandom(seed), TODAY)
        return (
            [maker.weighted("abcde", (60, 12, 15, 8, 5)) for _ in range(20000)],
            [maker.rng.choice("xyz") for _ in range(9000)],
        )

    weighted, uniform = draws(4)
    counts, picks = Counter(weighted), Counter(uniform)
    for letter, weight in zip("abcde", (60, 12, 15, 8, 5), strict=False):
        assert abs(counts[letter] / 20000 - weight / 100) < 0.015, counts
    assert all(abs(picks[letter] - 3000) < 200 for letter in "xyz"), picks
    assert draws(4) == (weighted, uniform) and draws(5) != (weighted, uniform)


def test_the_demo_sets_its_peer_mentors_through_the_settings_writer_and_its_audit(db):
    from cjcase.services import settings

    demo.generate(db, TODAY, clients=20, seed=2)
    assert settings.peer_mentors(db) == list(demo.PEER_MENTORS)
    audited = db.execute(
        "SELECT count(*) FROM audit WHERE entity = 'settings' AND detail = 'fields: peer_mentors'"
    ).fetchone()[0]
    assert audited == 1


def test_the_demo_follows_orders_from_sentence_with_monthly_tests_reviews_and_one_breach(db):
    from cjcase.domain.dates import quarter_of
    from cjcase.returns.quality import notes

    demo.generate(db, TODAY, clients=300, seed=7)
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] > 10
    kinds = dict(db.execute("SELECT kind, count(*) FROM order_events GROUP BY kind").fetchall())
    assert min(kinds["test"], kinds["review"], kinds["progress_report_sent"]) > 100
    assert (kinds["breach_laid"], kinds["breach_outcome"]) == (1, 1)
    # A licence and an ATR in force at once, for some.
    both = db.execute(
        "SELECT count(*) FROM requirements a JOIN requirements b ON a.client_id = b.client_id "
        "AND a.requirement = 'atr' AND b.requirement = 'licence' AND a.start_date <= coalesce(b.end_date, '9999') "
        "AND b.start_date <= coalesce(a.end_date, '9999')"
    ).fetchone()[0]
    assert both > 0
    # Every order is as the rules have it: nothing for the data-quality notes on orders to find.
    found = [n.message for n in notes(db, quarter_of(TODAY), datetime.combine(TODAY, datetime.min.time()))]
    assert not [m for m in found if "order" in m], found


def test_the_demo_writes_arrests_ra_stages_and_contacts_with_realistic_timing(db):
    from datetime import datetime

    from cjcase.services.integrity import check_rows

    demo.generate(db, TODAY, clients=400, seed=7)
    events = list(db.query("SELECT * FROM custody_events"))
    assert events and all(e["test_result"] == "positive" and e["ra_imposed"] == "yes" for e in events)
    gaps = {
        db.execute(
            "SELECT julianday(date(min(starts_at))) - julianday(date(?)) FROM sessions "
            "WHERE client_id = ? AND requirement IS NOT NULL AND starts_at >= ?",
            [e["test_at"], e["client_id"], e["arrested_at"]],
        ).fetchone()[0]
        for e in events
    }
    assert gaps == {2}  # RA1 two days after the test
    statuses = {r[0] for r in db.execute("SELECT status FROM sessions WHERE requirement = 'ra_initial'")}
    assert {"attended", "attended_left_early", "dna", "rearranged"} <= statuses
    assert db.execute("SELECT count(*) FROM sessions WHERE requirement = 'ra_followup'").fetchone()[0] > 0
    kinds = {
        r[0]
        for r in db.execute(
            "SELECT DISTINCT kind FROM sessions WHERE kind IN "
            "('attempted_contact', 'text_message', 'letter', 'professional_contact')"
        )
    }
    assert kinds == {"attempted_contact", "text_message", "letter", "professional_contact"}
    # Every row keeps the rules of record the program and the importer keep.
    assert check_rows(db) == []
    # RA absences are reported the same day, except in the last two days: those wait in the action list.
    unreported = db.execute(
        "SELECT count(*) FROM sessions WHERE requirement LIKE 'ra_%' AND status IN ('dna', 'attended_left_early') "
        "AND notified_at IS NULL"
    ).fetchone()[0]
    stages = {r[0] for r in db.execute("SELECT id FROM sessions WHERE requirement LIKE 'ra_%'")}
    notify = [
        a.reason
        for a in agenda.actions(db, datetime(2026, 11, 20, 12, 0))
        if a.kind == "notify" and a.record_id in stages
    ]
    assert len([r for r in notify if r.startswith("Notify police today: RA")]) == unreported
    # The RA imposed puts a required_assessment requirement in force from the test (check 6 finds none missing).
    missing = db.execute(
        "SELECT count(*) FROM custody_events ev WHERE NOT EXISTS (SELECT 1 FROM requirements r "
        "WHERE r.client_id = ev.client_id AND r.requirement = 'required_assessment' "
        "AND r.start_date <= date(ev.test_at) AND coalesce(r.end_date, '9999') >= date(ev.test_at))"
    ).fetchone()[0]
    assert missing == 0


def test_the_demo_releases_are_in_every_status_with_partial_checklists_moves_and_exclusions(db):
    from cjcase.domain.releases import missing
    from cjcase.services.caseload import Caseload
    from cjcase.services.integrity import check

    demo.generate(db, TODAY, clients=400, seed=3)
    releases = Caseload(db, Clock(TODAY)).releases
    views = releases.in_period(date(2020, 1, 1), TODAY + timedelta(days=60), TODAY)
    assert {view.status for view in views} == {"due", "pending", "engaged", "not_engaged", "excluded"}
    due_soon = releases.due(TODAY, TODAY + timedelta(days=14))
    assert due_soon and any(missing(view.release) for view in due_soon)
    assert any(not missing(view.release) for view in views if view.status != "due")
    assert any(view.release.community_start_date for view in views)
    moves = db.execute("SELECT count(*) FROM audit WHERE entity = 'release' AND detail LIKE '%moved from%'").fetchone()
    assert moves[0] > 0
    assert check(db) == []
