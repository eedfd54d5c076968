"""The SWV's monitoring: counts of meldingen and thuiszitters of its own schools, small cells suppressed.

No names leave the hub for this purpose (`swv-monitoring` releases aggregates only). Only fixed
periods are answered (domain/periods.py), and every answer is read from one release of all the
SWV's schools, so that no two answers can be subtracted to reveal a small count
(consent/monitoring.py). `scholen` narrows an answer to some of the SWV's own schools; a school
outside the SWV is refused, not ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.answers import Answer
from adapters.common import require_role, today
from adapters.disclosure import decide
from adapters.errors import Forbidden, Invalid
from adapters.ports import Persistence, RecordGone, Requester, load_as
from consent.monitoring import Atom, release, tables
from consent.request import SubjectContext
from domain.errors import InvalidValue
from domain.parties import Role, organisation_id
from domain.periods import ALLOWED_FORMS, Periode, parse_periode, periode_of_range, schooljaar_of
from domain.thuiszittersignaal import meldt_thuiszitter
from domain.verzuim import VerzuimKind
from domain.verzuimmelding import Verzuimmelding

PURPOSE = "swv-monitoring"
FIELDS = ("aggregaat.verzuimmeldingen", "aggregaat.thuiszitters")
KINDS = tuple(sorted(k.value for k in VerzuimKind))
# A thuiszitter is any melding whose figures meet seed 002's definition, whatever its soort
# (domain/thuiszittersignaal.py). Each soort is two atom soorten, with and without that mark, so
# that both tables are sums of atoms. Thuiszitters are counted per melding, like the rest: a count
# of distinct pupils is not a sum over months.
THUISZITTER = "+thuiszitter"
SOORTEN = {kind: (kind, kind + THUISZITTER) for kind in KINDS}
SITTING = tuple(kind + THUISZITTER for kind in KINDS)
_PAGE = 1000
_SCHOOL_CODE = re.compile(r"[0-9]{2}[A-Z0-9]{2}[0-9]{2}")


@dataclass(frozen=True)
class Vraag:
    """The query as given: `periode`, or `van` and `tot` spanning one; `scholen` (empty: all)."""

    periode: str | None = None
    van: date | None = None
    tot: date | None = None
    scholen: tuple[str, ...] = ()


def monitoring(p: Persistence, who: Requester, swv_schools: Sequence[str], vraag: Vraag) -> Answer:
    """Counts per soort, per school and per maand of the meldingen whose period starts in the periode.

    `swv_schools` are the org ids of the SWV's schools.
    """
    require_role(who, Role.SWV)
    periode = fixed_periode(vraag, today())
    schools = _chosen(swv_schools, [_school_id(code) for code in vraag.scholen])
    decision, entry = decide(
        who, PURPOSE, SubjectContext(swv=who.org.org_id), FIELDS, presented=None, last_changed=None, record_id=None
    )
    p.log([entry])
    months = periode.months()
    # The release covers every school of the SWV, whatever `scholen` asks: the same data gives the
    # same release, so a subset learns nothing a differently chosen subset could subtract.
    rel = release(_atoms(p, swv_schools, set(months)))
    shown = tables(rel, schools, SOORTEN, months, SITTING)
    body: dict[str, Any] = {
        "periode": {
            "naam": periode.naam,
            "soort": periode.soort.value,
            "van": periode.van.isoformat(),
            "tot": periode.tot.isoformat(),
        },
        "scholen": len(schools),
        "afweging": entry.afweging,
    }
    if "aggregaat.verzuimmeldingen" in decision.released:
        body["verzuimmeldingen"] = shown["verzuimmeldingen"]
    if "aggregaat.thuiszitters" in decision.released:
        body["thuiszitters"] = shown["thuiszitters"]
    return Answer(200, body)


def fixed_periode(vraag: Vraag, on: date) -> Periode:
    """The fixed period asked: `periode`, or `van`+`tot` spanning exactly one; none: the school year of `on`."""
    try:
        if vraag.periode is not None:
            if vraag.van is not None or vraag.tot is not None:
                raise Invalid("periode", f"give periode or van and tot, not both; periode is {ALLOWED_FORMS}")
            return parse_periode(vraag.periode)
        if vraag.van is not None and vraag.tot is not None:
            return periode_of_range(vraag.van, vraag.tot)
        if vraag.van is not None or vraag.tot is not None:
            raise Invalid("van/tot", f"give both, spanning exactly {ALLOWED_FORMS}; or use periode")
    except InvalidValue as e:
        raise Invalid(e.field, e.message) from e
    return schooljaar_of(on)


def _school_id(code: str) -> str:
    """`12AB00` (BRIN + vestiging) or its org id `school:12AB00` as the org id."""
    bare = code.strip().upper().removeprefix("SCHOOL:")
    if not _SCHOOL_CODE.fullmatch(bare):
        raise Invalid("scholen", f"{code!r} is not a school: give BRIN + vestiging, e.g. 12AB00")
    return organisation_id(Role.SCHOOL, bare)


def _chosen(swv_schools: Sequence[str], asked: Sequence[str]) -> list[str]:
    """The schools of the answer; a school outside the SWV is refused (whether it exists or not)."""
    if not asked:
        return sorted(swv_schools)
    foreign = sorted(set(asked) - set(swv_schools))
    if foreign:
        raise Forbidden(
            f"scholen: {', '.join(foreign)} is not a school of this samenwerkingsverband "
            f"(geen school van dit samenwerkingsverband); ask only for your own schools"
        )
    return sorted(set(asked))


def _atoms(p: Persistence, schools: Sequence[str], months: set[str]) -> dict[Atom, int]:
    counts: Counter[Atom] = Counter()
    for melding, school in _meldingen(p, schools):
        month = melding.details.period_start.strftime("%Y-%m")
        if month in months and not melding.is_withdrawn:
            counts[(school, atom_soort(melding), month)] += 1
    return dict(counts)


def atom_soort(melding: Verzuimmelding) -> str:
    """The melding's soort as registered, marked when its figures make its pupil a thuiszitter."""
    return melding.classified_kind.value + (THUISZITTER if meldt_thuiszitter(melding) else "")


def _meldingen(p: Persistence, schools: Sequence[str]) -> Iterator[tuple[Verzuimmelding, str]]:
    for school in schools:
        after = 0
        while page := p.owned("verzuimmelding", school, after, _PAGE):
            for _, entry in page:
                try:
                    yield load_as(p, Verzuimmelding, entry.record_id), school
                except RecordGone:
                    continue
            after = page[-1][0]
