"""Looking a purpose up, and the purposes as a readable table.

The purposes are data in `domain.catalogue`; what a purpose is made of is
`domain.purpose`; the field vocabulary is `domain.fields`.
"""

from __future__ import annotations

from domain.catalogue import PURPOSES
from domain.purpose import Purpose


class UnknownPurposeError(KeyError):
    """A purpose name outside the table."""


def get_purpose(name: str) -> Purpose:
    """The purpose called `name`; raises UnknownPurposeError otherwise."""
    try:
        return PURPOSES[name]
    except KeyError:
        raise UnknownPurposeError(name) from None


def purposes_table() -> str:
    """The purposes as a Markdown table, in the words of domain.md, for lawyers and docs."""
    rows = ["| doel | grondslag | van → naar | minimale gegevens | toestemming | bewaartermijn |"]
    rows.append("|---|---|---|---|---|---|")
    for p in PURPOSES.values():
        senders = ", ".join(sorted(p.senders)) or "hub"
        receivers = ", ".join(r.role.value for r in p.recipients)
        fields = ", ".join(sorted(p.minimal_fields))
        consent = (
            ", ".join(sorted(p.consent.required_for)) + f" ({p.consent.note})" if p.consent.required else p.consent.note
        )
        rows.append(
            f"| `{p.name}` | {p.legal_basis} | {senders} → {receivers} | {fields} "
            f"| {consent} | {p.retention.rationale} |"
        )
    return "\n".join(rows)
