"""The inzage report (AVG art. 15): who saw which categories of one pupil's data, when, why, on which basis.

Built from the pupil's access-log entries only (found by pseudonym), so it names
categories and organisations, never a value of the data itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from audit.entries import AccessEntry, Action
from domain.fields import category_of

# What each kind of access meant for the pupil, as a parent reads it.
ACTION_NL: Mapping[Action, str] = {
    Action.WRITE: "legde gegevens vast",
    Action.DISCLOSE: "kreeg gegevens te zien",
    Action.REFUSE: "vroeg gegevens op, maar kreeg ze niet",
    Action.ERASE: "liet gegevens wissen",
    Action.KEY: "beheerde de sleutel van de gegevens",
}


@dataclass(frozen=True)
class InzageLine:
    """One access to the pupil's data, in the parent's terms."""

    seq: int
    at: str
    org_id: str
    organisation: str  # the registered name, or the id when the party is gone
    action: Action
    categories: tuple[str, ...]
    purpose: str
    legal_basis: str
    consent_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "tijdstip": self.at,
            "organisatie": self.org_id,
            "naam": self.organisation,
            "handeling": self.action.value,
            "omschrijving": ACTION_NL[self.action],
            "categorieen": list(self.categories),
            "doel": self.purpose,
            "grondslag": self.legal_basis,
            "toestemming": self.consent_id,
        }


def categories(fields: Iterable[str]) -> tuple[str, ...]:
    """The data categories of the field names (names outside the vocabulary stand for themselves)."""
    found = {(c.value if (c := category_of(name)) is not None else name) for name in fields}
    return tuple(sorted(found))


def inzage_lines(entries: Iterable[tuple[int, AccessEntry]], names: Mapping[str, str]) -> list[InzageLine]:
    """The report's lines, in log order; `names` maps organisation ids to registered names."""
    return [
        InzageLine(
            seq,
            e.at,
            e.org_id,
            names.get(e.org_id, e.org_id),
            e.action,
            categories(e.fields),
            e.purpose,
            e.legal_basis,
            e.consent_id,
        )
        for seq, e in entries
    ]


def render(lines: Iterable[InzageLine]) -> str:
    """The report as text a parent can read (Dutch)."""
    rows = list(lines)
    if not rows:
        return "Inzage (AVG art. 15): er is niemand bij de gegevens van deze leerling geweest.\n"
    out = [f"Inzage (AVG art. 15): {len(rows)} keer is iemand bij de gegevens van deze leerling geweest.", ""]
    for r in rows:
        cats = ", ".join(r.categories) or "geen gegevens"
        out.append(f"{r.at}  {r.organisation} ({r.org_id}) {ACTION_NL[r.action]}")
        basis = r.legal_basis or "geen"
        consent = f", toestemming {r.consent_id}" if r.consent_id else ""
        out.append(f"    categorieën: {cats}; doel: {r.purpose}; grondslag: {basis}{consent}")
    return "\n".join(out) + "\n"
