"""A realistic timeline of one SWV's thuiszitter cases, as the quarterly report counts them."""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain.casuslijsten import Reden, Resultaat
from domain.kwartaalrapportage import OPEN, Casusfeit, duurklasse
from domain.periods import kwartaal_van

PEILDATUM = date(2027, 1, 5)
FIRST_DAY = date(2024, 10, 1)
# Weeks at home: a median around ten, a long tail (002 §3.4: most within the twelve weeks).
_MEDIAN_LOG_WEEKS, _SPREAD = 2.3, 0.6
_REDEN_WEIGHTS = (8, 6, 2, 5, 3, 9, 1, 1, 1)
_RESULTAAT_WEIGHTS = (10, 8, 4, 3, 1, 1, 1, 1)


def realistic_feiten(per_month: int, seed: int, months: int = 27) -> list[Casusfeit]:
    """About `per_month` new cases a month over `months` months up to PEILDATUM (6 a month is a typical SWV)."""
    rng = random.Random(seed)
    feiten = []
    for _ in range(per_month * months):
        opened = FIRST_DAY + timedelta(days=rng.randrange((PEILDATUM - FIRST_DAY).days))
        weeks = int(rng.lognormvariate(_MEDIAN_LOG_WEEKS, _SPREAD))
        closed = opened + timedelta(weeks=weeks)
        done = closed < PEILDATUM
        deadline = opened + timedelta(weeks=12)
        past = deadline < PEILDATUM and (not done or closed > deadline)
        stadium = "voorfase" if weeks < 4 else "casusregie" if weeks < 8 else "doorbraak"
        feiten.append(
            Casusfeit(
                geopend=kwartaal_van(opened),
                gesloten=kwartaal_van(closed) if done else OPEN,
                reden=rng.choices(list(Reden), weights=_REDEN_WEIGHTS)[0].value,
                resultaat=rng.choices(list(Resultaat), weights=_RESULTAAT_WEIGHTS)[0].value if done else None,
                duurklasse=duurklasse(weeks) if done else None,
                stadium=("termijn_verstreken" if weeks >= 12 else stadium) if done else None,
                termijn_verstreken=kwartaal_van(deadline) if past else None,
            )
        )
    return feiten
