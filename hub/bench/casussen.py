"""Casussen: an SWV's list of open thuiszitter cases in a store of 10,000 of its cases.

Timed is the list as the API serves it (`GET /v1/thuiszittercasussen?open=true`, the default
page of 100): `adapters.casuslijst.listing` itself, with everything it guarantees — only the
SWV's own cases, only of pupils it is still involved with (the register, asked now), each case
loaded and unsealed, each open one weighed by `decide`, and the page's access-log entries
stored before it answers. The access log grows during the run, as it does in use.

The peer reads the same page without those guarantees: the same directory rows, each case
loaded from a plain eventsourcing application holding the same events unsealed (no cipher, no
key store), the closed ones skipped and the same list fields built for the open ones, and
nothing weighed, checked against the register or logged. That is the least any event-sourced
list of these cases must do, so the ratio is what the guarantees cost; the goal is absolute.

The store is filled as the API writes it, in batches: the SWV's schools, their pupils'
registrations, each case opened as `adapters.casus.open_` opens it (the same opening, regie
proposal, directory row and write entry), some logbook actions, a closing for most, and a few
ended registrations — `BATCH` cases to a transaction through `StorePersistence.commit` instead
of one request each. Each case's pupil has a pseudonym of its own, drawn at random: the test
number blocks hold only 1,818 pupils, and a case carries no pupil number, only the pseudonym,
which is what the keyed hash of a number looks like.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from adapters import casuslijst
from adapters.casus import BASIS, READ_FIELDS
from adapters.casusmodellen import CasusIn, case_values
from adapters.casusopening import Opening, opening_of, protocol_for
from adapters.casustoegang import KIND, PURPOSE
from adapters.common import write_entry, written
from adapters.disclosure import now
from adapters.ports import DirectoryEntry, InvolvementChange, Requester
from adapters.school import inschrijving
from audit.entries import AccessEntry
from domain.betrokkenheid import Betrokkenheid, Bron
from domain.casuslijsten import Actie, Reden, Resultaat
from domain.parties import Organisation, Role, organisation_id
from domain.protocol import Verzuimprotocol
from domain.thuiszittercasus import CasusStatus, Thuiszittercasus
from hub.bench.core import BenchResult, Latency, Options, alternate, percentile, register
from hub.bench.ingest import backends, databases, hub_persistence
from infra.db import Database
from infra.mapper import DateAsISO, SealingMapper
from infra.persistence import StorePersistence
from infra.store import persistence_env

GOAL_MS = 50.0  # issue 17: p50 of the SWV's list of open cases below this, at 10,000 cases
PAGE = 100  # the API's default `limit` (hub/routers/thuiszittercasussen.py)
LISTINGS = 30  # listings of each page per side per round
OPEN_SHARE = 1 / 3  # of the cases, open; the rest closed
GONE_EVERY = 50  # of every SWV's open cases, and of its closed ones, every 50th pupil left the school
OTHERS_SHARE = 0.5  # cases of other SWVs, as a share of the SWV's own
BATCH = 500  # cases per transaction in the fill
_SEED = 20261204

SWV = "PO2801"
SCHOOLS = ("12AB00", "12AB01", "34CD00", "45DE00", "56EF00", "67FG00")
GEMEENTEN = ("GM0479", "GM0363", "GM0599")
OTHER_SWVS = {"PO2802": ("78GH00", "78GH01", "89HJ00"), "VO2803": ("90KL00", "91MN00")}
OURS = "ours"
PEER = "plain eventsourcing, same page"
_NOTES = ("Gesprek gevoerd.", "Afspraak met ouders en IB-er.", "Aanmelding gedaan; wachttijd zes weken.", "")
_PLAIN_ENV = {"CIPHER_TOPIC": "", "CIPHER_KEY": "", "COMPRESSOR_TOPIC": "", "MAPPER_TOPIC": "", "CREATE_TABLE": "yes"}
_ANY_TEST_BSN = "999990019"  # `open_` reads the number only to pseudonymise it; the fill gives the pseudonym


def party(role: Role, code: str) -> Requester:
    org = Organisation(organisation_id(role, code), role, f"{role.value} {code}", code)
    return Requester(org, f"{org.org_id}#1", actor=f"bench-{code.lower()}", request_id="bench", trace_id=None)


# -- the fill -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One case of the fill: whose pupil, at which school of which SWV, open or closed, its logbook."""

    subject: str
    swv: str
    school: str
    gemeente: str
    thuis_sinds: date
    reden: Reden
    actions: int
    open: bool
    registered: bool  # False: the pupil's registration at the school ended after the case was opened


