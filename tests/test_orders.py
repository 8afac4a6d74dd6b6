"""Community orders with treatment requirements: their rules through the service and the import,
the end date, running, treatment within 3 weeks, and the events from tests to breach."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.domain.model import order_end
from cjcase.services.importing.importer import import_path
from cjcase.services.orders import ORDER_END_SQL, Orders
from tests.helpers import SAMPLE_TODAY, make_client


@pytest.fixture
def orders(caseload):
    return Orders(caseload)


@pytest.fixture
def client(caseload):
    return make_client(caseload)


def drr(**overrides):
    values = {
        "order_type": "drr",
        "sentence_date": "2026-03-02",
        "court": "Leeds Magistrates' Court",
        "length_months": 12,
        "review_frequency": "monthly",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("sentence", "months", "end"),
    [
        (date(2026, 3, 15), 12, date(2027, 3, 14)),
        (date(2026, 3, 1), 6, date(2026, 8, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 27)),  # 31 February is missing: its last day, the 28th, less a day
        (date(2026, 8, 31), 6, date(2027, 2, 27)),
        (date(2028, 2, 29), 12, date(2029, 2, 27)),
        (date(2026, 12, 31), 36, date(2029, 12, 30)),
    ],
)
def test_an_orders_end_is_the_day_before_its_sentence_date_plus_its_months(sentence, months, end):
    assert order_end(sentence, months) == end


def test_the_end_computed_in_sql_agrees_with_the_domain_on_every_day_of_a_leap_cycle(db):
    day = date(2027, 11, 1)
    pairs = []
    while day < date(2028, 4, 1):
        for months in (1, 2, 6, 12, 13, 36):
            pairs.append((day.isoformat(), months))
        day += timedelta(days=1)
    db.execute("CREATE TEMP TABLE o (sentence_date TEXT, length_months INTEGER)")
    db.conn.executemany("INSERT INTO temp.o VALUES (?, ?)", pairs)
    for sentence, months, end in db.execute(f"SELECT sentence_date, length_months, {ORDER_END_SQL} FROM temp.o o"):
        assert end == order_end(date.fromisoformat(sentence), months).isoformat(), (sentence, months)


@pytest.mark.parametrize(("days", "within"), [(0, True), (21, True), (22, False)])
def test_treatment_started_within_3_weeks_of_sentence_at_21_days_and_not_at_22(orders, client, days, within):
    start = date(2026, 3, 2) + timedelta(days=days)
    order = orders.add(client.id, drr(treatment_start_date=start))
    assert order.started_within_3_weeks is within
    timeline = [line.what for line in orders.timeline(order.id)]
    assert f"Treatment started, {days} days after sentence ({'within' if within else 'NOT within'} 3 weeks)" in timeline


def test_an_order_not_yet_started_is_neither_within_nor_outside_3_weeks(orders, client):
    assert orders.add(client.id, drr()).started_within_3_weeks is None


def test_an_order_runs_from_sentence_to_its_outcome_date(orders, client):
    order = orders.add(client.id, drr(sentence_date="2025-03-02"))
    assert orders.running_on(client.id, date(2025, 3, 1)) == []
    assert orders.running_on(client.id, date(2029, 1, 1)) == [order]  # no outcome: still running
    orders.update(order.id, {"outcome": "completed", "outcome_date": "2026-03-01"})
    assert [o.id for o in orders.running_on(client.id, date(2026, 3, 1))] == [order.id]
    assert orders.running_on(client.id, date(2026, 3, 2)) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"order_type": "combined"}, "components", "name two or three"),
        ({"order_type": "combined", "components": "drr"}, "components", "name two or three"),
        ({"components": "drr;atr"}, "components", "only for a combined order"),
        ({"components": "drr;dtr"}, "components", "'dtr' is not a components code"),
        ({"length_months": 0}, "length_months", "from 1 to 36"),
        ({"length_months": 37}, "length_months", "from 1 to 36"),
        ({"sentence_date": "2026-11-21"}, "sentence_date", "after today"),
        ({"consent_date": "2026-03-03"}, "consent_date", "after the sentence date"),
        ({"suitability_assessed_date": "2026-03-03"}, "suitability_assessed_date", "after the sentence date"),
        ({"treatment_start_date": "2026-03-01"}, "treatment_start_date", "before the sentence date"),
        ({"outcome": "completed"}, "outcome_date", "needs the date"),
        ({"outcome_date": "2026-10-01"}, "outcome", "needs the outcome"),
        ({"outcome": "expired", "outcome_date": "2026-03-01"}, "outcome_date", "before the sentence date"),
        ({"court": " "}, "court", "required"),
        ({"review_frequency": "weekly"}, "review_frequency", "is not a review frequency code"),
    ],
)
def test_each_rule_of_an_order_is_kept_by_the_service(orders, client, changes, field, message):
    with pytest.raises(ValidationError, match=message) as error:
        orders.add(client.id, drr(**changes))
    assert error.value.field == field


def test_a_combined_order_names_its_components(orders, client):
    order = orders.add(client.id, drr(order_type="combined", components="atr; drr;atr"))
    assert (order.components, order.requirements, order.title) == (
        "atr;drr",
        ["atr", "drr"],
        "ATR+DRR 12 months, sentenced 02/03/26",
    )


# ---------------------------------------------------------------- events


@pytest.fixture
def order(orders, client):
    return orders.add(client.id, drr(treatment_start_date="2026-03-09"))


@pytest.mark.parametrize(
    ("result", "stored"),
    [
        ("negative", "negative"),
        ("refused", "refused"),
        ("opiates; cocaine;opiates", "opiates;cocaine"),
        ("methadone", "methadone"),
    ],
)
def test_a_test_is_negative_refused_or_the_substances_found(orders, order, result, stored):
    event = orders.add_event(order.id, {"kind": "test", "date": "2026-04-01", "result": result})
    assert event.result == stored


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": "test", "date": "2026-04-01"}, "result", "required for a test event"),
        ({"kind": "test", "date": "2026-04-01", "result": "negative;opiates"}, "result", "stands alone"),
        ({"kind": "test", "date": "2026-04-01", "result": "spice"}, "result", "'spice' is not a result code"),
        ({"kind": "review", "date": "2026-04-01", "result": "excellent"}, "result", "not a result code"),
        (
            {"kind": "warning", "date": "2026-04-01", "result": "poor"},
            "result",
            "only for test, review and breach_outcome",
        ),
        ({"kind": "warning", "date": "2026-03-01"}, "date", "before the sentence date"),
        ({"kind": "warning", "date": "2026-11-21"}, "date", "after today"),
        ({"kind": "breach_outcome", "date": "2026-05-01", "result": "continued"}, "kind", "needs the breach laid"),
    ],
)
def test_each_rule_of_an_event_is_kept_by_the_service(orders, order, values, field, message):
    with pytest.raises(ValidationError, match=message) as error:
        orders.add_event(order.id, values)
    assert error.value.field == field


def test_a_breach_outcome_follows_a_breach_laid_on_or_before_its_date(orders, order):
    orders.add_event(order.id, {"kind": "breach_laid", "date": "2026-05-10"})
    with pytest.raises(ValidationError, match="needs the breach laid"):
        orders.add_event(order.id, {"kind": "breach_outcome", "date": "2026-05-09", "result": "continued"})
    outcome = orders.add_event(order.id, {"kind": "breach_outcome", "date": "2026-05-10", "result": "continued"})
    laid = next(e for e in orders.events(order.id) if e.kind == "breach_laid")
    with pytest.raises(ValidationError, match="needs this breach laid"):
        orders.delete_event(laid.id)
    with pytest.raises(ValidationError, match="needs this breach laid"):
        orders.update_event(laid.id, {"date": "2026-05-11"})
    orders.delete_event(outcome.id)
    orders.delete_event(laid.id)
    assert orders.events(order.id) == []


def test_an_event_falls_within_its_order_and_the_order_keeps_its_events_inside(orders, order):
    orders.add_event(order.id, {"kind": "review", "date": "2026-06-01", "result": "good"})
    with pytest.raises(ValidationError, match="event on 2026-06-01, after that outcome date"):
        orders.update(order.id, {"outcome": "revoked_breach", "outcome_date": "2026-05-01"})
    orders.update(order.id, {"outcome": "revoked_good_progress", "outcome_date": "2026-06-01"})
    with pytest.raises(ValidationError, match="after the order's outcome"):
        orders.add_event(order.id, {"kind": "warning", "date": "2026-06-02"})


def test_every_change_to_an_order_and_its_events_is_audited(db, orders, order, client):
    event = orders.add_event(order.id, {"kind": "warning", "date": "2026-04-01"})
    orders.update_event(event.id, {"notes": "Missed two appointments"})
    orders.update(order.id, {"review_frequency": "other"})
    orders.delete(order.id)
    rows = db.execute(
        "SELECT action, entity, detail FROM audit WHERE entity IN ('order', 'order_event') ORDER BY id"
    ).fetchall()
    assert rows == [
        ("create", "order", ""),
        ("create", "order_event", ""),
        ("update", "order_event", "fields: notes"),
        ("update", "order", "fields: review_frequency"),
        ("delete", "order", ""),
    ]
    assert db.execute("SELECT count(*) FROM order_events").fetchone()[0] == 0  # the events went with it


def test_the_timeline_runs_from_consent_to_the_end_with_the_reviews_to_come(caseload, orders, client):
    from tests.helpers import add_hearing

    order = orders.add(
        client.id, drr(sentence_date="2026-06-01", consent_date="2026-06-01", treatment_start_date="2026-06-10")
    )
    orders.add_event(order.id, {"kind": "test", "date": "2026-06-15", "result": "opiates"})
    orders.add_event(order.id, {"kind": "review", "date": "2026-07-01", "result": "adequate", "notes": "Keep going"})
    add_hearing(
        caseload, client.id, {"when": "2026-12-01 10:00", "court": "Leeds Magistrates' Court", "hearing_type": "review"}
    )
    assert [(line.day.isoformat(), line.what) for line in orders.timeline(order.id)] == [
        ("2026-06-01", "Consent to the requirement"),
        ("2026-06-01", "DRR 12 months at Leeds Magistrates' Court"),
        ("2026-06-10", "Treatment started, 9 days after sentence (within 3 weeks)"),
        ("2026-06-15", "Test: positive: opiates"),
        ("2026-07-01", "Review: progress adequate · Keep going"),
        ("2026-12-01", "Review hearing to come at Leeds Magistrates' Court"),
        ("2027-05-31", "Order ends"),
    ]


# ---------------------------------------------------------------- import


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


CLIENTS = "client_ref,first_name,last_name,date_of_birth,sex,ethnicity\nO-1,Ann,Lee,1980-01-01,female,A\n"
ORDERS = (
    "client_ref,order_type,components,sentence_date,court,length_months,consent_date,suitability_assessed_date,"
    "treatment_start_date,review_frequency,outcome,outcome_date,notes\n"
    "O-1,combined,drr;atr,02/03/2026,Leeds Crown Court,18,02/03/2026,24/02/2026,23/03/2026,monthly,,,\n"
)


def test_orders_and_their_events_import(db, caseload, tmp_path):
    folder = tmp_path / "imp"
    write(folder, "clients.csv", CLIENTS)
    write(folder, "orders.csv", ORDERS)
    write(
        folder,
        "order_events.csv",
        "client_ref,sentence_date,kind,date,result,notes\n"
        "O-1,2026-03-02,breach_outcome,2026-06-20,continued,\n"  # the breach laid is on a later line
        "O-1,2026-03-02,test,2026-04-01,cocaine; opiates,\n"
        "O-1,2026-03-02,breach_laid,2026-06-01,,Missed three\n",
    )
    report = import_path(db, folder, SAMPLE_TODAY)
    assert (report.counts["orders"].created, report.counts["order_events"].created) == (1, 3)
    (order,) = Orders(caseload).of_client(caseload.client_by_ref("O-1").id)
    assert (order.started_within_3_weeks, order.end) == (True, date(2027, 9, 1))
    assert [(e.kind, e.result) for e in Orders(caseload).events(order.id)] == [
        ("test", "cocaine;opiates"),
        ("breach_laid", None),
        ("breach_outcome", "continued"),
    ]
    assert import_path(db, folder, SAMPLE_TODAY).changed == 0  # imported again: nothing new


def test_a_breach_outcome_without_a_breach_laid_is_refused_on_import(db, tmp_path):
    folder = tmp_path / "imp"
    write(folder, "clients.csv", CLIENTS)
    write(folder, "orders.csv", ORDERS)
    write(
        folder,
        "order_events.csv",
        "client_ref,sentence_date,kind,date,result\n"
        "O-1,2026-03-02,breach_laid,2026-06-01,\n"
        "O-1,2026-03-02,breach_outcome,2026-05-20,custody\n",
    )
    with pytest.raises(ImportRejected) as error:
        import_path(db, folder, SAMPLE_TODAY)
    assert [str(p) for p in error.value.problems] == [
        "order_events.csv:3: kind: a breach outcome needs a breach_laid event on the same order on or before its "
        "date: add it first"
    ]


def test_check_finds_records_that_break_the_rules_of_record(db, caseload, client):
    from cjcase.services.integrity import check

    orders = Orders(caseload)
    order = orders.add(client.id, drr(sentence_date="2025-03-02"))
    orders.update(order.id, {"outcome": "completed", "outcome_date": "2026-03-01"})
    assert check(db) == []
    db.execute(
        "INSERT INTO order_events (client_id, sentence_date, kind, event_date, result) "
        "VALUES (?, '2025-03-02', 'breach_outcome', '2026-03-05', 'continued')",
        [client.id],
    )
    db.execute(
        "INSERT INTO requirements (client_id, requirement, start_date) VALUES (?, 'drr', '2025-03-02'), "
        "(?, 'drr', '2025-06-01')",
        [client.id, client.id],
    )
    found = [p for p in check(db) if not p.startswith("audit")]
    assert found == [
        "requirements row 2 overlaps requirements row 1 of the same code.",
        "order_events row 1: dated after its order's outcome date 2026-03-01.",
    ]


def test_the_legal_sheets_of_a_workbook_import_in_the_order_of_files(db, caseload, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "clients"
    book["clients"].append(["client_ref", "first_name", "last_name", "date_of_birth", "sex", "ethnicity"])
    book["clients"].append(["O-1", "Ann", "Lee", date(1980, 1, 1), "female", "A"])
    # Sheets in the workbook in another order than the files': events before their order.
    events = book.create_sheet("order_events")
    events.append(["client_ref", "sentence_date", "kind", "date", "result"])
    events.append(["O-1", date(2026, 3, 2), "review", date(2026, 4, 1), "good"])
    orders = book.create_sheet("orders")
    orders.append(["client_ref", "order_type", "sentence_date", "court", "length_months"])
    orders.append(["O-1", "atr", date(2026, 3, 2), "Leeds Crown Court", 6])
    requirements = book.create_sheet("requirements")
    requirements.append(["client_ref", "requirement", "start_date"])
    requirements.append(["O-1", "atr", date(2026, 3, 2)])
    path = tmp_path / "legal.xlsx"
    book.save(path)
    report = import_path(db, path, SAMPLE_TODAY)
    assert [report.counts[name].created for name in ("requirements", "orders", "order_events")] == [1, 1, 1]
    client_id = caseload.client_by_ref("O-1").id
    assert [o.end for o in Orders(caseload).of_client(client_id)] == [date(2026, 9, 1)]
