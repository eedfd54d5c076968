"""The inzage report (AVG art. 15): who saw which categories of one pupil's data, when, why, on which basis.

Built from the pupil's access-log entries only (found by pseudonym), so it names
categories and organisations, never a value of the data itself; and only from a log that
verifies (`verified_inzage`): a report resting on edited rows would mislead the parent.
Refused attempts are lines too, with their reason in Dutch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nacl.signing import VerifyKey

from audit.chain import ChainedEntry
from audit.entries import AccessEntry, Action
from audit.refusals import RECEIPT_KEY, REFUSAL_KEY, REFUSED_NL, Refused, refusal_of
from audit.treehead import TreeHead
from audit.verify import verify_log
from domain.fields import category_of

# What each kind of access meant for the pupil, as a parent reads it.
ACTION_NL: Mapping[Action, str] = {
    Action.WRITE: "legde gegevens vast",
    Action.DISCLOSE: "kreeg gegevens te zien",
    Action.REFUSE: "probeerde bij de gegevens te komen, maar dat werd geweigerd",
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
    reason: str | None = None  # why a refused attempt was refused, in Dutch (None: not refused)
    asked: tuple[str, ...] = ()  # the categories a refused attempt asked for

    @property
    def refused(self) -> bool:
        return self.action is Action.REFUSE

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
            "geweigerd": self.refused,
            "reden": self.reason,
            "gevraagd": list(self.asked),
        }


# A refused consent receipt's reason (afweging.bewijs), as the parent reads it; a reason not
# listed here shows only REFUSED_NL's general words, never the internal code.
RECEIPT_NL: Mapping[str, str] = {
    "expired": "het bewijs was verlopen",
    "not_yet_valid": "het bewijs gold nog niet",
    "wrong_purpose": "het bewijs gold een ander doel",
    "wrong_recipient": "de organisatie stond niet in de toestemming",
    "wrong_pupil": "het bewijs hoorde bij een andere leerling",
    "withdrawn": "de toestemming was ingetrokken",
    "consent_expired": "de toestemming was verlopen",
}
# The afwegingskader's three questions (consent.refusals.Criterion), as a policy denial records them.
CRITERIA = ("proportionaliteit", "subsidiariteit", "doelmatigheid")


class InzageRefused(Exception):
    """No report: the log does not verify, or a row picked for the pupil is not the pupil's."""

    def __init__(self, seq: int | None, detail: str) -> None:
        super().__init__(detail)
        self.seq, self.detail = seq, detail


def categories(fields: Iterable[str]) -> tuple[str, ...]:
    """The data categories of the field names (names outside the vocabulary stand for themselves)."""
    found = {(c.value if (c := category_of(name)) is not None else name) for name in fields}
    return tuple(sorted(found))


def refusal_reason(afweging: Mapping[str, Any]) -> str:
    """Why an attempt was refused, in Dutch: the closed code's words, or the failed questions of the policy."""
    code = refusal_of(afweging)
    if code is not None:
        detail = RECEIPT_NL.get(str(afweging.get(RECEIPT_KEY))) if code is Refused.RECEIPT_REFUSED else None
        return f"{REFUSED_NL[code]} ({detail})" if detail else REFUSED_NL[code]
    if REFUSAL_KEY in afweging:  # a code of a later release: say no more than that it was refused
        return "geweigerd"
    failed = [
        f"{name}: {weighing['reden']}"
        for name in CRITERIA
        if isinstance(weighing := afweging.get(name), dict)
        and weighing.get("passed") is False
        and isinstance(weighing.get("reden"), str)
    ]
    return "niet voldaan aan " + "; ".join(failed) if failed else "geweigerd na afweging"


def inzage_line(seq: int, e: AccessEntry, names: Mapping[str, str]) -> InzageLine:
    """One line of the report; a refused attempt carries its reason and what it asked for."""
    refused = e.action is Action.REFUSE
    return InzageLine(
        seq,
        e.at,
        e.org_id,
        names.get(e.org_id, e.org_id),
        e.action,
        categories(e.fields),
        e.purpose,
        e.legal_basis,
        e.consent_id,
        refusal_reason(e.afweging) if refused else None,
        categories(e.requested) if refused else (),
    )


def inzage_lines(entries: Iterable[tuple[int, AccessEntry]], names: Mapping[str, str]) -> list[InzageLine]:
    """The report's lines, in log order; `names` maps organisation ids to registered names."""
    return [inzage_line(seq, e, names) for seq, e in entries]


def verified_inzage(
    entries: Iterable[ChainedEntry],
    heads: Sequence[TreeHead],
    verify_keys: Mapping[str, VerifyKey],
    subject: str,
    names: Mapping[str, str],
) -> list[InzageLine]:
    """The report of the pupil with this pseudonym, from one verify pass over the whole log.

    The pupil's rows are picked by their subject column as verify streams past them, and
    verify checks every row's column against its hashed body: a row moved to another
    pupil, or away from this one, fails the pass, so no row is silently left out.
    Raises InzageRefused naming the first entry that fails.
    """
    picked: list[ChainedEntry] = []
    report = verify_log(_picking(entries, subject, picked.append), heads, verify_keys)
    if report.failure is not None:
        raise InzageRefused(report.failure.seq, report.failure.detail)
    lines = []
    for stored in picked:
        entry = AccessEntry.from_body(stored.body)
        if entry.subject != subject:  # verify proved it; the report never rests on the column alone
            raise InzageRefused(stored.seq, f"entry {stored.seq}: its body names another pupil than its column")
        lines.append(inzage_line(stored.seq, entry, names))
    return lines


def _picking(
    entries: Iterable[ChainedEntry], subject: str, pick: Callable[[ChainedEntry], None]
) -> Iterator[ChainedEntry]:
    for entry in entries:
        if entry.subject == subject:
            pick(entry)
        yield entry


def render(lines: Iterable[InzageLine]) -> str:
    """The report as text a parent can read (Dutch); refused attempts say so, and why."""
    rows = list(lines)
    if not rows:
        return "Inzage (AVG art. 15): er is niemand bij de gegevens van deze leerling geweest.\n"
    attempts = sum(r.refused for r in rows)
    head = f"Inzage (AVG art. 15): {len(rows)} keer is iemand bij de gegevens van deze leerling geweest"
    head += f", of heeft het geprobeerd ({attempts} keer geweigerd)." if attempts else "."
    out = [head, ""]
    for r in rows:
        out.append(f"{r.at}  {r.organisation} ({r.org_id}) {ACTION_NL[r.action]}")
        if r.refused:
            asked = ", ".join(r.asked) or "geen bepaalde gegevens"
            out.append(f"    POGING, GEWEIGERD: {r.reason}; gevraagd: {asked}; doel: {r.purpose}")
            continue
        cats = ", ".join(r.categories) or "geen gegevens"
        basis = r.legal_basis or "geen"
        consent = f", toestemming {r.consent_id}" if r.consent_id else ""
        out.append(f"    categorieën: {cats}; doel: {r.purpose}; grondslag: {basis}{consent}")
    return "\n".join(out) + "\n"
