"""A Hypothesis state machine over a case's life (open, regie, log, time, close, reopen) against a model.

Source: 002_9975c357e8165dd2.txt steps 3-18 and §3.4 advice 7-8; 003_4d76ddd5121ac97c.txt §2.4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.casusklok import Stadium
from domain.casuslijsten import Actie, Reden, RegieReden, Regierol, Resultaat
from domain.casusregie import Casusregisseur
from domain.errors import NotEditable
from domain.protocol import PRESETS, Verzuimprotocol
from domain.thuiszittercasus import CasusStatus, Thuiszittercasus
from tests.domain.replay import replay

SUBJECT = "6e" * 32
START = date(2026, 8, 31)
ORG = "swv:PO2801"


@dataclass
class Model:
    """What the case should say: kept by hand, next to the aggregate."""

    thuis_sinds: date
    protocol: Verzuimprotocol
    regie: list[tuple[Regierol, ...]]
    acties: list[Actie] = field(default_factory=list)
    gesloten_op: date | None = None
    opvolger: bool = False

    def stadium(self, today: date) -> Stadium:
        day = min(today, self.gesloten_op or today)
        weeks = (day - self.thuis_sinds).days // 7
        if day > self.protocol.passend_aanbod_termijn.after(self.thuis_sinds):
            return Stadium.TERMIJN_VERSTREKEN
        if weeks >= self.protocol.doorbraak_weeks:
            return Stadium.DOORBRAAK
        return Stadium.CASUSREGIE if weeks >= self.protocol.casusregie_weeks else Stadium.VOORFASE


class CaseLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.today = START
        self.cases: list[tuple[Thuiszittercasus, Model]] = []

    @property
    def current(self) -> tuple[Thuiszittercasus, Model]:
        return self.cases[-1]

    @precondition(lambda self: not self.cases)
    @rule(protocol=st.sampled_from(sorted(PRESETS)), back=st.integers(0, 60), reden=st.sampled_from(list(Reden)))
    def open(self, protocol: str, back: int, reden: Reden) -> None:
        p = PRESETS[protocol]
        since = self.today - timedelta(days=back)
        case = Thuiszittercasus.open(
            SUBJECT,
            geopend_door=ORG,
            woongemeente="GM0479",
            thuis_sinds=since,
            reden=reden,
            vandaag=self.today,
            school="12AB00",
            protocol=p,
        )
        self.cases.append((case, Model(since, p, [tuple(r.rol for r in case.regisseurs)])))

    @precondition(lambda self: self.cases)
    @rule(days=st.integers(1, 30))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @precondition(lambda self: self.cases)
    @rule(rollen=st.lists(st.sampled_from(list(Regierol)), min_size=1, max_size=3, unique=True))
    def change_regie(self, rollen: list[Regierol]) -> None:
        case, model = self.current
        if model.gesloten_op is not None:
            try:
                case.wijzig_regie([Casusregisseur(r) for r in rollen], RegieReden.OVERIG, op=self.today, door=ORG)
            except NotEditable:
                return
            raise AssertionError("a closed case took a regie change")
        if tuple(rollen) == model.regie[-1] and all(r.organisatie is None for r in case.regisseurs):
            return  # no change: refused as such, tested in test_thuiszittercasus.py
        case.wijzig_regie([Casusregisseur(r) for r in rollen], RegieReden.OVERIG, op=self.today, door=ORG)
        model.regie.append(tuple(rollen))

    @precondition(lambda self: self.cases)
    @rule(actie=st.sampled_from(list(Actie)), correct=st.booleans())
    def log(self, actie: Actie, correct: bool) -> None:
        case, model = self.current
        target = len(model.acties) if correct and model.acties else None
        try:
            case.log(datum=self.today, door=ORG, actie=actie, notitie="n", vandaag=self.today, correctie_van=target)
        except NotEditable:
            assert model.gesloten_op is not None
            return
        assert model.gesloten_op is None
        model.acties.append(actie)

    @precondition(lambda self: self.cases and self.current[1].gesloten_op is None)
    @rule(resultaat=st.sampled_from(list(Resultaat)))
    def close(self, resultaat: Resultaat) -> None:
        case, model = self.current
        case.sluit(resultaat, "Afgerond.", op=self.today, door=ORG)
        model.gesloten_op = self.today

    @precondition(lambda self: self.cases and self.current[1].gesloten_op is not None)
    @rule()
    def reopen(self) -> None:
        case, model = self.current
        new = case.heropen(door=ORG, thuis_sinds=self.today, vandaag=self.today, protocol=model.protocol)
        model.opvolger = True
        self.cases.append((new, Model(self.today, model.protocol, [tuple(r.rol for r in new.regisseurs)])))

    @invariant()
    def agrees_with_the_model(self) -> None:
        for case, model in self.cases:
            open_ = model.gesloten_op is None
            assert case.status is (CasusStatus.OPEN if open_ else CasusStatus.GESLOTEN)
            assert [r.actie for r in case.logboek] == model.acties
            assert [tuple(r.rol for r in case.regisseurs)] == model.regie[-1:]
            assert len(case.regiegeschiedenis) == len(model.regie)
            assert case.klok(self.today).stadium is model.stadium(self.today)
            assert (case.opvolger is not None) is model.opvolger

    @invariant()
    def only_the_last_case_is_open_and_each_links_the_one_before(self) -> None:
        assert all(c.status is CasusStatus.GESLOTEN for c, _ in self.cases[:-1])
        for (before, _), (after, _) in zip(self.cases, self.cases[1:], strict=False):
            assert after.vorige == str(before.id) and before.opvolger == str(after.id)

    def teardown(self) -> None:
        for case, _ in self.cases:
            rebuilt = replay(case.collect_events())
            assert (rebuilt.logboek, rebuilt.regiegeschiedenis, rebuilt.sluiting) == (
                case.logboek,
                case.regiegeschiedenis,
                case.sluiting,
            )


CaseLife.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestCaseLife = CaseLife.TestCase