def plan(count: int, rng: random.Random, today: date) -> list[Case]:
    """`count` cases of the SWV and `OTHERS_SHARE` as many of other SWVs, shuffled, so that the
    SWV's rows are spread through the directory among the others'."""
    ours = [(SWV, s) for s in SCHOOLS]
    others = [(swv, s) for swv, schools in OTHER_SWVS.items() for s in schools]
    homes = [ours[i % len(ours)] for i in range(count)]
    homes += [others[i % len(others)] for i in range(round(count * OTHERS_SHARE))]
    rng.shuffle(homes)
    reasons = [r for r in Reden if r is not Reden.GEEN_INSCHRIJVING]
    seen: dict[tuple[str, bool], int] = {}
    cases = []
    for swv, school in homes:
        is_open = rng.random() < OPEN_SHARE
        nth = seen[swv, is_open] = seen.get((swv, is_open), 0) + 1
        cases.append(
            Case(
                subject=rng.randbytes(32).hex(),
                swv=swv,
                school=school,
                gemeente=rng.choice(GEMEENTEN),
                thuis_sinds=today - timedelta(days=rng.randrange(7, 40 * 7)),
                reden=rng.choice(reasons),
                actions=rng.randrange(5),
                open=is_open,
                registered=nth % GONE_EVERY != 2,  # the 2nd, 52nd, ... left: one on the SWV's first page
            )
        )
    return cases


def register_parties(p: StorePersistence) -> None:
    """The SWVs and their schools, as `hub org add` and `hub org swv-add` register them."""
    for swv, schools in {SWV: SCHOOLS, **OTHER_SWVS}.items():
        p.orgs.add(party(Role.SWV, swv).org)
        for school in schools:
            p.orgs.add(party(Role.SCHOOL, school).org)
            p.orgs.join_swv(organisation_id(Role.SCHOOL, school), organisation_id(Role.SWV, swv))


def enrolment(case: Case, row_id: str) -> tuple[InvolvementChange, AccessEntry]:
    """What `POST /v1/inschrijvingen` writes (adapters/school/inschrijving.py `register`)."""
    school = party(Role.SCHOOL, case.school)
    change = InvolvementChange(
        case.subject, school.org.org_id, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, Bron.INSCHRIJVING, id=row_id
    )
    entry = written(school, case.subject, row_id, ("inschrijving",), inschrijving.CATEGORY, inschrijving.BASIS)
    return change, entry


Openings = dict[tuple[str, str], tuple[Opening, Verzuimprotocol]]


def opened(
    p: StorePersistence, case: Case, today: date, openings: Openings
) -> tuple[Thuiszittercasus, DirectoryEntry, AccessEntry]:
    """The case as `adapters.casus.open_` makes it when the school opens it: the opening (keeper,
    addressee, regie, protocol) as `opening_of` and `protocol_for` work it out — once per school
    and woongemeente, with their checks on that first pupil — the same directory row and entry."""
    school = party(Role.SCHOOL, case.school)
    body = CasusIn.model_validate(
        {
            "leerling": {"bsn": _ANY_TEST_BSN},
            "school": {"brin": case.school[:4], "vestiging": case.school[4:]},
            "woongemeente": case.gemeente,
            "thuis_sinds": case.thuis_sinds,
            "reden": case.reden,
        }
    )
    found = openings.get((case.school, case.gemeente))
    if found is None:
        opening = opening_of(p, school, body, case.subject)
        found = openings[case.school, case.gemeente] = (opening, protocol_for(p, opening))
    opening, protocol = found
    record = Thuiszittercasus.open(
        case.subject,
        geopend_door=school.org.org_id,
        woongemeente=opening.woongemeente,
        thuis_sinds=body.thuis_sinds,
        reden=body.reden,
        vandaag=today,
        school=opening.school,
        melding=None,
        zorg_voorliggend=body.zorg_voorliggend,
        protocol=protocol,
        organisaties=opening.organisaties,
    )
    row = DirectoryEntry(record.id, KIND, PURPOSE, opening.keeper, case.subject, record.woongemeente, opening.addressee)
    return record, row, write_entry(school, record, READ_FIELDS, PURPOSE, BASIS)


