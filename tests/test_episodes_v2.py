"""Episodes v2 (DOMAIN.md): second and third substances, route, injecting, units, NDTMS consent, the
CJIT contact event and closures, the occasional-user rule of entry, the derived substance group."""

from datetime import date, timedelta
from itertools import product

import pytest

from cjcase.domain import codes
from cjcase.domain.codes import substance_group
from cjcase.domain.dates import parse_quarter
from cjcase.domain.errors import ImportRejected, ValidationError
from cjcase.returns import template as templates
from cjcase.returns.build import build
from cjcase.returns.measures import compute
from cjcase.services.importing.importer import import_path
from cjcase.services.integrity import check
from tests.helpers import SAMPLE_TODAY, make_client, make_episode

Q2 = parse_quarter("2026-27 Q2")
CLIENTS = "client_ref,first_name,last_name,date_of_birth,sex,ethnicity\nE-1,Em,Wye,1980-01-01,female,A\n"
EPISODE_HEADER = "client_ref,referral_date,referral_source,pathway,primary_substance"


def expected_group(substances: set[str]) -> str:
    """DOMAIN.md's words, read the other way round: an opiate anywhere makes it opiate; otherwise
    alcohol alone, alcohol with something, or neither."""
    if "heroin" in substances or "other_opiates" in substances:
        return "opiate"
    if "alcohol" not in substances:
        return "non_opiate_only"
    return "alcohol_only" if len(substances) == 1 else "non_opiate_and_alcohol"


def test_the_substance_group_of_every_combination():
    seen = set()
    for primary, second, third in product(codes.SUBSTANCE, (None, *codes.SUBSTANCE), (None, *codes.SUBSTANCE)):
        if second == primary or (third and (not second or third in (primary, second))):
            continue  # not a valid episode
        group = substance_group(primary, second, third)
        assert group == expected_group({s for s in (primary, second, third) if s}), (primary, second, third)
        seen.add(group)
    assert seen == set(codes.SUBSTANCE_GROUP)
    # A v1 episode's group comes from its primary substance alone; crack and other are non-opiate.
    assert [substance_group(s) for s in ("heroin", "crack", "other", "alcohol")] == [
        "opiate",
        "non_opiate_only",
        "non_opiate_only",
        "alcohol_only",
    ]
    assert substance_group("crack", "alcohol") == "non_opiate_and_alcohol"
    assert substance_group("alcohol", "cocaine", "other_opiates") == "opiate"


def test_episode_v2_fields_are_stored_and_the_group_derived(caseload):
    client = make_client(caseload)
    episode = make_episode(
        caseload,
        client.id,
        primary_substance="alcohol",
        drug_2="cocaine",
        route="oral",
        injecting_status="never",
        alcohol_units_per_day=24,
        consent_to_ndtms="yes",
        contact_event="voluntary_after_release",
        contact_event_date=date(2026, 1, 20),  # after the referral: an in-reach referral
    )
    assert (episode.drug_2, episode.alcohol_units_per_day, episode.contact_event_date) == (
        "cocaine",
        24,
        date(2026, 1, 20),
    )
    assert episode.substance_group == "non_opiate_and_alcohol"


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"drug_2": "heroin"}, "drug_2"),
        ({"drug_3": "crack"}, "drug_3"),
        ({"drug_2": "crack", "drug_3": "crack"}, "drug_3"),
        ({"drug_2": "crack", "drug_3": "heroin"}, "drug_3"),
        ({"route": "inject"}, "injecting_status"),
        ({"route": "inject", "injecting_status": "previously"}, "injecting_status"),
        ({"contact_event_date": date(2026, 1, 2)}, "contact_event_date"),
        ({"contact_event": "rob", "contact_event_date": SAMPLE_TODAY + timedelta(days=1)}, "contact_event_date"),
        ({"alcohol_units_per_day": 201}, "alcohol_units_per_day"),
        ({"consent_to_ndtms": "maybe"}, "consent_to_ndtms"),
        ({"contact_event": "arrest"}, "contact_event"),
    ],
)
def test_the_rules_of_record_of_an_episode(caseload, fields, where):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, **fields)
    assert error.value.field == where


def test_alcohol_as_the_primary_substance_is_taken_orally_or_the_route_left_empty(caseload):
    client = make_client(caseload)
    with pytest.raises(ValidationError) as error:
        make_episode(caseload, client.id, primary_substance="alcohol", route="smoke")
    assert error.value.field == "route"
    assert make_episode(caseload, client.id, primary_substance="alcohol", route="oral").route == "oral"


def test_the_program_refuses_an_occasional_user_completion_with_opiates_or_crack(caseload, db):
    client = make_client(caseload)
    for substances in ({"primary_substance": "heroin"}, {"primary_substance": "cocaine", "drug_2": "crack"}):
        with pytest.raises(ValidationError, match="occasional-user") as error:
            make_episode(
                caseload,
                client.id,
                start_date=date(2026, 1, 6),
                discharge_date=date(2026, 3, 1),
                discharge_reason="completed_occasional_user",
                **substances,
            )
        assert error.value.field == "discharge_reason"
    episode = make_episode(
        caseload, client.id, primary_substance="cocaine", drug_2="crack", start_date=date(2026, 1, 6)
    )
    with pytest.raises(ValidationError, match="occasional-user"):
        caseload.discharge_episode(episode.id, date(2026, 3, 1), "completed_occasional_user")
    caseload.discharge_episode(episode.id, date(2026, 3, 1), "completed_drug_free")
    caseload.update_episode(episode.id, {"drug_2": None})
    caseload.update_episode(episode.id, {"discharge_reason": "completed_occasional_user"})  # cocaine: allowed
    # Entering a substance that breaks it is refused too: the rule is asked whenever one of the four changes.
    for change in ({"drug_2": "crack"}, {"primary_substance": "other_opiates"}):
        with pytest.raises(ValidationError, match="occasional-user"):
            caseload.update_episode(episode.id, change)
    assert caseload.get_episode(episode.id).drug_2 is None


