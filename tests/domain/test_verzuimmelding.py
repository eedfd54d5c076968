"""The Verzuimmelding aggregate: events, corrections, withdrawal, leerplicht's actions."""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidIdentifier, InvalidPeriod, InvalidValue, RecordWithdrawn, WrongParty
from domain.identifiers import PupilIdKind, generate_test_bsn
from domain.protocol import DRECHTSTEDEN_PO
from domain.verzuim import MasRoute, SchoolActie, VerzuimKind
from domain.verzuimmelding import MeldingStatus, Verzuimmelding
from tests.domain.replay import replay, round_trip, snapshot_round_trip

SUBJECT = "9f" * 32  # a pseudonym as infra's keyed hash produces it
MON = date(2024, 3, 4)
FRI = date(2024, 3, 15)


def melding_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "school": "12AB00",
        "woongemeente": "GM0479",
        "pupil_name": "Sanne de Test",
        "birth_date": date(2012, 5, 1),
        "pupil_id_kind": PupilIdKind.BSN,
        "pupil_id": "999990019",
        "kind": VerzuimKind.ONGEOORLOOFD_16_UUR,
        "period_start": MON,
        "period_end": FRI,
        "filed_on": date(2024, 3, 18),
        "hours": 16,
        "school_actions": [SchoolActie.GESPREK_OUDERS, "verzuimcoordinator"],
        "note": "Moeder gebeld, geen reactie.",
    }
    args.update(overrides)
    return args


def filed(**overrides: Any) -> Verzuimmelding:
    return Verzuimmelding.file(SUBJECT, **melding_args(**overrides))


def test_file_records_one_gemeld_event() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (the school reports, including the actions it
    already took); domain.md "Purposes" (verzuimmelding: school → leerplicht of the
    woongemeente)."""
    melding = filed()
    [event] = melding.collect_events()
    assert isinstance(event, Verzuimmelding.Created)
    assert event.purpose == "verzuimmelding"
    assert event.subject == SUBJECT
    assert event.period_start == "2024-03-04"
    assert event.school_actions == ["gesprek_ouders", "verzuimcoordinator"]
    assert event.classified_kind == "ongeoorloofd_16_uur"
    assert melding.status is MeldingStatus.GEMELD
    assert melding.recipient == "GM0479"
    assert melding.details.school.code == "12AB00"
    assert melding.details.hours == 16.0


def test_event_holds_no_pupil_number() -> None:
    """Source: design.md "Keys and encryption" (BSN never stored in plaintext: the subject
    is the pseudonym; the event holds only the kind of number)."""
    bsn = generate_test_bsn(random.Random(1))
    melding = filed()
    [event] = melding.collect_events()
    assert bsn not in json.dumps(event.__dict__, default=str)
    with pytest.raises(InvalidIdentifier) as err:
        Verzuimmelding.file(bsn, **melding_args())
    assert err.value.field == "subject"


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({}, VerzuimKind.ONGEOORLOOFD_16_UUR),
        ({"filed_on": date(2024, 3, 25)}, VerzuimKind.OVERIG),
        ({"hours": 12}, VerzuimKind.OVERIG),
        ({"kind": "te_laat", "hours": None, "late_count": 9}, VerzuimKind.OVERIG),
        ({"kind": "luxe", "hours": 40, "filed_on": date(2024, 4, 15)}, VerzuimKind.LUXE),
    ],
)
def test_file_classifies(overrides: dict[str, Any], kind: VerzuimKind) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (late 16-uursmelding → "overig verzuim");
    002_9975c357e8165dd2.txt §1.3 (overig: minder dan 16 uur)."""
    assert filed(**overrides).classified_kind is kind


