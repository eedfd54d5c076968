"""What the quarterly report to the inspectie counts of one thuiszitter case (002 step 18).

"Deze registratie wordt gebruikt voor kwartaalreportages naar de inspectie" (002 step 18). A case
counts in the quarter it was registered (its creation, which cannot be back-dated) and in the
quarter it was closed (closing is dated the day it happens), so that a quarter that has passed
never changes when later cases arrive. Per case the report knows its reason, and at its closing
its result, its duration band and the stage it reached; and the quarter in which its deadline for
a passend aanbod passed while it was still open, counted no earlier than its registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.periods import kwartaal_van
from domain.thuiszittercasus import Thuiszittercasus

OPEN = "open"  # the closing quarter of a case that is still open; sorts after every quarter's name
# Duration bands in weeks at home, with the clock's own thresholds (002 §3.4: 4, 8, 12 weeks).
DUURKLASSEN = (
    (0, "korter dan 4 weken"),
    (4, "4 tot 8 weken"),
    (8, "8 tot 12 weken"),
    (12, "12 weken of langer"),
)


@dataclass(frozen=True)
class Casusfeit:
    """One case as the report counts it; no pupil, no school, no dates but quarters."""

    geopend: str  # the quarter of its registration, e.g. 2026-Q4
    gesloten: str  # the quarter of its closing, or OPEN
    reden: str
    resultaat: str | None
    duurklasse: str | None  # at closing
    stadium: str | None  # reached at closing
    termijn_verstreken: str | None  # the quarter in which the deadline passed while it was open

    def thuis_aan_het_eind_van(self, kwartaal: str) -> bool:
        """Whether the case was open at the end of `kwartaal`."""
        return self.geopend <= kwartaal < self.gesloten


def duurklasse(weken: int) -> str:
    """The band of `weken` at home."""
    return [label for start, label in DUURKLASSEN if weken >= start][-1]


def feit(case: Thuiszittercasus, vandaag: date) -> Casusfeit:
    """What the report counts of `case`, as it stands on `vandaag`."""
    geopend = case.created_on.date()
    sluiting = case.sluiting
    gesloten = date.fromisoformat(sluiting["op"]) if sluiting else None
    klok = case.klok(gesloten) if gesloten else None
    deadline = case.klok(case.thuis_sinds).aanbod_uiterlijk
    open_past = deadline < vandaag and (gesloten is None or gesloten > deadline)
    return Casusfeit(
        geopend=kwartaal_van(geopend),
        gesloten=kwartaal_van(gesloten) if gesloten else OPEN,
        reden=case.reden.value,
        resultaat=sluiting["resultaat"] if sluiting else None,
        duurklasse=duurklasse(klok.weken_thuis) if klok else None,
        stadium=klok.stadium.value if klok else None,
        termijn_verstreken=kwartaal_van(max(deadline, geopend)) if open_past else None,
    )
