"""Each measure of the quarterly return on small hand-counted cases, at the period's edges.

The period is 2026-27 Q2: 1 July to 30 September 2026.
"""

from datetime import date, datetime
from decimal import Decimal
from itertools import count

import pytest

from cjcase.domain.dates import parse_quarter
from cjcase.returns.build import aggregate, rate, suppress
from cjcase.returns.measures import compute
from cjcase.returns.template import Item, Template
from tests.helpers import add_hearing, add_release, make_client, top_form

Q2 = parse_quarter("2026-27 Q2")
refs = count(1)


def value(db, measure, group="all"):
    return dict(compute(db, measure, Q2))[group]


def person(caseload, born=date(1980, 6, 15), **fields):
    return make_client(caseload, client_ref=f"H-{next(refs)}", date_of_birth=born, **fields)


def episode(caseload, client, referral, start=None, discharge=None, reason=None, **fields):
    values = {
        "referral_date": referral,
        "referral_source": "self",
        "pathway": "community",
        "primary_substance": "heroin",
        "start_date": start,
        "discharge_date": discharge,
        "discharge_reason": reason,
        # Entered in the program, a transfer says where to.
        "transferred_to": "HMP Leeds" if reason and reason.startswith("transferred") else None,
        **fields,
    }
    released = values.pop("prison_release_date", None)
    if released:
        add_release(caseload, client.id, released)
    return caseload.add_episode(client.id, values)


def session(caseload, client, when, kind="keywork", status="attended"):
    return caseload.add_session(client.id, {"when": when, "kind": kind, "status": status})


def test_referrals_count_the_first_and_last_day_and_not_beyond(caseload, db):
    for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 1)):
        episode(caseload, person(caseload), day, pathway="drr", referral_source="probation")
    assert value(db, "referrals_received") == 2
    assert value(db, "referrals_received", "pathway:drr") == 2
    assert value(db, "referrals_received", "referral_source:probation") == 2
    assert value(db, "referrals_received", "pathway:iom") == 0


def test_new_starts_and_the_21_day_wait(caseload, db):
    episode(caseload, person(caseload), date(2026, 6, 9), start=date(2026, 7, 1))  # waited 22 days
    episode(caseload, person(caseload), date(2026, 6, 10), start=date(2026, 7, 1))  # waited 21 days
    episode(caseload, person(caseload), date(2026, 9, 9), start=date(2026, 9, 30))  # waited 21 days
    episode(caseload, person(caseload), date(2026, 9, 1), start=date(2026, 10, 1))  # after the end
    assert value(db, "new_starts") == 3
    assert value(db, "new_starts_waited_over_21_days") == 1


def test_in_treatment_and_awaiting_start_at_the_end(caseload, db):
    episode(caseload, person(caseload), date(2026, 5, 1), start=date(2026, 5, 2))  # in treatment
    episode(
        caseload,
        person(caseload),
        date(2026, 5, 1),
        start=date(2026, 5, 2),
        discharge=date(2026, 9, 30),
        reason="dropped_out",
    )  # discharged on the last day
    episode(
        caseload,
        person(caseload),
        date(2026, 5, 1),
        start=date(2026, 5, 2),
        discharge=date(2026, 10, 1),
        reason="dropped_out",
    )  # discharged after: still in
    episode(caseload, person(caseload), date(2026, 9, 9))  # waiting 21 days
    episode(caseload, person(caseload), date(2026, 9, 8))  # waiting 22 days
    episode(caseload, person(caseload), date(2026, 9, 1), start=date(2026, 10, 2))  # starts after the end
    assert value(db, "in_treatment_at_end") == 2
    assert value(db, "awaiting_start_at_end") == 3
    assert value(db, "awaiting_start_over_21_days_at_end") == 2


