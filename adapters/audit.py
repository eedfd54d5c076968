"""The auditor's use cases: published tree heads, proofs, the log itself, verify, replay, export and inzage.

An auditor reads the access log and never pupil data: every use case here answers
with log entries (pseudonyms and field names), hashes and signatures only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Protocol
from uuid import UUID

from nacl.signing import SigningKey, VerifyKey

from adapters.answers import Answer
from adapters.common import require_role
from adapters.disclosure import Presented, disclosure_request
from adapters.errors import Invalid
from adapters.ports import DirectoryEntry, Persistence, RecordGone, RecordMissing, Requester
from audit.chain import ChainedEntry
from audit.entries import AccessEntry, Action
from audit.export import Proofs, anchor_of, export_lines
from audit.inzage import InzageLine, verified_inzage
from audit.replay import ReplayReport, judge, unreplayable
from audit.treehead import TreeHead
from audit.verify import VerifyReport, verify_log
from consent.policy import decide
from consent.receipts import receipt_claims
from consent.request import ConsentState, DisclosureRequest, SubjectContext
from domain.consent import Consent
from domain.parties import Organisation, Role
from domain.records import PupilRecord

PAGE = 500  # entries per GET /v1/audit/log answer at most
# Entry times are kept to the millisecond: state up to the end of that millisecond is "at" it.
_TICK = timedelta(microseconds=999)


class AccessLog(Protocol):
    """What the auditor's use cases need of the access log (infra.accesslog.AccessLogStore)."""

    def size(self) -> int: ...

    def entries(self, start: int = 0, stop: int | None = None, batch: int = 5000) -> Iterator[ChainedEntry]: ...

    def heads(self) -> list[TreeHead]: ...

    def head(self, size: int) -> TreeHead | None: ...

    def inclusion_proof(self, seq: int, size: int) -> tuple[bytes, list[bytes]]: ...

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]: ...

    def sign_head(self, signing_key: SigningKey, key_id: str) -> TreeHead: ...

    def sign_if_due(self, signing_key: SigningKey, key_id: str) -> TreeHead | None: ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- the API ---------------------------------------------------------------------------
def published_heads(log: AccessLog, signing_key: SigningKey, key_id: str) -> Answer:
    """Every signed tree head, newest last; signs a fresh one first when one is due (any registered party)."""
    log.sign_if_due(signing_key, key_id)
    heads = log.heads()
    return Answer(
        200,
        {
            "boomkoppen": [h.to_json() for h in heads],
            "grootte": log.size(),
            "sleutels": {key_id: _b64(signing_key.verify_key.encode())},
        },
    )


def sign_now(log: AccessLog, who: Requester, signing_key: SigningKey, key_id: str) -> Answer:
    """An auditor asks for a head over the log as it is now."""
    require_role(who, Role.AUDITOR)
    return Answer(201, log.sign_head(signing_key, key_id).to_json())


def _size_in_log(log: AccessLog, name: str, size: int) -> int:
    current = log.size()
    if not 0 <= size <= current:
        raise Invalid(name, f"must lie in 0..{current}, the log's current size")
    return current


def inclusion(log: AccessLog, who: Requester, seq: int, size: int) -> Answer:
    """RFC 9162 inclusion proof of entry seq in the tree of `size` entries (auditor)."""
    require_role(who, Role.AUDITOR)
    _size_in_log(log, "grootte", size)
    if not 0 <= seq < size:
        raise Invalid("seq", f"must lie in 0..{size - 1} for a tree of {size} entries")
    leaf, path = log.inclusion_proof(seq, size)
    head = log.head(size)
    return Answer(
        200,
        {
            "seq": seq,
            "grootte": size,
            "leaf_hash": _b64(leaf),
            "pad": [_b64(p) for p in path],
            "boomkop": head.to_json() if head else None,
        },
    )


