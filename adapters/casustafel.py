"""The jeugdteam at the thuiszittertafel: it reads a case only with the parents' signed consent.

The jeugdteam is a fixed participant of the table (003 §4.2), but the discussion there rests on
the parents' signed consent form (003 §4.3). So the jeugdteam of the pupil's woongemeente reads a
case only under a receipt of `thuiszitterstafel` that names it and this pupil; what it then sees
is what that purpose releases to it. It never writes: regie, logbook and closing stay with the
school, its SWV and leerplicht. A jeugdteam of another gemeente is answered 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from uuid import UUID

from nacl.signing import VerifyKey

from adapters.answers import Answer
from adapters.casusmodellen import read_view
from adapters.casustoegang import KIND, context
from adapters.common import load_listed
from adapters.disclosure import check_receipt, decide, involved_with
from adapters.errors import Forbidden, NotFound
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, Persistence, Requester
from audit.refusals import Refused
from domain.catalogue import THUISZITTERSTAFEL
from domain.thuiszittercasus import Thuiszittercasus

PURPOSE = THUISZITTERSTAFEL.name


@logs_refusals(PURPOSE)
def read(
    p: Persistence,
    keys: Mapping[str, VerifyKey],
    who: Requester,
    record_id: UUID,
    fields: tuple[str, ...],
    receipt: str | None,
    at: datetime,
    peildatum: date,
) -> Answer:
    """The case as `thuiszitterstafel` releases it to this jeugdteam under the receipt it shows."""
    entry = _of_my_gemeente(p, who, record_id)
    if receipt is None:
        raise Forbidden(
            "present the parents' consent receipt of thuiszitterstafel (header Ketenhub-Toestemmingsbewijs)",
            refused=Refused.RECEIPT_MISSING,
            subject=entry.subject,
            record_id=str(record_id),
            reden="receipt_missing",
        )
    presented = check_receipt(p, keys, who, receipt, purpose=PURPOSE, subject=entry.subject, at=at)
    case = load_listed(p, Thuiszittercasus, entry)
    involved = involved_with(p, entry.subject, at)
    decision, log = decide(
        who,
        PURPOSE,
        context(entry, involved),
        fields,
        presented=presented,
        last_changed=case.modified_on,
        record_id=case.id,
        at=at,
    )
    p.log([log])  # fail closed: no entry, no answer
    return Answer(
        200, read_view(case, decision, log, peildatum) | {"doel": PURPOSE, "toestemming": presented.claims.jti}
    )


def _of_my_gemeente(p: Persistence, who: Requester, record_id: UUID) -> DirectoryEntry:
    entry = p.directory_entry(record_id)
    subject = entry.subject if entry is not None and entry.kind == KIND else None
    if entry is None or subject is None or entry.gemeente != who.org.gemeente:
        raise NotFound(f"no thuiszittercasus {record_id} for you", subject=subject, record_id=str(record_id))
    return entry
