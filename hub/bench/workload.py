"""The benchmark workload: verzuimmeldingen with realistic personal fields, for many pupils.

One builder serves every benchmark, so the store benchmark and the HTTP benchmark carry
the same data: `Melding.aggregate()` for the store, `Melding.body()` for a push (the
shape of `POST /v1/verzuimmeldingen`, as tests/hub/helpers.py builds it).

Pupil numbers come only from the test blocks (`generate_test_bsn`, then
`generate_test_onderwijsnummer`): a random elfproef-valid number could be a resident's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.identifiers import PupilIdKind, generate_test_bsn, generate_test_onderwijsnummer
from domain.verzuimmelding import Verzuimmelding

_FIRST = (
    "Noor",
    "Emma",
    "Daan",
    "Sem",
    "Liam",
    "Julia",
    "Mila",
    "Lucas",
    "Sara",
    "Yusuf",
    "Fatima",
    "Milan",
    "Zoë",
    "Levi",
    "Anouk",
    "Mohammed",
    "Tess",
    "Finn",
    "Lotte",
    "Bram",
    "Ayoub",
    "Sanne",
    "Jesse",
    "Amira",
)
_LAST = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Yılmaz",
    "El Amrani",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Oosterhuis-Brakel",
)
_GEMEENTEN = ("GM0363", "GM0599", "GM0518", "GM0344", "GM0479", "GM0772", "GM0014", "GM0153")
_SCHOOLS = ("12AB00", "34CD01", "56EF00", "78GH02")
_ACTIONS = ("gesprek_ouders", "verzuimcoordinator", "schoolmaatschappelijk_werk", "jeugdarts", "ondersteuningsteam")
_NOTES = (
    "Ouders gebeld; afspraak gemaakt.",
    "Leerling meldt zich regelmatig pas na de eerste les; mentor heeft het gesprek gevoerd.",
    "Moeder geeft aan dat de leerling niet naar school wil; zorgadviesteam ingeschakeld.",
    "Geen reactie van ouders op twee brieven en drie telefoontjes.",
)
# Each generator yields about 900 distinct numbers (5 free digits, 1 in 11 draws lacks a
# check digit); drawing stops after this many draws in a row bring nothing new.
_EXHAUSTED_AFTER = 20_000


@dataclass(frozen=True)
class Melding:
    """One verzuimmelding of the workload, in typed fields."""

    id_kind: PupilIdKind
    pupil_id: str
    name: str
    birth_date: date
    woongemeente: str
    school: str
    period_start: date
    period_end: date
    hours: float
    actions: tuple[str, ...]
    note: str

    def body(self, school: str | None = None) -> dict[str, Any]:
        """The JSON body of a push; `school` overrides the reporting school (it must be the signer)."""
        code = school or self.school
        return {
            "leerling": {
                self.id_kind.value: self.pupil_id,
                "naam": self.name,
                "geboortedatum": self.birth_date.isoformat(),
                "woongemeente": self.woongemeente,
            },
            "school": {"brin": code[:4], "vestiging": code[4:]},
            "soort": "ongeoorloofd_16_uur",
            "periode": {"begin": self.period_start.isoformat(), "eind": self.period_end.isoformat()},
            "uren": self.hours,
            "acties": list(self.actions),
            "toelichting": self.note,
        }

    def aggregate(self, subject: str, filed_on: date) -> Verzuimmelding:
        """A new Verzuimmelding (one Created event) for the pupil with pseudonym `subject`."""
        return Verzuimmelding.file(
            subject,
            school=self.school,
            woongemeente=self.woongemeente,
            pupil_id=self.pupil_id,
            pupil_name=self.name,
            birth_date=self.birth_date,
            pupil_id_kind=self.id_kind,
            kind="ongeoorloofd_16_uur",
            period_start=self.period_start,
            period_end=self.period_end,
            filed_on=filed_on,
            hours=self.hours,
            school_actions=self.actions,
            note=self.note,
        )


def last_school_week(today: date) -> tuple[date, date]:
    """Monday to Friday of the last school week that ended before `today`: on a weekend the
    week just ended (a week earlier, a push on Saturday would be past the melding deadline)."""
    weeks_back = 0 if today.weekday() >= 5 else 1
    monday = today - timedelta(days=today.weekday() + 7 * weeks_back)
    return monday, monday + timedelta(days=4)


def _distinct(draw: Any, rng: random.Random, wanted: int) -> list[str]:
    seen: dict[str, None] = {}
    idle = 0
    while len(seen) < wanted and idle < _EXHAUSTED_AFTER:
        number = draw(rng)
        idle = idle + 1 if number in seen else 0
        seen[number] = None
    return list(seen)


def pupil_numbers(count: int, rng: random.Random) -> list[tuple[PupilIdKind, str]]:
    """`count` distinct test pupil numbers: test BSNs first, then test onderwijsnummers."""
    bsns = _distinct(generate_test_bsn, rng, count)
    rest = _distinct(generate_test_onderwijsnummer, rng, count - len(bsns)) if len(bsns) < count else []
    numbers = [(PupilIdKind.BSN, n) for n in bsns] + [(PupilIdKind.ONDERWIJSNUMMER, n) for n in rest]
    if len(numbers) < count:
        raise ValueError(f"the test number blocks hold only {len(numbers)} distinct pupils, not {count}")
    return numbers


def meldingen(count: int, pupils: int, *, seed: int = 20261123, today: date | None = None) -> list[Melding]:
    """`count` meldingen spread round-robin over `pupils` distinct pupils (deterministic per seed)."""
    rng = random.Random(seed)
    begin, end = last_school_week(today or date.today())
    people = [
        (
            kind,
            number,
            f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            date(begin.year - 17, 1, 1) + timedelta(days=rng.randrange(10 * 365)),  # 7 to 17: leerplichtig
            rng.choice(_GEMEENTEN),
        )
        for kind, number in pupil_numbers(min(pupils, count), rng)
    ]
    result = []
    for i in range(count):
        kind, number, name, born, gemeente = people[i % len(people)]
        actions = tuple(a for a in _ACTIONS if rng.random() < 0.4) or (_ACTIONS[0],)
        result.append(
            Melding(
                kind,
                number,
                name,
                born,
                gemeente,
                rng.choice(_SCHOOLS),
                begin,
                end,
                float(rng.randint(16, 32)),
                actions,
                rng.choice(_NOTES),
            )
        )
    return result