def worked(record: Thuiszittercasus, case: Case, rng: random.Random, today: date) -> list[AccessEntry]:
    """The case's logbook actions and, unless it stays open, its closing, by the SWV, with the
    entries `log_action` and `close` write."""
    swv = party(Role.SWV, case.swv)
    entries = []
    for _ in range(case.actions):
        record.log(
            datum=case.thuis_sinds + timedelta(days=rng.randrange((today - case.thuis_sinds).days + 1)),
            door=swv.org.org_id,
            actie=rng.choice(list(Actie)),
            notitie=rng.choice(_NOTES),
            vandaag=today,
        )
        entries.append(write_entry(swv, record, ("casus.logboek", "casus.notities"), PURPOSE, BASIS))
    if not case.open:
        record.sluit(rng.choice(list(Resultaat)), "Afgesloten na overleg.", op=today, door=swv.org.org_id)
        entries.append(write_entry(swv, record, ("casus.resultaat", "casus.notities"), PURPOSE, BASIS))
    return entries


def store(
    p: StorePersistence, cases: Sequence[Case], rng: random.Random, progress: Callable[[str], None] = lambda _m: None
) -> list[UUID]:
    """Store `cases` as the API writes them (registration, opening, logbook, closing, an ended
    registration), `BATCH` to a transaction; their record ids, in order."""
    today = date.today()
    enrolments = [enrolment(c, rng.randbytes(16).hex()) for c in cases]
    for first in range(0, len(cases), 4 * BATCH):
        chunk = enrolments[first : first + 4 * BATCH]
        p.commit([], log=[entry for _, entry in chunk], involvement=[change for change, _ in chunk])
    ids: list[UUID] = []
    openings: Openings = {}
    for first in range(0, len(cases), BATCH):
        records, rows, entries = [], [], []
        for case in cases[first : first + BATCH]:
            record, row, entry = opened(p, case, today, openings)
            records.append(record)
            rows.append(row)
            entries += [entry, *worked(record, case, rng, today)]
        p.commit(records, log=entries, directory=rows)
        ids += [r.id for r in records]
        if len(ids) % (10 * BATCH) == 0:
            progress(f"casussen: stored {len(ids):,} of {len(cases):,} cases")
    for case, (change, _) in zip(cases, enrolments, strict=True):
        if not case.registered and change.id is not None:  # `POST /v1/inschrijvingen/{id}/beeindiging`
            school = party(Role.SCHOOL, case.school)
            einde = ("inschrijving.einde",)
            p.end_involvement(
                change.id, [written(school, case.subject, change.id, einde, inschrijving.CATEGORY, inschrijving.BASIS)]
            )
    return ids


@dataclass(frozen=True)
class Filled:
    """A store holding the fill's cases, and each case's record id."""

    persistence: StorePersistence
    cases: dict[UUID, Case]


def fill(p: StorePersistence, count: int, progress: Callable[[str], None] = lambda _m: None) -> Filled:
    """The parties and `count` cases of the SWV among `OTHERS_SHARE` as many of others."""
    rng = random.Random(_SEED)
    register_parties(p)
    cases = plan(count, rng, date.today())
    return Filled(p, dict(zip(store(p, cases, rng, progress), cases, strict=True)))


# -- the two sides --------------------------------------------------------------------------
def listing(p: StorePersistence, after: int, swv: str = SWV) -> dict[str, Any]:
    """Ours: the API's use case, as `GET /v1/thuiszittercasussen?open=true&na=after` calls it."""
    answer = casuslijst.listing(p, party(Role.SWV, swv), after, PAGE, True)
    if answer.status != 200:
        raise RuntimeError(f"the listing answered {answer.status}")
    return answer.body


class _PlainRecords(Application[UUID]):
    """Plain eventsourcing with the hub's date transcoding: no cipher, no key store, no side writes."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


@contextmanager
def plain_copy(p: StorePersistence, url: str) -> Iterator[Application[UUID]]:
    """A plain application at `url` holding the same events as the hub's store, unsealed."""
    env = {k: v for k, v in persistence_env(url).items() if k != "APPLICATION_RECORDER_TOPIC"}
    app = _PlainRecords(env={**_PLAIN_ENV, **env})
    try:
        records, start = p.store.records, 1
        assert isinstance(records.mapper, SealingMapper)
        while notifications := records.recorder.select_notifications(start, 2000):
            app.events.put(records.mapper.to_domain_events(notifications))
            start = notifications[-1].id + 1
        yield app
    finally:
        app.close()