def test_an_historic_occasional_user_completion_imports_and_can_still_be_corrected(db, tmp_path, caseload):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "clients.csv").write_text(CLIENTS)
    (folder / "episodes.csv").write_text(
        f"{EPISODE_HEADER},drug_2,start_date,discharge_date,discharge_reason\n"
        "E-1,2025-04-07,self,community,cocaine,crack,2025-04-07,2026-03-09,completed_occasional_user\n"
    )
    import_path(db, folder, SAMPLE_TODAY)
    episode = caseload.episodes(caseload.client_by_ref("E-1").id)[0]
    assert (episode.drug_2, episode.discharge_reason) == ("crack", "completed_occasional_user")
    assert check(db) == []  # a rule of entry: cjcase check accepts it
    # A change to another field is not entry of the rule's fields: it is saved.
    assert caseload.update_episode(episode.id, {"consent_to_ndtms": "yes"}).consent_to_ndtms == "yes"


def test_the_import_reports_each_rule_on_its_own_column(db, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "clients.csv").write_text(
        CLIENTS + "E-2,Al,Bee,1980-01-01,male,99\nE-3,Cy,Dee,1980-01-01,male,Z\nE-4,Di,Eff,1980-01-01,male,Z\n"
    )
    (folder / "episodes.csv").write_text(
        f"{EPISODE_HEADER},drug_2,drug_3,route,injecting_status,contact_event,contact_event_date\n"
        "E-1,2026-01-01,self,community,heroin,,crack,,,,\n"
        "E-2,2026-01-01,self,community,alcohol,,,sniff,,,\n"
        "E-3,2026-01-01,self,community,heroin,crack,,inject,never,,\n"
        "E-4,2026-01-01,self,community,heroin,,,,,rob,2026-11-21\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_path(db, folder, SAMPLE_TODAY)
    assert [str(p) for p in rejected.value.problems] == [
        "episodes.csv:2: drug_3: the third substance needs a second substance first",
        "episodes.csv:3: route: with alcohol as the primary substance the route is oral, or empty",
        "episodes.csv:4: injecting_status: the route is inject, so the injecting status is currently",
        "episodes.csv:5: contact_event_date: the contact event date is in the future: it records what happened",
    ]


def test_the_cjit_closures_count_as_transferred_community_in_the_v1_return_and_extract(caseload, db):
    for number, reason in enumerate(("transferred_other_cjit_area", "transferred_offender_management")):
        client = make_client(caseload, client_ref=f"C-{number}", consent_to_share="yes")
        make_episode(
            caseload,
            client.id,
            referral_date=date(2026, 5, 1),
            start_date=date(2026, 5, 2),
            discharge_date=date(2026, 8, 1),
            discharge_reason=reason,
            transferred_to="Leeds CJIT",
        )
    rows = dict(compute(db, "discharges", Q2))
    assert rows["discharge_reason:transferred_community"] == 2 and rows["outcome:transferred"] == 2
    assert not any("cjit" in group or "management" in group for group in rows)
    table = build(db, templates.find("pseudonymised_extract", None), Q2, None)
    extract = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert {(row["discharge_reason"], row["discharge_outcome"]) for row in extract} == {
        ("transferred_community", "transferred")
    }


async def test_r_edits_the_open_referral_and_the_discharge_form_asks_the_occasional_user_rule(db, clock, caseload):
    from textual.widgets import Select, Static

    from cjcase.tui.app import make_app
    from cjcase.tui.dialogs.discharge_dialog import DischargeDialog
    from cjcase.tui.dialogs.episode_dialog import EpisodeDialog
    from tests.helpers import settle, wait_until

    client = make_client(caseload)
    episode = make_episode(caseload, client.id, primary_substance="cocaine", start_date=date(2026, 1, 6))
    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_client(client.id)
        await settle(pilot)
        assert "non opiate only" in str(app.screen.query_one("#client-header", Static).render())
        await pilot.press("E")
        await wait_until(pilot, lambda: isinstance(app.screen, EpisodeDialog))
        await settle(pilot)
        app.screen.query_one("#field-drug_2", Select).value = "alcohol"
        app.screen.query_one("#field-consent_to_ndtms", Select).value = "yes"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, EpisodeDialog))
        await settle(pilot)
        assert (caseload.get_episode(episode.id).drug_2, caseload.get_episode(episode.id).consent_to_ndtms) == (
            "alcohol",
            "yes",
        )
        assert "non opiate and alcohol" in str(app.screen.query_one("#client-header", Static).render())
        caseload.update_episode(episode.id, {"drug_3": "crack"})
        app.screen.refresh_data()
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, DischargeDialog))
        await settle(pilot)
        app.screen.query_one("#field-discharge_reason", Select).value = "completed_occasional_user"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DischargeDialog)
        assert "occasional-user" in str(app.screen.query_one("#error-discharge_reason", Static).render())
        assert caseload.get_episode(episode.id).is_open
