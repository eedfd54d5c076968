"""The Overdracht aggregate: rapport, warm items under consent, and its state machine."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from domain.errors import InvalidIdentifier, InvalidTransition, InvalidValue, NotEditable, WrongParty
from domain.identifiers import PupilId, PupilIdKind, SchoolVestiging
from domain.overdracht import (
    OVERDRACHT_TRANSITIONS,
    Leerling,
    OnderwijskundigRapport,
    Overdracht,
    OverdrachtStatus,
    WarmItem,
    check_overdracht_transition,
    shareable_warm_items,
)
from tests.domain.replay import replay, round_trip, snapshot_round_trip

SUBJECT = "4c" * 32
S = OverdrachtStatus
RAPPORT = OnderwijskundigRapport(
    verzuim_samenvatting="Groep 8: 3 dagen ziek, geen ongeoorloofd verzuim.",
    schooladvies="havo",
    leerresultaten="Lezen en rekenen op niveau 1F/2F.",
    ondersteuningsbehoefte="Rustige plek bij toetsen.",
    opp_aanwezig=False,
)
ITEM = WarmItem("overig", "Ouders zijn gescheiden; co-ouderschap.")


LEERLING = Leerling(PupilId(PupilIdKind.BSN, "999990019"), "Noor Testkind", date(2013, 5, 1))


def drafted(**overrides: Any) -> Overdracht:
    args: dict[str, Any] = {
        "leerling": LEERLING,
        "sending_school": "12AB00",
        "receiving_school": SchoolVestiging("34CD", "01"),
        "rapport": RAPPORT,
        "warm_items": [ITEM],
    }
    args.update(overrides)
    return Overdracht.draft(SUBJECT, **args)


def test_draft_records_a_concept() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.1 (warme overdracht at every school change);
    domain.md "Purposes" (warme-overdracht: sending → receiving school)."""
    overdracht = drafted()
    [event] = overdracht.collect_events()
    assert isinstance(event, Overdracht.Created)
    assert event.purpose == "warme-overdracht"
    assert event.subject == SUBJECT
    assert event.sending_school == "12AB00"
    assert event.receiving_school == "34CD01"
    assert overdracht.status is S.CONCEPT
    assert overdracht.rapport == RAPPORT
    assert overdracht.warm_items == (ITEM,)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rapport": OnderwijskundigRapport(verzuim_samenvatting=" ")}, "rapport.verzuim_samenvatting"),
        ({"rapport": OnderwijskundigRapport("ok", opp_aanwezig="ja")}, "rapport.opp_aanwezig"),  # type: ignore[arg-type]
        ({"rapport": {"verzuim_samenvatting": "ok"}}, "rapport"),
        ({"warm_items": [WarmItem("leren", "tekst", requires_consent=False)]}, "warm_items.requires_consent"),
        ({"warm_items": [WarmItem("Thuis Situatie", "tekst")]}, "warm_items.key"),
        ({"warm_items": [WarmItem("leren", " ")]}, "warm_items.text"),
        ({"warm_items": [ITEM, ITEM]}, "warm_items.key"),
        ({"receiving_school": "12AB00"}, "receiving_school"),
        ({"receiving_school": "12AB0"}, "receiving_school"),
    ],
)
def test_draft_refuses(overrides: dict[str, Any], field: str) -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.1 ("schoolaanwezigheid onderdeel van de
    dossieroverdracht": the verzuim summary is required); 004_45b01860e536524f.txt ch. 7
    (the warm part only with parental consent; "Deel alleen informatie die relevant is")."""
    with pytest.raises(InvalidValue) as err:
        drafted(**overrides)
    assert err.value.field == field


def test_draft_refuses_a_plain_pupil_number_as_subject() -> None:
    """Source: design.md "Keys and encryption" (pseudonyms only)."""
    with pytest.raises(InvalidIdentifier):
        Overdracht.draft(
            "123456782", leerling=LEERLING, sending_school="12AB00", receiving_school="34CD01", rapport=RAPPORT
        )


ALLOWED = {(S.CONCEPT, S.VERSTUURD), (S.CONCEPT, S.GESLOTEN), (S.VERSTUURD, S.ONTVANGEN), (S.ONTVANGEN, S.GESLOTEN)}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_transition_table(current: OverdrachtStatus, target: OverdrachtStatus) -> None:
    """Source: domain.md (overdracht: concept → verstuurd → ontvangen → gesloten) and
    004_45b01860e536524f.txt ch. 7 (nothing reaches the receiving school before it is sent;
    an unsent concept may be dropped)."""
    if (current, target) in ALLOWED:
        check_overdracht_transition(current, target)
        assert target in OVERDRACHT_TRANSITIONS[current]
    else:
        with pytest.raises(InvalidTransition):
            check_overdracht_transition(current, target)


def test_full_lifecycle() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §3.1 (zorgvuldige overdracht at every overstap)."""
    overdracht = drafted()
    overdracht.send()
    assert overdracht.status is S.VERSTUURD
    overdracht.receive("34cd01")
    assert overdracht.status is S.ONTVANGEN
    overdracht.close("Besproken met mentor.")
    assert overdracht.status is S.GESLOTEN
    assert overdracht.close_reason == "Besproken met mentor."
    names = [type(e).__name__ for e in overdracht.collect_events()]
    assert names == ["Created", "Verstuurd", "Ontvangen", "Gesloten"]


def test_concept_can_be_abandoned() -> None:
    """Source: domain.md "Purposes" (records are kept only as long as the purpose needs;
    an unsent concept must be closable)."""
    overdracht = drafted()
    overdracht.close("Leerling blijft op school.")
    assert overdracht.status is S.GESLOTEN


def _send(o: Overdracht) -> None:
    o.send()


def _receive(o: Overdracht) -> None:
    o.receive("34CD01")


def _close(o: Overdracht) -> None:
    o.close()


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ([], _receive),
        ([_send], _send),
        ([_send], _close),
        ([_send, _receive], _receive),
        ([_send, _receive, _close], _send),
        ([_close], _close),
    ],
)
def test_illegal_transitions_raise(
    steps: list[Callable[[Overdracht], None]], illegal: Callable[[Overdracht], None]
) -> None:
    """Source: domain.md (the states of an overdracht follow one order)."""
    overdracht = drafted()
    for step in steps:
        step(overdracht)
    with pytest.raises(InvalidTransition):
        illegal(overdracht)