def plain_listing(p: StorePersistence, plain: Application[UUID], after: int, swv: str = SWV) -> dict[str, Any]:
    """The peer: the same directory page, each case loaded from the plain application, closed
    ones skipped, the same list fields of the open ones; nothing weighed, checked or logged."""
    today = now().date()
    page = p.owned(KIND, organisation_id(Role.SWV, swv), after, PAGE)
    items = []
    for seq, entry in page:
        case: Any = plain.repository.get(entry.record_id)
        if not isinstance(case, Thuiszittercasus) or case.status is not CasusStatus.OPEN:
            continue
        values = case_values(case, today)
        fields = {name: values[name] for name in casuslijst.LIST_FIELDS}
        items.append({"id": str(case.id), "cursor": seq, "vlag": values["casus.klok"]["vlag"], "gegevens": fields})
    return {"items": items, "volgende": page[-1][0] if page else after}


# -- the timing -----------------------------------------------------------------------------
def settle(p: StorePersistence, plain: Application[UUID]) -> None:
    """After the bulk fill, before any timing: on PostgreSQL both databases vacuumed and analysed
    now (autovacuum would otherwise do it during the first rounds, beside the sides on the same
    cores), and the hub's write-ahead log folded in."""
    if p.store.db.dialect == "postgres":
        plain_db = Database(plain.factory.datastore, "postgres")  # type: ignore[attr-defined]
        for db in (p.store.db, plain_db):
            with db.read() as tx:  # autocommit: VACUUM runs outside a transaction
                tx.execute("VACUUM ANALYZE")
    p.store.db.checkpoint()


@dataclass(frozen=True)
class Page:
    """A page the benchmark lists: its cursor and the cases each side must answer on it."""

    label: str
    after: int
    rows: int  # the SWV's directory rows on the page
    ours: list[UUID]  # its open cases of pupils the SWV is still involved with
    peer: list[UUID]  # its open cases