def test_discharges_by_outcome_and_the_planned_exit_rate(caseload, db):
    started = date(2026, 5, 2)
    for reason in ("completed_drug_free", "completed_alcohol_free", "dropped_out", "transferred_custody", "died"):
        episode(caseload, person(caseload), date(2026, 5, 1), start=started, discharge=date(2026, 9, 30), reason=reason)
    episode(caseload, person(caseload), date(2026, 5, 1), discharge=date(2026, 7, 1), reason="declined_treatment")
    episode(
        caseload, person(caseload), date(2026, 5, 1), start=started, discharge=date(2026, 6, 30), reason="dropped_out"
    )
    assert value(db, "discharges") == 6
    assert value(db, "discharges", "outcome:planned") == 2
    assert value(db, "discharges", "outcome:transferred") == 1
    assert value(db, "discharges", "outcome:unplanned") == 2
    assert value(db, "discharges", "outcome:other") == 1
    assert value(db, "discharges", "discharge_reason:declined_treatment") == 1
    # the unstarted, declined episode is left out of the rate: 2 planned of 2 + 1 unplanned
    assert value(db, "planned_exit_rate") == (2, 3)
    assert value(db, "closed_before_start") == 1


def test_appointments_attendance_and_clients_seen(caseload, db):
    a, b = person(caseload), person(caseload)
    session(caseload, a, datetime(2026, 7, 1, 0, 0))
    session(caseload, a, datetime(2026, 9, 30, 23, 59), status="dna")
    session(caseload, a, datetime(2026, 6, 30, 23, 59))  # before
    session(caseload, a, datetime(2026, 10, 1, 0, 0), status="dna")  # after
    session(caseload, b, datetime(2026, 8, 1, 10, 0), kind="court_support")  # not an appointment kept
    session(caseload, b, datetime(2026, 8, 2, 10, 0), kind="gate_pickup", status="dna")
    session(caseload, b, datetime(2026, 8, 3, 10, 0), kind="phone", status="cancelled_client")
    session(caseload, b, datetime(2026, 8, 4, 10, 0), kind="group", status="scheduled")
    assert value(db, "appointments", "status:attended") == 2
    assert value(db, "appointments", "status:dna") == 2
    assert value(db, "appointments", "status:scheduled") == 1
    assert value(db, "appointments", "status:cancelled_client") == 1
    assert value(db, "appointments", "kind:keywork") == 1
    assert value(db, "appointments", "kind:court_support") == 1
    assert value(db, "appointments", "kind:gate_pickup") == 0  # kinds count attended only
    assert "all" not in dict(compute(db, "appointments", Q2))
    assert value(db, "attendance_rate") == (1, 2)
    assert value(db, "clients_seen") == 2


def test_continuity_of_care_counts_release_day_to_21_days_after(caseload, db):
    released = date(2026, 9, 10)
    on_day_21, on_day_22, phone_only, gate_and_visit = (person(caseload) for _ in range(4))
    for client in (on_day_21, on_day_22, phone_only, gate_and_visit):
        episode(caseload, client, date(2026, 8, 1), pathway="prison_link", prison_release_date=released)
    session(caseload, on_day_21, datetime(2026, 10, 1, 16, 0), kind="assessment")  # release + 21, after the period
    session(caseload, on_day_22, datetime(2026, 10, 2, 9, 0), kind="keywork")  # release + 22
    session(caseload, phone_only, datetime(2026, 9, 11, 9, 0), kind="phone")
    session(caseload, gate_and_visit, datetime(2026, 9, 10, 8, 0), kind="gate_pickup")
    session(caseload, gate_and_visit, datetime(2026, 9, 12, 9, 0), kind="review", status="dna")
    outside = person(caseload)
    episode(caseload, outside, date(2026, 6, 1), pathway="prison_link", prison_release_date=date(2026, 6, 30))
    assert value(db, "continuity_of_care_rate") == (1, 4)


def test_goals_set_closed_and_achieved(caseload, db):
    client = person(caseload)

    def goal(set_date, status="open", closed=None, domain="housing"):
        caseload.add_goal(
            client.id,
            {
                "domain": domain,
                "description": f"Goal {next(refs)}",
                "set_date": set_date,
                "status": status,
                "closed_date": closed,
            },
        )

    goal(date(2026, 7, 1), domain="offending")
    goal(date(2026, 6, 30))
    goal(date(2026, 5, 1), "achieved", date(2026, 9, 30))
    goal(date(2026, 5, 1), "achieved", date(2026, 10, 1))
    goal(date(2026, 5, 1), "not_achieved", date(2026, 7, 1))
    goal(date(2026, 5, 1), "withdrawn", date(2026, 8, 1))
    assert value(db, "goals_set") == 1
    assert value(db, "goals_set", "goal_domain:offending") == 1
    assert value(db, "goals_closed") == 3
    assert value(db, "goals_closed", "goal_status:open") == 0
    assert value(db, "goals_achieved_rate") == (1, 2)