def test_file_uses_the_regional_protocol() -> None:
    """Source: 002_9975c357e8165dd2.txt processchema step 9 (Drechtsteden: negen keer te
    laat); domain.md (regional rules are protocol settings)."""
    melding = Verzuimmelding.file(
        SUBJECT,
        **melding_args(kind="te_laat", hours=None, late_count=9),
        protocol=DRECHTSTEDEN_PO,
    )
    assert melding.classified_kind is VerzuimKind.TE_LAAT
    assert melding.protocol_name == "drechtsteden-po"


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"school": "12AB0"}, InvalidIdentifier, "school"),
        ({"woongemeente": "Zaanstad"}, InvalidIdentifier, "woongemeente"),
        ({"pupil_name": "  "}, InvalidValue, "pupil_name"),
        ({"birth_date": date(2024, 3, 4)}, InvalidValue, "birth_date"),
        ({"pupil_id": "999990018"}, InvalidIdentifier, "pupil_id"),
        ({"pupil_id_kind": "sofinummer"}, InvalidIdentifier, "pupil_id_kind"),
        ({"kind": "spijbelen"}, InvalidValue, "kind"),
        ({"period_end": date(2024, 3, 19)}, InvalidPeriod, "period_end"),
        ({"period_start": date(2024, 3, 16)}, InvalidPeriod, "period_start"),
        ({"hours": None}, InvalidValue, "hours"),
        ({"hours": 81}, InvalidValue, "hours"),
        ({"late_count": 3}, InvalidValue, "late_count"),
        ({"kind": "te_laat"}, InvalidValue, "hours"),
        ({"kind": "te_laat", "hours": None}, InvalidValue, "late_count"),
        ({"kind": "absoluut"}, InvalidValue, "hours"),
        ({"school_actions": ["bellen"]}, InvalidValue, "school_actions"),
        ({"school_actions": "gesprek_ouders"}, InvalidValue, "school_actions"),
        ({"note": "x" * 4001}, InvalidValue, "note"),
    ],
)
def test_file_refuses_invalid_content(overrides: dict[str, Any], error: type[Exception], field: str) -> None:
    """Source: design.md step 2 (validate identifiers, BRIN, dates, hours);
    004_45b01860e536524f.txt ch. 16 (at most 8 lesson hours a day); domain.md "Purposes"
    (minimal data: hours or times as the kind requires)."""
    with pytest.raises(error) as err:
        filed(**overrides)
    assert err.value.field == field  # type: ignore[attr-defined]


def test_absoluut_counts_nothing() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (absoluut verzuim: not registered, so no lesson
    hours to count)."""
    assert filed(kind="absoluut", hours=None).details.hours is None


def test_duplicate_school_actions_collapse() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 (the melding lists the actions already taken)."""
    melding = filed(school_actions=["jeugdarts", "jeugdarts", "ondersteuningsteam"])
    assert melding.details.school_actions == (SchoolActie.JEUGDARTS, SchoolActie.ONDERSTEUNINGSTEAM)


# ---------------------------------------------------------------- corrections


def test_correction_keeps_history() -> None:
    """Source: domain.md (append-only record; every change explainable later);
    003_4d76ddd5121ac97c.txt §3.2 (the kind is re-judged: below 16 hours → overig)."""
    melding = filed()
    melding.correct({"hours": 12.5, "note": "Twee uur waren geoorloofd."}, reason="telfout")
    created, corrected = melding.collect_events()
    assert isinstance(corrected, Verzuimmelding.Corrected)
    assert corrected.changes == {"hours": 12.5, "note": "Twee uur waren geoorloofd."}
    assert corrected.previous == {"hours": 16.0, "note": "Moeder gebeld, geen reactie."}
    assert corrected.reason == "telfout"
    assert corrected.classified_kind == "overig"
    assert melding.classified_kind is VerzuimKind.OVERIG
    assert created.hours == 16.0  # the original event is untouched


def test_correction_is_judged_against_the_filing_date() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (meldtermijn: counted to the filing, so a
    later correction neither rescues nor spoils it)."""
    melding = filed(filed_on=date(2024, 3, 22))
    melding.correct({"period_end": date(2024, 3, 14)})
    assert melding.classified_kind is VerzuimKind.OVERIG  # 14 → 22 March: 6 school days
    with pytest.raises(InvalidPeriod):
        melding.correct({"period_end": date(2024, 3, 25)})


def test_correction_of_woongemeente_reroutes() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (the melding goes to leerplicht of the
    woongemeente)."""
    melding = filed()
    melding.correct({"woongemeente": "gm0363"})
    assert melding.recipient == "GM0363"
    with pytest.raises(WrongParty):
        melding.record_actie(MasRoute.HALT, by_gemeente="GM0479")
    melding.record_actie(MasRoute.HALT, by_gemeente="GM0363")


def test_correction_that_changes_nothing_records_nothing() -> None:
    """Source: domain.md (the record holds what happened; an idle correction is no event)."""
    melding = filed()
    melding.collect_events()
    melding.correct({"hours": 16, "school_actions": ["gesprek_ouders", "verzuimcoordinator"]})
    assert melding.collect_events() == []


@pytest.mark.parametrize("field", ["filed_on", "pupil_id_kind", "subject", "status"])
def test_some_fields_cannot_be_corrected(field: str) -> None:
    """Source: design.md "Keys and encryption" (the subject follows the pupil number: a
    wrong number is withdrawn and filed again); 003 §3.2 (the filing date fixes the
    deadline)."""
    with pytest.raises(InvalidValue) as err:
        filed().correct({field: "x"})
    assert err.value.field == field