def pages(filled: Filled) -> list[Page]:
    """The SWV's first page, and the page halfway through its cases (after that cursor)."""
    p = filled.persistence
    rows = p.owned(KIND, organisation_id(Role.SWV, SWV), 0, len(filled.cases) + 1)
    half = rows[len(rows) // 2 - 1][0] if len(rows) > 1 else 0
    found = []
    for label, after in (("first page", 0), ("page halfway", half)):
        on_page = [filled.cases[e.record_id] for seq, e in rows if seq > after][:PAGE]
        ids = [e.record_id for seq, e in rows if seq > after][:PAGE]
        if any(c.swv != SWV for c in on_page):
            raise RuntimeError(f"the directory's page of {SWV} holds another SWV's case")
        opened = [(i, c) for i, c in zip(ids, on_page, strict=True) if c.open]
        found.append(Page(label, after, len(ids), [i for i, c in opened if c.registered], [i for i, _ in opened]))
    return found


def _timed(call: Callable[[], dict[str, Any]], expected: list[UUID], times: list[float], count: int) -> float:
    """`count` calls, each answer checked against the cases expected; the round's median in ms."""
    measured = []
    for _ in range(count):
        start = perf_counter()
        answer = call()
        measured.append((perf_counter() - start) * 1000)
        got = [UUID(item["id"]) for item in answer["items"]]
        if got != expected:
            raise RuntimeError(f"a page listed {len(got)} cases, not the {len(expected)} open ones expected")
    times.extend(measured)
    return percentile(measured, 50)


def casussen_on(backend: str, root: Path, options: Options) -> list[BenchResult]:
    """Fill one store, copy its events to a plain application, alternate the sides' listings."""
    count = options.cases
    with databases(backend, root) as new_url, hub_persistence(new_url("casussen"), root) as p:
        start = perf_counter()
        filled = fill(p, count, options.progress)
        options.progress(f"casussen {backend}: stored {len(filled.cases):,} cases in {perf_counter() - start:.0f} s")
        listed = pages(filled)
        times: dict[tuple[str, str], list[float]] = {}
        with plain_copy(p, new_url("plain")) as plain:
            settle(p, plain)
            calls: dict[tuple[str, str], tuple[Callable[[], dict[str, Any]], list[UUID]]] = {}
            for page in listed:
                calls[page.label, OURS] = partial(listing, p, page.after), page.ours
                calls[page.label, PEER] = partial(plain_listing, p, plain, page.after), page.peer
            for key, (call, expected) in calls.items():  # untimed: first reads, caches, prepared statements
                _timed(call, expected, [], 3)
                times[key] = []

            def side(key: tuple[str, str]) -> Callable[[int], float]:
                call, expected = calls[key]
                return lambda _r: _timed(call, expected, times[key], LISTINGS)

            rounds = alternate(
                options.rounds, {f"{k[0]}, {k[1]}": side(k) for k in calls}, options.progress, f"casussen {backend}"
            )
        log_size = p.access_log.size()
    own = sum(c.swv == SWV for c in filled.cases.values())
    return [_result(backend, page, own, len(filled.cases), log_size, rounds, times, options) for page in listed]


def _result(
    backend: str,
    page: Page,
    own: int,
    total: int,
    log_size: int,
    rounds: dict[str, list[float]],
    times: dict[tuple[str, str], list[float]],
    options: Options,
) -> BenchResult:
    mine, theirs = times[page.label, OURS], times[page.label, PEER]
    p50, p95 = percentile(mine, 50), percentile(mine, 95)
    peer50, peer95 = percentile(theirs, 50), percentile(theirs, 95)
    met = "met" if p50 < GOAL_MS else "NOT met"
    name = f"casussen {backend}: {page.label} of the SWV's open cases at {own:,} cases"
    summary = (
        f"{name}: ours p50 {p50:.1f} ms, p95 {p95:.1f} ms; peer p50 {peer50:.1f} ms, p95 {peer95:.1f} ms; "
        f"goal p50 < {GOAL_MS:g} ms: {met}"
    )
    options.progress(summary)
    return BenchResult.from_rounds(
        name,
        "ms/page",
        rounds[f"{page.label}, {OURS}"],
        PEER,
        rounds[f"{page.label}, {PEER}"],
        higher_is_better=False,
        limit=GOAL_MS,
        ours_latency=Latency.of(mine),
        peer_latency=Latency.of(theirs),
        extra=(
            f"goal (issue 17): p50 below {GOAL_MS:g} ms on each backend: {met}. Over all {len(mine)} listings "
            f"ours p50 {p50:.1f} ms, p95 {p95:.1f} ms; peer p50 {peer50:.1f} ms, p95 {peer95:.1f} ms",
            f"a page: {page.rows} directory rows of {SWV} (the API's default limit), {len(page.peer)} of them "
            f"open cases; ours lists {len(page.ours)}, the peer all {len(page.peer)}: it does not ask whether "
            "the SWV is still involved with the pupil",
            f"{own:,} cases of {SWV} over {len(SCHOOLS)} schools and {total - own:,} of {len(OTHER_SWVS)} other "
            f"SWVs, shuffled; {OPEN_SHARE:.0%} open, the rest closed, 0-4 logbook actions each; every "
            f"{GONE_EVERY}th pupil's registration ended",
            f"{LISTINGS} listings per page per side per round, {options.rounds} rounds; figure = median listing "
            f"per round; the access log held {log_size:,} entries at the end (a listing appends one per case "
            "it releases)",
            "stores filled through StorePersistence.commit in batches, each case opened as adapters.casus.open_ "
            "opens it (hub/bench/casussen.py)",
        ),
    )


@register("casussen", reads=("cases", "backend"))
def casussen(options: Options) -> list[BenchResult]:
    """The list of open thuiszitter cases of one SWV (`GET /v1/thuiszittercasussen?open=true`,
    `adapters.casuslijst.listing`: the directory page of the SWV's cases, the register asked
    which of their pupils it is still involved with, each of those cases loaded and unsealed,
    each open one weighed by `decide`, the page's access-log entries stored before the answer)
    in a store holding `cases` cases of that SWV, a third open, among half as many of
    other SWVs; timed on its first page of 100 and on the page halfway through its cases. The
    goal is absolute: p50 below 50 ms on SQLite and on PostgreSQL (issue 17). The peer reads the
    same page without the hub's guarantees: the same directory rows, each case loaded from a
    plain eventsourcing application holding the same events unsealed, the closed ones skipped,
    the same list fields of the open ones, and nothing weighed, checked against the register or
    logged — the least an event-sourced list of these cases has to do."""
    results: list[BenchResult] = []
    for backend in backends(options.backend):
        with tempfile.TemporaryDirectory(prefix="ketenhub-bench-casussen-") as tmp:
            results.extend(casussen_on(backend, Path(tmp), options))
    return results
