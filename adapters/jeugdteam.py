"""The jeugdteam's pull: with a consent receipt for `jeugdhulp-afstemming`, a signal and the items covered.

The pupil is named by the receipt itself (its subject is the hub's pseudonym), so the
team never sends or needs a BSN. Without a receipt there is no basis at all: even the
signal goes to the jeugdteam only with consent (domain.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nacl.signing import VerifyKey

from adapters.answers import Answer
from adapters.common import require_role
from adapters.disclosure import Presented, check_receipt, decide, involved_with, now, withheld_view
from adapters.errors import Forbidden
from adapters.guard import logs_refusals
from adapters.leerplicht import melding_values, released
from adapters.ports import Persistence, RecordGone, Requester, load_as
from audit.refusals import Refused
from consent.policy import consent_reaches
from consent.request import SubjectContext
from domain.parties import Role
from domain.verzuimmelding import Verzuimmelding

PURPOSE = "jeugdhulp-afstemming"
FIELDS = (
    "leerling.naam",
    "leerling.geboortedatum",
    "school.brin",
    "school.vestiging",
    "signaal.open_melding",
    "verzuim.soort",
    "verzuim.periode",
    "acties.school",
    "acties.toelichting",
)


@logs_refusals(PURPOSE)
def signal(p: Persistence, keys: Mapping[str, VerifyKey], who: Requester, receipt: str | None) -> Answer:
    """Whether the receipt's pupil has an open melding, and what the consent covers of the latest one.

    Only meldingen held by a school involved with the pupil now count: a consent unlocks the
    records of the parties involved, not every record the hub holds of the pupil."""
    require_role(who, Role.JEUGDTEAM)
    if receipt is None:
        raise Forbidden(
            "present the consent receipt (header Ketenhub-Toestemmingsbewijs) of the pupil",
            refused=Refused.RECEIPT_MISSING,
            reden="receipt_missing",
        )
    at = now()
    presented = check_receipt(p, keys, who, receipt, purpose=PURPOSE, subject=None, at=at)
    subject = presented.claims.sub
    involved = involved_with(p, subject, at)
    meldingen = [(m, context) for m, context in _meldingen(p, subject, involved) if _reached(presented, context)]
    latest, context = meldingen[-1] if meldingen else (None, _no_melding(presented, subject, involved, who))
    decision, entry = decide(
        who,
        PURPOSE,
        context,
        FIELDS,
        presented=presented,
        last_changed=latest.modified_on if latest else at,
        record_id=latest.id if latest else None,
        at=at,
    )
    p.log([entry])
    values: dict[str, Any] = melding_values(latest) if latest else {}
    values["signaal.open_melding"] = any(not m.is_withdrawn for m, _ in meldingen)
    return Answer(
        200,
        {
            "toestemming": presented.claims.jti,
            "gegevens": released(values, decision),
            "achtergehouden": withheld_view(decision),
            "afweging": entry.afweging,
        },
    )


def _reached(presented: Presented, context: SubjectContext) -> bool:
    """Only a melding held by a party involved now and covered by the consent counts."""
    return context.recorded_by in (context.involved or ()) and consent_reaches(presented.consent, context)


def _no_melding(presented: Presented, subject: str, involved: frozenset[str], who: Requester) -> SubjectContext:
    recorder = presented.consent.recorded_by
    return SubjectContext(subject, who.org.gemeente, recorder, recorded_by=recorder, involved=involved)


def _meldingen(p: Persistence, subject: str, involved: frozenset[str]) -> list[tuple[Verzuimmelding, SubjectContext]]:
    """The pupil's meldingen, oldest first, each with the policy's view of it (its holder, its SWV)."""
    found = []
    swv_of: dict[str, str | None] = {}  # one registry read per school, not per melding
    for entry in p.of_subject(subject):
        if entry.kind != "verzuimmelding":
            continue
        try:
            m = load_as(p, Verzuimmelding, entry.record_id)
            holder = entry.owner_org
            if holder not in swv_of:
                swv_of[holder] = p.swv_of(holder)
            context = SubjectContext(
                subject=subject,
                woongemeente=m.recipient,
                school=holder,
                swv=swv_of[holder],
                recorded_by=holder,
                involved=involved,
            )
            found.append((m, context))
        except RecordGone:
            continue
    return found
