"""What `consent.policy.decide` answers: the outcome, the fields, and the recorded afweging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from consent.refusals import REASONS, Criterion, Reason
from domain.parties import Role
from domain.purpose import LegalBasis


class Outcome(StrEnum):
    """allow: everything asked; partial: some, or a substitute; deny: nothing."""

    ALLOW = "allow"
    PARTIAL = "partial"
    DENY = "deny"


@dataclass(frozen=True)
class Weighing:
    """The answer to one question of the afwegingskader, with its reasons."""

    criterion: Criterion
    passed: bool
    reden: str  # Dutch
    reason: str  # English
    codes: tuple[Reason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "passed": self.passed,
            "reden": self.reden,
            "reason": self.reason,
            "codes": [c.value for c in self.codes],
        }


@dataclass(frozen=True)
class Decision:
    """What may be released, what is withheld and why, and the recorded afweging."""

    outcome: Outcome
    purpose: str
    requester: str
    role: Role
    subject: str | None
    released: frozenset[str]
    withheld: Mapping[str, Reason]
    substitute: frozenset[str]  # released instead of what was asked (also in `released`)
    grounds: Mapping[str, LegalBasis]  # the basis of each released field
    proportionaliteit: Weighing
    subsidiariteit: Weighing
    doelmatigheid: Weighing
    legal_basis: tuple[LegalBasis, ...]
    consent_id: UUID | None
    decided_at: datetime
    policy_version: str  # of the rules that decided (consent.policy.POLICY_VERSION)

    def to_dict(self) -> dict[str, Any]:
        """The `afweging` object the API returns and the access log records."""
        return {
            "policy_version": self.policy_version,
            "decided_at": self.decided_at.isoformat(),
            "purpose": self.purpose,
            "requester": {"org_id": self.requester, "role": self.role.value},
            "subject": self.subject,
            "outcome": self.outcome.value,
            "released": sorted(self.released),
            "substitute": sorted(self.substitute),
            "withheld": {
                name: {
                    "code": reason.value,
                    "reden": REASONS[reason].nl,
                    "reason": REASONS[reason].en,
                }
                for name, reason in sorted(self.withheld.items())
            },
            "grounds": {name: basis.value for name, basis in sorted(self.grounds.items())},
            "legal_basis": [b.value for b in self.legal_basis],
            "consent_id": str(self.consent_id) if self.consent_id else None,
            Criterion.PROPORTIONALITEIT.value: self.proportionaliteit.to_dict(),
            Criterion.SUBSIDIARITEIT.value: self.subsidiariteit.to_dict(),
            Criterion.DOELMATIGHEID.value: self.doelmatigheid.to_dict(),
        }


__all__ = ["Decision", "Outcome", "Weighing"]