def consistency(log: AccessLog, who: Requester, size1: int, size2: int) -> Answer:
    """RFC 9162 consistency proof between the trees of size1 and size2 entries (auditor)."""
    require_role(who, Role.AUDITOR)
    _size_in_log(log, "naar", size2)
    if not 0 <= size1 <= size2:
        raise Invalid("van", f"must lie in 0..{size2} (naar)")
    heads = {s: log.head(s) for s in (size1, size2)}
    return Answer(
        200,
        {
            "van": size1,
            "naar": size2,
            "pad": [_b64(p) for p in log.consistency_proof(size1, size2)],
            "boomkoppen": {str(s): h.to_json() if h else None for s, h in heads.items()},
        },
    )


def entry_view(e: ChainedEntry) -> dict[str, Any]:
    """One entry as an auditor gets it: its fields (no personal data: pseudonyms, field names) and hashes."""
    return {
        "seq": e.seq,
        "prev_hash": _b64(e.prev_hash),
        "entry_hash": _b64(e.entry_hash),
        "body": e.body.decode(),
        "entry": json.loads(e.body),
    }


def log_page(log: AccessLog, who: Requester, start: int, stop: int | None) -> Answer:
    """Entries start..stop-1, at most PAGE of them (auditor)."""
    require_role(who, Role.AUDITOR)
    size = log.size()
    if start > size:
        raise Invalid("van", f"must lie in 0..{size}, the log's current size")
    stop = min(size, start + PAGE) if stop is None else stop
    if not start <= stop <= size:
        raise Invalid("tot", f"must lie in {start}..{size}")
    if stop - start > PAGE:
        raise Invalid("tot", f"at most {PAGE} entries per page")
    items = [entry_view(e) for e in log.entries(start, stop)]
    return Answer(
        200, {"van": start, "tot": stop, "grootte": size, "entries": items, "volgende": stop if stop < size else None}
    )