def test_court_hearings_by_type_on_the_boundary_days(caseload, db):
    client = person(caseload)
    for when, kind in (
        (datetime(2026, 7, 1, 9, 30), "plea"),
        (datetime(2026, 9, 30, 16, 0), "review"),
        (datetime(2026, 10, 1, 10, 0), "review"),
    ):
        add_hearing(caseload, client.id, {"when": when, "court": "Leeds", "hearing_type": kind})
    assert value(db, "court_hearings") == 2
    assert value(db, "court_hearings", "hearing_type:review") == 1


def test_new_starts_by_age_on_the_start_date_with_a_leap_day_birthday(caseload, db):
    leap = person(caseload, born=date(2008, 2, 29), sex="male", ethnicity="M")
    episode(caseload, leap, date(2026, 3, 1), start=date(2026, 7, 1))  # 18 from 1 March
    old = person(caseload, born=date(1961, 7, 2), sex="female", ethnicity="R")
    episode(caseload, old, date(2026, 6, 1), start=date(2026, 7, 1))  # 64: birthday tomorrow
    older = person(caseload, born=date(1961, 7, 1), sex="female", ethnicity="Z")
    episode(caseload, older, date(2026, 6, 1), start=date(2026, 7, 1))  # 65 today
    assert value(db, "new_starts_by_age", "age_band:18-24") == 1
    assert value(db, "new_starts_by_age", "age_band:55-64") == 1
    assert value(db, "new_starts_by_age", "age_band:65+") == 1
    assert value(db, "new_starts_by_sex", "sex:female") == 2
    assert value(db, "new_starts_by_ethnicity", "ethnic_group:black") == 1
    assert value(db, "new_starts_by_ethnicity", "ethnic_group:other") == 1
    assert value(db, "new_starts_by_ethnicity", "ethnic_group:not_stated") == 1


def top(caseload, client, when, stage, **days):
    caseload.add_top(client.id, top_form(date=when, stage=stage, **days))


def top_values(db):
    return {
        name: value(db, name)
        for name in (
            "top_pairs",
            "top_primary_using_at_start",
            "top_primary_abstinent",
            "top_primary_reduced",
            "top_offending_reduced",
        )
    }


def test_a_review_28_days_after_start_makes_a_pair(caseload, db):
    client = person(caseload)
    episode(caseload, client, date(2026, 6, 1), start=date(2026, 6, 1))
    top(caseload, client, date(2026, 6, 3), "start", opiates_days=20, shoplifting_days=4)
    top(caseload, client, date(2026, 7, 1), "review", opiates_days=0, shoplifting_days=1)
    assert top_values(db) == {
        "top_pairs": 1,
        "top_primary_using_at_start": 1,
        "top_primary_abstinent": 1,
        "top_primary_reduced": 1,
        "top_offending_reduced": 1,
    }


def test_27_days_apart_is_not_a_pair(caseload, db):
    client = person(caseload)
    episode(caseload, client, date(2026, 6, 1), start=date(2026, 6, 1))
    top(caseload, client, date(2026, 6, 4), "start", opiates_days=20)
    top(caseload, client, date(2026, 7, 1), "review", opiates_days=10)
    assert top_values(db)["top_pairs"] == 0


def test_the_latest_top_in_the_period_decides_and_exit_is_later_than_review(caseload, db):
    client = person(caseload, ethnicity="A")
    episode(caseload, client, date(2026, 5, 1), start=date(2026, 5, 1), primary_substance="alcohol")
    top(caseload, client, date(2026, 5, 1), "start", alcohol_days=20)
    top(caseload, client, date(2026, 8, 1), "review", alcohol_days=25)
    top(caseload, client, date(2026, 9, 1), "exit", alcohol_days=10)
    top(caseload, client, date(2026, 9, 1), "review", alcohol_days=28)
    assert top_values(db) == {
        "top_pairs": 1,
        "top_primary_using_at_start": 1,
        "top_primary_abstinent": 0,
        "top_primary_reduced": 1,
        "top_offending_reduced": 0,
    }


