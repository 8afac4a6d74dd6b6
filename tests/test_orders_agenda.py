"""Orders on the agenda: a progress report due before a review hearing, an order ending in 14 days,
and the order beside its review hearing on the court run sheet (command line and screen)."""

from datetime import date, datetime

import pytest

from cjcase.services import agenda
from cjcase.services.orders import Orders
from tests.helpers import SAMPLE_TODAY, add_hearing, make_client

NOW = datetime(2026, 11, 20, 12, 0)
COURT = "Leeds Magistrates' Court"


def actions(db, kind, now=NOW):
    return [a.reason for a in agenda.actions(db, now) if a.kind == kind]


@pytest.fixture
def client(caseload):
    return make_client(caseload)


@pytest.fixture
def order(caseload, client):
    return Orders(caseload).add(
        client.id,
        {
            "order_type": "combined",
            "components": "drr;atr",
            "sentence_date": "2026-06-01",
            "court": COURT,
            "length_months": 12,
        },
    )


def review(caseload, client, when="2026-11-26 10:00"):
    return add_hearing(caseload, client.id, {"when": when, "court": COURT, "hearing_type": "review"})


def test_a_review_hearing_with_no_report_since_the_last_review_asks_for_one(db, caseload, client, order):
    orders = Orders(caseload)
    review(caseload, client)
    due = ["Progress report due: review hearing 26 Nov 10:00, DRR+ATR 12 months, sentenced 01/06/26"]
    assert actions(db, "progress_report_due") == due
    orders.add_event(order.id, {"kind": "progress_report_sent", "date": "2026-10-20"})
    assert actions(db, "progress_report_due") == []  # no review yet: any report since sentence
    orders.add_event(order.id, {"kind": "review", "date": "2026-10-27", "result": "good"})
    assert actions(db, "progress_report_due") == due  # the report went before the last review
    orders.add_event(order.id, {"kind": "progress_report_sent", "date": "2026-11-19"})
    assert actions(db, "progress_report_due") == []


def test_only_a_review_hearing_soon_of_a_running_order_asks_for_a_report(db, caseload, client, order):
    review(caseload, client, "2026-12-10 10:00")  # 20 days away
    add_hearing(caseload, client.id, {"when": "2026-11-25 10:00", "court": COURT, "hearing_type": "breach"})
    other = make_client(caseload, client_ref="T-2")
    review(caseload, other)  # no order
    assert actions(db, "progress_report_due") == []


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        ("2025-12-05", "Order ends in 14 days (4 Dec): DRR 12 months, sentenced 05/12/25"),
        ("2025-12-06", None),  # ends in 15 days
        ("2025-11-21", "Order ends today (20 Nov): DRR 12 months, sentenced 21/11/25"),
        ("2025-11-20", None),  # ended yesterday: the data-quality check's, not the agenda's
    ],
)
def test_an_order_ending_in_14_days_is_on_the_action_list(db, caseload, client, sentence, shown):
    Orders(caseload).add(
        client.id, {"order_type": "drr", "sentence_date": sentence, "court": COURT, "length_months": 12}
    )
    assert actions(db, "order_ends") == ([shown] if shown else [])


def test_an_order_with_its_outcome_does_not_end_again(db, caseload, client):
    orders = Orders(caseload)
    done = orders.add(
        client.id, {"order_type": "drr", "sentence_date": "2025-12-04", "court": COURT, "length_months": 12}
    )
    orders.update(done.id, {"outcome": "revoked_good_progress", "outcome_date": "2026-11-01"})
    assert actions(db, "order_ends") == []


def test_the_run_sheet_and_the_agenda_show_the_order_beside_its_review_hearing(db, caseload, client, order):
    review(caseload, client)
    add_hearing(caseload, client.id, {"when": "2026-11-26 14:00", "court": COURT, "hearing_type": "breach"})
    sheet = agenda.court_run_sheet(db, date(2026, 11, 26))
    assert [(r["hearing_type"], r["order_title"]) for r in sheet] == [
        ("review", "DRR+ATR 12 months, sentenced 01/06/26"),
        ("breach", None),
    ]
    courts = [i.summary for i in agenda.agenda(db, SAMPLE_TODAY, date(2026, 11, 30)) if i.kind == "court"]
    assert courts == [
        f"Review hearing at {COURT} · DRR+ATR 12 months, sentenced 01/06/26",
        f"Breach hearing at {COURT}",
    ]


def test_the_court_command_prints_the_order_beside_the_review(db_path, caseload, client, order):
    from tests.helpers import run_cjcase

    review(caseload, client)
    caseload.db.close()
    result = run_cjcase("--db", str(db_path), "agenda", "--court", "--from", "26/11/2026", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "review · DRR+ATR 12 months, sentenced 01/06/26" in result.stdout


def test_the_data_quality_notes_on_orders(db, caseload):
    from cjcase.domain.dates import parse_quarter
    from cjcase.returns.quality import notes
    from cjcase.services.requirements import Requirements

    orders, requirements = Orders(caseload), Requirements(caseload)

    def order(ref, **values):
        client = make_client(caseload, client_ref=ref)
        base = {"order_type": "drr", "sentence_date": "2026-06-01", "court": COURT, "length_months": 12}
        made = orders.add(client.id, {**base, **values})
        requirements.add(client.id, {"requirement": "drr", "start_date": "2026-06-01"})
        return made

    order("LONG-1", length_months=18)  # over 12 months, no reviews
    order("LONG-2", order_type="combined", components="atr;drr", length_months=24, review_frequency="none")
    order("LONG-OK", length_months=18, review_frequency="monthly")
    order("ATR-LONG", order_type="atr", length_months=18)  # not a DRR: no review provision asked
    order("ENDED-1", sentence_date="2025-11-01")  # ended 31 Oct 2026, no outcome
    done = order("ENDED-OK", sentence_date="2025-11-01")
    orders.update(done.id, {"outcome": "completed", "outcome_date": "2026-10-31"})
    bare = make_client(caseload, client_ref="BARE-1")
    orders.add(bare.id, {"order_type": "atr", "sentence_date": "2026-06-01", "court": COURT, "length_months": 12})
    licence_only = make_client(caseload, client_ref="BARE-2")
    orders.add(
        licence_only.id, {"order_type": "mhtr", "sentence_date": "2026-06-01", "court": COURT, "length_months": 6}
    )
    requirements.add(licence_only.id, {"requirement": "licence", "start_date": "2026-01-01"})
    found = {n.message.split(" ", 1)[1]: n.client_refs for n in notes(db, parse_quarter("2026-27 Q3"), NOW)}
    assert found == {
        "orders with a DRR of more than 12 months and no court reviews recorded: set the review frequency (s210 "
        "CJA 2003 provides reviews for orders of more than 12 months)": ["LONG-1", "LONG-2"],
        "order whose length has run out with no outcome recorded: record how it ended": ["ENDED-1"],
        "running orders with no DRR, ATR or MHTR requirement in force today, so absences would go unreported: "
        "record the requirement": ["BARE-1", "BARE-2"],
    }