def test_only_the_receiving_school_confirms() -> None:
    """Source: domain.md "Purposes" (warme-overdracht goes to the receiving school)."""
    overdracht = drafted()
    overdracht.send()
    with pytest.raises(WrongParty):
        overdracht.receive("56EF00")
    assert overdracht.status is S.VERSTUURD


def test_concept_edits() -> None:
    """Source: 004_45b01860e536524f.txt ch. 7 (the school tells parents beforehand what it
    will share: the content is settled while concept)."""
    overdracht = drafted(warm_items=[])
    overdracht.add_warm_item(WarmItem("werkhouding", "Faalangst bij toetsen."))
    overdracht.add_warm_item(ITEM)
    overdracht.remove_warm_item("werkhouding")
    new = OnderwijskundigRapport("Geen verzuim.", opp_aanwezig=True)
    overdracht.update_rapport(new)
    overdracht.update_rapport(new)  # unchanged: no event
    assert overdracht.warm_items == (ITEM,)
    assert overdracht.rapport == new
    names = [type(e).__name__ for e in overdracht.collect_events()]
    assert names == ["Created", "WarmItemAdded", "WarmItemAdded", "WarmItemRemoved", "RapportUpdated"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda o: o.add_warm_item(ITEM),
        lambda o: o.remove_warm_item("onbekend"),
    ],
)
def test_concept_edit_refusals(edit: Callable[[Overdracht], None]) -> None:
    """Source: 004_45b01860e536524f.txt ch. 7 (each warm item is one consentable unit)."""
    with pytest.raises(InvalidValue):
        edit(drafted())


@pytest.mark.parametrize(
    "edit",
    [
        lambda o: o.add_warm_item(WarmItem("extra", "tekst")),
        lambda o: o.remove_warm_item("overig"),
        lambda o: o.update_rapport(OnderwijskundigRapport("anders")),
    ],
)
def test_sent_overdracht_is_not_editable(edit: Callable[[Overdracht], None]) -> None:
    """Source: 004_45b01860e536524f.txt ch. 7 (parents consented to what was announced;
    what was sent is not rewritten afterwards)."""
    overdracht = drafted()
    overdracht.send()
    with pytest.raises(NotEditable):
        edit(overdracht)


@pytest.mark.parametrize(
    ("consented", "keys"),
    [
        (set(), []),
        ({"overig"}, ["overig"]),
        ({"overig", "werkhouding"}, ["overig", "werkhouding"]),
        ({"iets-anders"}, []),
    ],
)
def test_warm_items_only_with_consent(consented: set[str], keys: list[str]) -> None:
    """Source: 004_45b01860e536524f.txt ch. 7 ("dat ze dat alleen doen als de ouders daarmee
    instemmen"); domain.md "Purposes" (warm-part items only as far as consented)."""
    overdracht = drafted(warm_items=[ITEM, WarmItem("werkhouding", "Faalangst bij toetsen.")])
    assert [i.key for i in overdracht.shareable_warm_items(consented)] == keys
    assert shareable_warm_items(overdracht.warm_items, consented) == overdracht.shareable_warm_items(consented)


def _history() -> Overdracht:
    overdracht = drafted()
    overdracht.add_warm_item(WarmItem("werkhouding", "Faalangst bij toetsen."))
    overdracht.send()
    overdracht.receive("34CD01")
    overdracht.close()
    return overdracht


def test_events_and_snapshot_survive_the_default_transcoder() -> None:
    """Source: design.md "Path of one record" step 4 and "Known pitfalls" (events and
    snapshots go through the same mapper)."""
    overdracht = _history()
    events = overdracht.collect_events()
    assert round_trip(events) == events
    for copy in (replay(events), snapshot_round_trip(overdracht)):
        assert copy.status is S.GESLOTEN
        assert copy.rapport == overdracht.rapport
        assert copy.warm_items == overdracht.warm_items
        assert copy.receiving_school == overdracht.receiving_school
    for event in events:
        assert event.purpose == "warme-overdracht"
        assert event.subject == SUBJECT