def test_a_latest_start_top_means_no_pair(caseload, db):
    client = person(caseload)
    episode(caseload, client, date(2026, 5, 1), start=date(2026, 5, 1))
    top(caseload, client, date(2026, 5, 1), "start", opiates_days=20)
    top(caseload, client, date(2026, 7, 1), "review", opiates_days=10)
    top(caseload, client, date(2026, 8, 1), "start", opiates_days=10)
    assert top_values(db)["top_pairs"] == 0


def test_the_start_top_must_belong_to_the_same_episode(caseload, db):
    client = person(caseload)
    episode(
        caseload, client, date(2026, 1, 1), start=date(2026, 1, 1), discharge=date(2026, 5, 31), reason="dropped_out"
    )
    episode(caseload, client, date(2026, 6, 10), start=date(2026, 6, 10))
    top(caseload, client, date(2026, 1, 5), "start", opiates_days=20)  # the earlier episode's
    top(caseload, client, date(2026, 8, 1), "review", opiates_days=0)
    assert top_values(db)["top_pairs"] == 0


def test_an_exit_top_after_discharge_pairs_with_the_latest_episode(caseload, db):
    client = person(caseload)
    episode(
        caseload,
        client,
        date(2026, 5, 1),
        start=date(2026, 5, 1),
        discharge=date(2026, 8, 28),
        reason="completed_drug_free",
        primary_substance="crack",
    )
    top(caseload, client, date(2026, 5, 2), "start", crack_days=12)
    top(caseload, client, date(2026, 9, 2), "exit", crack_days=12)
    assert top_values(db) == {
        "top_pairs": 1,
        "top_primary_using_at_start": 1,
        "top_primary_abstinent": 0,
        "top_primary_reduced": 0,
        "top_offending_reduced": 0,
    }


@pytest.mark.parametrize(
    "substance, column",
    [
        ("benzodiazepines", "other_drug_days"),
        ("other_opiates", "opiates_days"),
        ("other", "other_drug_days"),
        ("cannabis", "cannabis_days"),
    ],
)
def test_the_primary_substance_maps_to_its_top_column(caseload, db, substance, column):
    client = person(caseload)
    episode(caseload, client, date(2026, 5, 1), start=date(2026, 5, 1), primary_substance=substance)
    top(caseload, client, date(2026, 5, 1), "start", **{column: 9})
    top(caseload, client, date(2026, 7, 1), "review", **{column: 0})
    assert top_values(db)["top_primary_abstinent"] == 1


def test_rates_round_half_up_and_always_carry_one_decimal():
    assert rate(57, 80) == Decimal("71.3")  # 71.25
    assert rate(2, 3) == Decimal("66.7")
    assert rate(1, 8) == Decimal("12.5")
    assert rate(1, 1) == Decimal("100.0") and str(rate(1, 1)) == "100.0"
    assert str(rate(0, 5)) == "0.0"
    assert rate(0, 0) is None


def test_suppression_hides_1_to_4_and_shows_0_and_5():
    assert [suppress(n, 5) for n in range(7)] == [0, "*", "*", "*", "*", 5, 6]
    assert suppress(3, None) == 3


def rate_template(name):
    return Template(
        "t", None, "aggregate", "T", 5, ("csv",), (Item(name, name, 1, f"{name}_numerator", f"{name}_denominator"),)
    )


def test_a_rate_with_a_hidden_numerator_or_denominator_is_hidden(caseload, db):
    client = person(caseload)
    for day in range(1, 4):
        session(caseload, client, datetime(2026, 7, day, 10, 0))
    for day in range(4, 10):
        session(caseload, client, datetime(2026, 7, day, 10, 0), status="dna")
    rows = aggregate(db, rate_template("attendance_rate"), Q2, 5).rows
    assert rows == [
        ["attendance_rate", "all", "*"],
        ["attendance_rate_numerator", "all", "*"],
        ["attendance_rate_denominator", "all", 9],
    ]


def test_an_empty_rate_stays_empty_under_suppression(db):
    rows = aggregate(db, rate_template("continuity_of_care_rate"), Q2, 5).rows
    assert rows[0] == ["continuity_of_care_rate", "all", None]
    assert rows[1:] == [
        ["continuity_of_care_rate_numerator", "all", 0],
        ["continuity_of_care_rate_denominator", "all", 0],
    ]