def test_correction_switching_kind_needs_its_measure() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (16 uur or 16 keer te laat: each its measure)."""
    melding = filed()
    with pytest.raises(InvalidValue):
        melding.correct({"kind": VerzuimKind.TE_LAAT})
    melding.correct({"kind": VerzuimKind.TE_LAAT, "hours": None, "late_count": 16})
    assert melding.classified_kind is VerzuimKind.TE_LAAT


# ---------------------------------------------------------------- leerplicht's actions


def test_leerplicht_records_its_route() -> None:
    """Source: 002_9975c357e8165dd2.txt §1.3 ("De acties van Leerplicht worden ook ...
    geregistreerd, zodat de school hier inzicht in heeft"); 003_4d76ddd5121ac97c.txt §3.2
    (MAS routes)."""
    melding = filed()
    melding.record_actie("vrijwillige_jeugdhulp", by_gemeente="gm0479", note="Gesprek gepland.")
    melding.record_actie(MasRoute.HALT, by_gemeente="GM0479")
    assert melding.status is MeldingStatus.ACTIE_VASTGELEGD
    routes = [a.route for a in melding.actions]
    assert routes == [MasRoute.VRIJWILLIGE_JEUGDHULP, MasRoute.HALT]
    assert melding.actions[0].by_gemeente == "GM0479"
    assert melding.actions[0].note == "Gesprek gepland."
    melding.correct({"hours": 17})
    assert melding.status is MeldingStatus.ACTIE_VASTGELEGD


@pytest.mark.parametrize(
    ("route", "gemeente", "note", "error"),
    [
        ("halt", "GM0363", "", WrongParty),
        ("boete", "GM0479", "", InvalidValue),
        ("geen_actie", "GM0479", "", InvalidValue),
        ("halt", "Zaanstad", "", InvalidIdentifier),
    ],
)
def test_record_actie_refuses(route: str, gemeente: str, note: str, error: type[Exception]) -> None:
    """Source: domain.md "The parties" (leerplicht receives the meldingen of pupils living in
    its gemeente and records its actions); 003_4d76ddd5121ac97c.txt §3.2 (MAS routes)."""
    with pytest.raises(error):
        filed().record_actie(route, by_gemeente=gemeente, note=note)


def test_geen_actie_with_reason() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.2 (MAS: the route fits the situation; choosing
    none is explained)."""
    melding = filed()
    melding.record_actie(MasRoute.GEEN_ACTIE, by_gemeente="GM0479", note="Verzuim al gestopt.")
    assert melding.actions[0].route is MasRoute.GEEN_ACTIE


# ---------------------------------------------------------------- withdrawal


def test_withdrawn_melding_refuses_changes() -> None:
    """Source: domain.md (a withdrawn melding is final; its history stays)."""
    melding = filed()
    melding.withdraw("Leerling bleek geoorloofd afwezig.")
    assert melding.status is MeldingStatus.INGETROKKEN
    assert melding.withdrawal_reason == "Leerling bleek geoorloofd afwezig."
    with pytest.raises(RecordWithdrawn):
        melding.correct({"hours": 20})
    with pytest.raises(RecordWithdrawn):
        melding.record_actie(MasRoute.HALT, by_gemeente="GM0479")
    with pytest.raises(RecordWithdrawn):
        melding.withdraw("nogmaals")


def test_withdrawal_needs_a_reason() -> None:
    """Source: domain.md (leerplicht must be able to see why a melding disappeared)."""
    with pytest.raises(InvalidValue) as err:
        filed().withdraw(" ")
    assert err.value.field == "reason"


# ---------------------------------------------------------------- storage


def _full_history() -> Verzuimmelding:
    melding = filed()
    melding.correct({"hours": 18.5}, reason="aanvulling")
    melding.record_actie(MasRoute.CIVIELRECHTELIJK, by_gemeente="GM0479", note="Proces-verbaal")
    melding.withdraw("dubbel gemeld")
    return melding


def test_events_survive_the_default_transcoder() -> None:
    """Source: design.md "Path of one record" step 4 (the application saves the events);
    eventsourcing's JSONTranscoder transcodes only UUID, Decimal and datetime by default."""
    melding = _full_history()
    events = melding.collect_events()
    assert round_trip(events) == events
    copy = replay(events)
    assert copy.details == melding.details
    assert copy.status is melding.status
    assert copy.actions == melding.actions
    assert copy.classified_kind is melding.classified_kind
    assert copy.withdrawal_reason == melding.withdrawal_reason


def test_snapshot_survives_the_default_transcoder() -> None:
    """Source: design.md "Known pitfalls" (snapshots use the same mapper)."""
    melding = _full_history()
    copy = snapshot_round_trip(melding)
    assert copy.details == melding.details
    assert copy.actions == melding.actions
    assert copy.version == melding.version


def test_every_event_names_purpose_and_subject() -> None:
    """Source: design.md "Keys and encryption" (each event is sealed under the key of its
    purpose and pupil, found from the event itself)."""
    for event in _full_history().collect_events():
        assert event.purpose == "verzuimmelding"
        assert event.subject == SUBJECT
