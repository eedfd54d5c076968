"""The thuiszitter case: opening, regie, logbook, clock, closing and reopening, each rule with its seed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from domain.casusklok import Stadium, klokstand, stadium, weken_thuis
from domain.casuslijsten import Actie, Reden, RegieReden, Regierol, Resultaat, kies
from domain.casusregie import Casusregisseur, check_regisseurs, voorgestelde_regie
from domain.errors import InvalidValue, NotEditable
from domain.protocol import DRECHTSTEDEN_PO, ROTTERDAM_KOERS_VO, WETTELIJK, ZAANSTREEK, Verzuimprotocol
from domain.thuiszittercasus import CasusStatus, Thuiszittercasus
from tests.domain.replay import replay, snapshot_round_trip

SUBJECT = "5d" * 32
SINDS = date(2026, 9, 7)
TODAY = date(2026, 10, 12)
SWV = "swv:PO2801"


def opened(**overrides: Any) -> Thuiszittercasus:
    args: dict[str, Any] = {
        "geopend_door": SWV,
        "woongemeente": "GM0479",
        "thuis_sinds": SINDS,
        "reden": Reden.WACHTLIJST_ZORG,
        "vandaag": TODAY,
        "school": "12AB00",
    }
    args.update(overrides)
    return Thuiszittercasus.open(SUBJECT, **args)


def test_open_records_the_case_under_its_purpose() -> None:
    """Source: 002_9975c357e8165dd2.txt step 4 (the SWV's registratiedocument thuiszitters);
    003_4d76ddd5121ac97c.txt §4.3 (school, or leerplicht without a registration, signs a pupil up)."""
    case = opened(melding="m-1")
    [event] = case.collect_events()
    assert isinstance(event, Thuiszittercasus.Created)
    assert event.purpose == "thuiszittersregistratie" and event.subject == SUBJECT
    assert (case.status, case.thuis_sinds, case.reden, case.melding) == (
        CasusStatus.OPEN,
        SINDS,
        Reden.WACHTLIJST_ZORG,
        "m-1",
    )


def test_the_day_at_home_is_not_in_the_future() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (a thuiszitter has sat at home: the clock starts then)."""
    with pytest.raises(InvalidValue) as err:
        opened(thuis_sinds=TODAY + timedelta(days=1))
    assert err.value.field == "thuis_sinds"


@pytest.mark.parametrize(("value", "field"), [("verveling", "reden"), (None, "reden")])
def test_the_reason_is_from_the_closed_list(value: object, field: str) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §6.1, 004_45b01860e536524f.txt ch. 2, 002 §1.3, §1.4, §2.9
    (the reasons the seeds name); a closed list so the quarterly report counts it (002 step 18)."""
    with pytest.raises(InvalidValue) as err:
        opened(reden=value)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("has_school", "care", "exempt", "protocol", "rollen"),
    [
        (True, False, False, WETTELIJK, (Regierol.SCHOOL,)),
        (True, True, False, WETTELIJK, (Regierol.JEUGDTEAM,)),
        (False, False, False, WETTELIJK, (Regierol.LEERPLICHT,)),
        (True, False, True, WETTELIJK, (Regierol.JEUGDTEAM,)),
        (True, False, False, DRECHTSTEDEN_PO, (Regierol.SWV, Regierol.SCHOOLBESTUUR)),
        (True, True, False, DRECHTSTEDEN_PO, (Regierol.JEUGDTEAM,)),
        (False, False, False, DRECHTSTEDEN_PO, (Regierol.LEERPLICHT,)),
    ],
)
def test_proposed_regie(
    has_school: bool, care: bool, exempt: bool, protocol: Verzuimprotocol, rollen: tuple[Regierol, ...]
) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.3 (school for a school place, jeugdteam when care
    weighs), §4.3 (leerplicht without registration), §6.2 (jeugdteam after a vrijstelling);
    002_9975c357e8165dd2.txt steps 3-5 (Drechtsteden: a regisseur of the SWV and of the schoolbestuur)."""
    assert voorgestelde_regie(has_school=has_school, care_is_main_need=care, exempt=exempt, protocol=protocol) == rollen


def test_opening_applies_the_proposal_with_the_known_organisations() -> None:
    """Source: 002_9975c357e8165dd2.txt step 3 ("een regisseur thuiszitten uit het SWV aangesteld")."""
    case = opened(protocol=DRECHTSTEDEN_PO, organisaties={Regierol.SWV: SWV})
    assert case.regisseurs == (Casusregisseur(Regierol.SWV, SWV), Casusregisseur(Regierol.SCHOOLBESTUUR))
    assert case.regiegeschiedenis[0]["reden"] is None  # the hub's proposal


def test_a_vrijstelling_reason_gives_the_jeugdteam_regie() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §6.2 ("Indien een vrijstelling wordt afgegeven, neemt het
    Jeugdteam de regie")."""
    assert opened(reden=Reden.VRIJSTELLING).regisseurs == (Casusregisseur(Regierol.JEUGDTEAM),)


def test_a_regie_change_needs_a_reason_and_keeps_the_history() -> None:
    """Source: 002_9975c357e8165dd2.txt step 6 (the regisseurs agree roles); 003 §2.3 (regie
    to the jeugdteam when the weight lies in care)."""
    case = opened()
    first = case.regisseurs
    case.wijzig_regie(
        [Casusregisseur(Regierol.JEUGDTEAM, "jeugdteam:JT-ZAAN")], RegieReden.ZORG_VOORLIGGEND, op=TODAY, door=SWV
    )
    assert case.regisseurs == (Casusregisseur(Regierol.JEUGDTEAM, "jeugdteam:JT-ZAAN"),)
    history = case.regiegeschiedenis
    assert [h["reden"] for h in history] == [None, "zorg_voorliggend"]
    assert history[0]["regisseurs"] == [r.to_event() for r in first]
    with pytest.raises(InvalidValue) as err:
        case.wijzig_regie([Casusregisseur(Regierol.SCHOOL)], "omdat", op=TODAY, door=SWV)  # type: ignore[arg-type]
    assert err.value.field == "reden"


@pytest.mark.parametrize(
    "regisseurs",
    [[], [Casusregisseur(Regierol.SWV), Casusregisseur(Regierol.SWV)], [Casusregisseur(Regierol.SWV)] * 5],
)
def test_regisseurs_are_one_to_four_distinct_roles(regisseurs: list[Casusregisseur]) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.3 ("Er is altijd een regisseur"); 002 steps 3-5 (at most a pair per side)."""
    with pytest.raises(InvalidValue):
        check_regisseurs(regisseurs)


def test_an_unchanged_regie_is_no_change() -> None:
    """Source: 002_9975c357e8165dd2.txt step 6: a change of regie is an event with a reason, not a repeat."""
    case = opened()
    with pytest.raises(InvalidValue):
        case.wijzig_regie(list(case.regisseurs), RegieReden.OVERIG, op=TODAY, door=SWV)


def test_the_logbook_keeps_one_entry_per_action() -> None:
    """Source: 002_9975c357e8165dd2.txt step 4 ("houdt deze per actie bij"), steps 8-16 (the actions)."""
    case = opened()
    a = case.log(datum=SINDS, door=SWV, actie=Actie.GESPREK_OUDERS, notitie="Ouders gesproken.", vandaag=TODAY)
    b = case.log(datum=TODAY, door="school:12AB00", actie=Actie.MDO, notitie="", vandaag=TODAY)
    assert [(r.nummer, r.actie, r.door) for r in case.logboek] == [
        (1, Actie.GESPREK_OUDERS, SWV),
        (2, Actie.MDO, "school:12AB00"),
    ]
    assert (a.notitie, b.notitie) == ("Ouders gesproken.", "")


def test_a_correction_is_a_new_entry_naming_the_old() -> None:
    """Source: 002_9975c357e8165dd2.txt step 4 (a logbook: what was told stays as it was told)."""
    case = opened()
    case.log(datum=SINDS, door=SWV, actie=Actie.MDO, notitie="Op 7/9.", vandaag=TODAY)
    case.log(datum=SINDS, door=SWV, actie=Actie.MDO, notitie="Was 8/9.", vandaag=TODAY, correctie_van=1)
    first, second = case.logboek
    assert first.notitie == "Op 7/9." and second.correctie_van == 1
    with pytest.raises(InvalidValue) as err:
        case.log(datum=SINDS, door=SWV, actie=Actie.MDO, notitie="", vandaag=TODAY, correctie_van=9)
    assert err.value.field == "correctie_van"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"datum": TODAY + timedelta(days=1)}, "datum"),
        ({"actie": "koffie"}, "actie"),
        ({"notitie": "x" * 2001}, "notitie"),
    ],
)
def test_a_logbook_entry_is_checked(changes: dict[str, Any], field: str) -> None:
    """Source: 002_9975c357e8165dd2.txt step 4 (an action that happened) and step 18 ("een korte notitie")."""
    args: dict[str, Any] = {"datum": SINDS, "door": SWV, "actie": Actie.MDO, "notitie": "", "vandaag": TODAY}
    with pytest.raises(InvalidValue) as err:
        opened().log(**(args | changes))
    assert err.value.field == field


@pytest.mark.parametrize(
    ("weeks", "protocol", "expected"),
    [
        (0, WETTELIJK, Stadium.VOORFASE),
        (3, WETTELIJK, Stadium.VOORFASE),
        (4, WETTELIJK, Stadium.CASUSREGIE),
        (7, WETTELIJK, Stadium.CASUSREGIE),
        (8, WETTELIJK, Stadium.DOORBRAAK),
        (12, WETTELIJK, Stadium.DOORBRAAK),
        (14, WETTELIJK, Stadium.TERMIJN_VERSTREKEN),
        (9, ROTTERDAM_KOERS_VO, Stadium.DOORBRAAK),
        (11, ROTTERDAM_KOERS_VO, Stadium.TERMIJN_VERSTREKEN),
    ],
)
def test_the_stage_by_weeks_at_home(weeks: int, protocol: Verzuimprotocol, expected: Stadium) -> None:
    """Source: 002_9975c357e8165dd2.txt §3.4 advice 7 (casusregie "na de eerste vier weken") and 8
    (doorbraakteam "na acht weken ... (opgeteld: twaalf weken = drie maanden)"); 003 §2.4 (three
    months); 004_45b01860e536524f.txt ch. 2 (twelve weeks by law, Rotterdam ten)."""
    assert stadium(SINDS, SINDS + timedelta(weeks=weeks), protocol) is expected


def test_the_deadline_day_itself_is_in_time() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.4 ("binnen drie maanden een passend aanbod")."""
    stand = klokstand(SINDS, date(2026, 12, 7), ZAANSTREEK)
    assert stand.aanbod_uiterlijk == date(2026, 12, 7) and stand.stadium is Stadium.DOORBRAAK
    assert klokstand(SINDS, date(2026, 12, 8), ZAANSTREEK).stadium is Stadium.TERMIJN_VERSTREKEN


def test_weeks_at_home_are_whole_weeks() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("langer dan 4 weken"): counted in whole weeks."""
    assert [weken_thuis(SINDS, SINDS + timedelta(days=d)) for d in (0, 6, 7, 27, 28)] == [0, 0, 1, 3, 4]
    with pytest.raises(InvalidValue):
        weken_thuis(SINDS, SINDS - timedelta(days=1))


def test_every_view_flags_a_case_past_a_threshold() -> None:
    """Source: issue 17 part 4 and 002 §3.4 advice 7: a case past four weeks needs casusregie."""
    assert not klokstand(SINDS, SINDS + timedelta(weeks=3)).vlag
    assert klokstand(SINDS, SINDS + timedelta(weeks=4)).vlag


def test_the_clock_settings_are_the_protocol_s() -> None:
    """Source: 002_9975c357e8165dd2.txt §3.4 advice 7-8 (4 and 8 weeks) as legal defaults; a
    doorbraak must come after casusregie."""
    assert (WETTELIJK.casusregie_weeks, WETTELIJK.doorbraak_weeks, WETTELIJK.twee_regisseurs) == (4, 8, False)
    assert DRECHTSTEDEN_PO.twee_regisseurs
    with pytest.raises(InvalidValue):
        Verzuimprotocol(casusregie_weeks=8, doorbraak_weeks=8)


def test_closing_needs_a_result_and_a_note_and_makes_the_case_read_only() -> None:
    """Source: 002_9975c357e8165dd2.txt step 18 ("met een korte notitie ... verslag gedaan van de resultaten")."""
    case = opened()
    with pytest.raises(InvalidValue):
        case.sluit(Resultaat.PASSEND_AANBOD, "  ", op=TODAY, door=SWV)
    case.sluit(Resultaat.PASSEND_AANBOD, "Plaats op het VSO.", op=TODAY, door=SWV)
    assert case.status is CasusStatus.GESLOTEN
    assert case.sluiting == {
        "resultaat": "passend_aanbod",
        "notitie": "Plaats op het VSO.",
        "op": "2026-10-12",
        "door": SWV,
    }
    with pytest.raises(NotEditable):
        case.log(datum=TODAY, door=SWV, actie=Actie.MDO, notitie="", vandaag=TODAY)
    with pytest.raises(NotEditable):
        case.wijzig_regie([Casusregisseur(Regierol.SWV)], RegieReden.OVERIG, op=TODAY, door=SWV)
    with pytest.raises(NotEditable):
        case.sluit(Resultaat.OVERIG, "nogmaals", op=TODAY, door=SWV)


def test_the_clock_of_a_closed_case_stops() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.4: the deadline measures the time to an aanbod, which closing records."""
    case = opened()
    case.sluit(Resultaat.TERUG_NAAR_SCHOOL, "Weer op school.", op=TODAY, door=SWV)
    assert case.klok(TODAY + timedelta(weeks=20)) == case.klok(TODAY)


def test_reopening_makes_a_new_linked_case() -> None:
    """Source: issue 17 part 5; 002_9975c357e8165dd2.txt step 18 (the closed registration stays as reported)."""
    old = opened()
    with pytest.raises(NotEditable):
        old.heropen(door=SWV, thuis_sinds=TODAY, vandaag=TODAY)
    old.sluit(Resultaat.TERUG_NAAR_SCHOOL, "Weer op school.", op=TODAY, door=SWV)
    new = old.heropen(door=SWV, thuis_sinds=TODAY, vandaag=TODAY)
    assert (new.vorige, old.opvolger, new.subject, new.school) == (str(old.id), str(new.id), SUBJECT, "12AB00")
    assert new.status is CasusStatus.OPEN and new.reden is old.reden and new.id != old.id
    with pytest.raises(NotEditable):
        old.heropen(door=SWV, thuis_sinds=TODAY, vandaag=TODAY)


def test_kies_names_the_list() -> None:
    """Source: domain.md (error messages name the API's fields)."""
    assert kies(Resultaat, "verhuisd", "resultaat") is Resultaat.VERHUISD
    with pytest.raises(InvalidValue, match="passend_aanbod"):
        kies(Resultaat, 3, "resultaat")


def test_events_and_snapshots_survive_the_store() -> None:
    """Source: domain/records.py (every record is event-sourced and sealed: JSON-friendly events)."""
    case = opened(protocol=DRECHTSTEDEN_PO)
    case.log(datum=SINDS, door=SWV, actie=Actie.CCE_CONSULT, notitie="Telefonisch.", vandaag=TODAY)
    case.wijzig_regie([Casusregisseur(Regierol.SCHOOL, "school:12AB00")], RegieReden.ONDERWIJSPLEK, op=TODAY, door=SWV)
    case.sluit(Resultaat.PASSEND_AANBOD, "Klaar.", op=TODAY, door=SWV)
    rebuilt = replay(case.collect_events())
    for copy in (rebuilt, snapshot_round_trip(rebuilt)):
        assert (copy.logboek, copy.regisseurs, copy.sluiting) == (case.logboek, case.regisseurs, case.sluiting)
        assert copy.klok(TODAY) == case.klok(TODAY)


def test_the_case_lives_under_its_own_purpose_a_publieke_taak() -> None:
    """Source: 002_9975c357e8165dd2.txt steps 4, 18 (the SWV's registration for the inspectie);
    004_45b01860e536524f.txt ch. 15 (the SWV's rapportageplicht; it may not register the BSN);
    003_4d76ddd5121ac97c.txt §4.3 (the table, and so the jeugdteam, rests on signed consent)."""
    from domain.catalogue import PURPOSES
    from domain.parties import Role
    from domain.purpose import LegalBasis, check_purpose

    purpose = PURPOSES[Thuiszittercasus.PURPOSE]
    assert purpose.legal_basis is LegalBasis.PUBLIEKE_TAAK and not purpose.consent.required
    assert check_purpose(purpose) == []
    assert purpose.recipient(Role.JEUGDTEAM) is None
    for recipient in purpose.recipients:
        assert not recipient.bsn and "leerling.id" not in recipient.fields
        assert {"leerling.referentie", "casus.logboek", "casus.klok"} <= recipient.fields