# -- verify ----------------------------------------------------------------------------
def verify(
    log: AccessLog, keys: Mapping[str, VerifyKey], progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Chain, tree and every signed head, in one pass over the stored log."""
    return verify_log(log.entries(), log.heads(), keys, progress)


# -- rebuilding a disclosure -----------------------------------------------------------
def context_of(found: DirectoryEntry | None, subject: str | None) -> SubjectContext:
    """The policy's view of a record, from its directory row: the same facts a pull decides on.

    owner_org recorded the record (the school of registration, the sending school),
    gemeente is the pupil's woongemeente and receiver_org the receiving school.
    """
    if found is None:
        return SubjectContext(subject=subject)
    return SubjectContext(
        subject=found.subject,
        woongemeente=found.gemeente,
        school=found.owner_org,
        receiving_school=found.receiver_org,
        recorded_by=found.owner_org,
    )


def at_moment(p: Persistence, record_id: UUID, moment: datetime) -> PupilRecord | None:
    """The record as it stood at `moment` (the last version saved by then), None if it did not exist yet."""
    try:
        record = p.load(record_id)
        while record.modified_on > moment + _TICK:
            if record.version <= 1:
                return None
            record = p.load(record_id, version=record.version - 1)
    except (RecordGone, RecordMissing):
        return None
    return record


def presented_at(p: Persistence, consent_id: UUID, moment: datetime, issuer: str) -> Presented | None:
    """The consent as it stood at `moment`, with the receipt the hub issues for it.

    The log keeps no receipt; a pull accepts one only after checking it against the
    consent, so replay assumes the hub's own receipt for the consent then in force.
    """
    consent = at_moment(p, consent_id, moment)
    if not isinstance(consent, Consent):
        return None
    return Presented(receipt_claims(consent, issuer, consent.created_on), ConsentState.of(consent))


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def replay(
    p: Persistence,
    log: AccessLog,
    org_of: Callable[[str], Organisation | None],
    issuer: str,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Re-decide every DISCLOSE entry with consent and record as they stood then; list what the policy rejects."""
    findings = []
    disclosures = 0
    for stored in log.entries():
        if progress is not None and stored.seq % 1000 == 0:
            progress(stored.seq)
        entry = AccessEntry.from_body(stored.body)
        if entry.action is not Action.DISCLOSE:
            continue
        disclosures += 1
        org = org_of(entry.org_id)
        try:
            moment = _moment(entry.at)
        except ValueError:
            findings.append(unreplayable(stored.seq, entry, f"its time {entry.at!r} is not an ISO 8601 UTC time"))
            continue
        if org is None or org.role.value != entry.role:
            findings.append(unreplayable(stored.seq, entry, f"{entry.org_id} is not a registered {entry.role}"))
            continue
        decision = decide(_rebuilt(p, entry, org, moment, issuer))
        withheld = {name: reason.value for name, reason in decision.withheld.items()}
        finding = judge(stored.seq, entry, frozenset(decision.released), withheld)
        if finding is not None:
            findings.append(finding)
    return ReplayReport(disclosures, tuple(findings))


def _rebuilt(p: Persistence, entry: AccessEntry, org: Organisation, moment: datetime, issuer: str) -> DisclosureRequest:
    """The DisclosureRequest of a logged disclosure, built as the pull built it (adapters.disclosure)."""
    record_id = _uuid(entry.record_id)
    record = at_moment(p, record_id, moment) if record_id else None
    found = p.directory_entry(record_id) if record_id else None
    consent_id = _uuid(entry.consent_id)
    presented = presented_at(p, consent_id, moment, issuer) if consent_id else None
    who = Requester(org, "", entry.actor, entry.request_id or "", entry.trace_id)
    context = context_of(found, entry.subject)
    if context.subject is not None:  # the register as it stood at the moment (its rows keep their history)
        context = replace(context, involved=p.involved([context.subject], moment)[context.subject])
    if found is not None:  # the SWV of the holder, whose consent reaches its school's records (current register)
        context = replace(context, swv=p.swv_of(found.owner_org))
    return disclosure_request(
        who,
        entry.purpose,
        context,
        entry.requested or entry.fields,
        moment,
        presented,
        record.modified_on if record is not None else None,
    )


def _uuid(text: str | None) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        return None


# -- export ----------------------------------------------------------------------------
def export(
    log: AccessLog, keys: Mapping[str, VerifyKey], start: int, stop: int, sign: Callable[[], TreeHead] | None = None
) -> Iterator[str]:
    """JSON Lines of entries start..stop-1 with the heads and proofs to check them offline (audit.export).

    When no signed head covers the range yet and `sign` is given, a head is signed first.
    """
    size = log.size()
    if not 0 <= start <= stop <= size:
        raise Invalid("tot", f"need 0 <= van <= tot <= {size}")
    heads = log.heads()
    anchor = anchor_of(heads, stop)
    if anchor is None and sign is not None:
        anchor = sign()
        heads = log.heads()
    kept: Sequence[TreeHead] = [h for h in heads if anchor is None or h.size <= anchor.size]
    inclusion = {}
    if anchor is not None and stop > start:
        inclusion = {seq: log.inclusion_proof(seq, anchor.size)[1] for seq in {start, stop - 1}}
    consistency = {(a.size, b.size): log.consistency_proof(a.size, b.size) for a, b in pairwise(kept)}
    return export_lines(start, stop, log.entries(start, stop), kept, Proofs(inclusion, consistency), keys)


# -- inzage ----------------------------------------------------------------------------
def inzage(log: AccessLog, keys: Mapping[str, VerifyKey], subject: str, names: Mapping[str, str]) -> list[InzageLine]:
    """The AVG art. 15 report of the pupil with this pseudonym, from a log verified in the same pass.

    Raises audit.inzage.InzageRefused when the log does not verify: no report on edited rows.
    """
    return verified_inzage(log.entries(), log.heads(), keys, subject, names)
