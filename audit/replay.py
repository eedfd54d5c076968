"""Replay's verdict on one disclosure: did the log release more than the policy allows?

The rebuilding of the policy's input (consent and record as they stood at the moment
of the entry) is I/O and lives in adapters/audit.py; this module only compares what
an entry says was released with what a fresh decision releases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from audit.entries import AccessEntry


class Verdict(StrEnum):
    """What replay found wrong with a disclosure."""

    NOT_ALLOWED = "niet-toegestaan"  # the policy would have released nothing
    TOO_MANY_FIELDS = "te-veel-velden"  # the policy would have released fewer fields
    NOT_REPLAYABLE = "niet-na-te-gaan"  # the entry names no known party or purpose


@dataclass(frozen=True)
class Finding:
    """One disclosure the policy, replayed, would not have allowed as logged."""

    seq: int
    verdict: Verdict
    at: str
    org_id: str
    purpose: str
    record_id: str | None
    consent_id: str | None
    released: tuple[str, ...]  # as logged
    allowed: tuple[str, ...]  # as the replayed policy decides
    excess: tuple[str, ...]  # released but not allowed
    reasons: dict[str, str] = field(default_factory=dict)  # field -> the replayed policy's reason code
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "oordeel": self.verdict.value,
            "at": self.at,
            "organisatie": self.org_id,
            "doel": self.purpose,
            "record_id": self.record_id,
            "toestemming": self.consent_id,
            "verstrekt": list(self.released),
            "toegestaan": list(self.allowed),
            "te_veel": list(self.excess),
            "redenen": self.reasons,
            "toelichting": self.detail,
        }


@dataclass(frozen=True)
class ReplayReport:
    """All disclosures replayed and the ones found wanting."""

    disclosures: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "verstrekkingen": self.disclosures, "bevindingen": [f.to_dict() for f in self.findings]}


def judge(seq: int, entry: AccessEntry, allowed: frozenset[str], withheld: dict[str, str]) -> Finding | None:
    """Compare the logged release with what the replayed decision allows; None when within it."""
    released = frozenset(entry.fields)
    excess = released - allowed
    if not excess:
        return None
    verdict = Verdict.NOT_ALLOWED if not allowed else Verdict.TOO_MANY_FIELDS
    reasons = {name: withheld.get(name, "not_requested") for name in sorted(excess)}
    detail = (
        f"entry {seq}: {entry.org_id} received {', '.join(sorted(excess))} under {entry.purpose} at {entry.at}; "
        f"the policy, replayed with the state of that moment, "
        + ("allows nothing" if not allowed else f"allows only {', '.join(sorted(allowed))}")
        + f" ({', '.join(sorted(set(reasons.values())))})"
    )
    return Finding(
        seq,
        verdict,
        entry.at,
        entry.org_id,
        entry.purpose,
        entry.record_id,
        entry.consent_id,
        tuple(sorted(released)),
        tuple(sorted(allowed)),
        tuple(sorted(excess)),
        reasons,
        detail,
    )


def unreplayable(seq: int, entry: AccessEntry, why: str) -> Finding:
    """A disclosure replay cannot re-decide (unknown requester, unreadable timestamp): reported, never passed."""
    released = tuple(sorted(entry.fields))
    return Finding(
        seq,
        Verdict.NOT_REPLAYABLE,
        entry.at,
        entry.org_id,
        entry.purpose,
        entry.record_id,
        entry.consent_id,
        released,
        (),
        released,
        {},
        f"entry {seq}: {why}",
    )
