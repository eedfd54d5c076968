"""The involvement register on both backends: one open involvement per party, history kept, the
SWV of a school of registration involved through it (domain.md, "The parties")."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from adapters.ports import InvolvementChange
from domain.betrokkenheid import Betrokkenheid, Bron
from domain.parties import Organisation, Role
from hub.container import Hub

SCHOOL, SWV, LEERPLICHT = "school:12AB00", "swv:PO2801", "leerplicht:GM0479"


def _start(org: str, relation: Betrokkenheid, source: Bron = Bron.INSCHRIJVING) -> InvolvementChange:
    return InvolvementChange("ps_pupil", org, relation, source)


def test_a_second_start_keeps_the_open_involvement_and_an_end_keeps_its_history(hub: Hub) -> None:
    p = hub.persistence
    hub.orgs.add(Organisation(SCHOOL, Role.SCHOOL, "De Wilg", "12AB00"))
    hub.orgs.add(Organisation(SWV, Role.SWV, "SWV", "PO2801"))
    hub.orgs.join_swv(SCHOOL, SWV)
    school = _start(SCHOOL, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING)
    p.commit([], log=[], involvement=[school, _start(LEERPLICHT, Betrokkenheid.LEERPLICHT, Bron.VERZUIMMELDING)])
    p.commit([], log=[], involvement=[_start(SCHOOL, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, Bron.VERZUIMMELDING)])
    [row] = [r for r in p.involvements("ps_pupil") if r.org_id == SCHOOL]
    assert row.source is Bron.INSCHRIJVING and row.until is None  # the first start stands
    during = datetime.now(UTC)
    assert p.involved(["ps_pupil"], during)["ps_pupil"] == {SCHOOL, SWV, LEERPLICHT}

    time.sleep(0.01)  # the register keeps milliseconds: end it a few later than `during`
    p.end_involvement(row.id, log=[])
    after = datetime.now(UTC) + timedelta(milliseconds=5)
    assert p.involved(["ps_pupil"], after)["ps_pupil"] == {LEERPLICHT}  # the SWV went with its school
    assert p.involved(["ps_pupil"], during)["ps_pupil"] == {SCHOOL, SWV, LEERPLICHT}  # as it stood then
    p.commit([], log=[], involvement=[school])
    rows = [r for r in p.involvements("ps_pupil") if r.org_id == SCHOOL]
    assert [r.until is None for r in rows] == [False, True]  # a new involvement; the ended one kept
    assert p.involved(["ps_pupil", "ps_nobody"], after)["ps_nobody"] == frozenset()
