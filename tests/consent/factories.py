"""Builders for consent and policy tests: one realistic case, changed one thing at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from consent.receipts import ReceiptClaims, numeric_date
from consent.request import ConsentState, DisclosureRequest, Requester, SubjectContext
from domain.consent import Consent
from domain.parties import Role

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
PUPIL = "ps_9c1e4b7f"  # an opaque pseudonym, as infra/pseudonym gives it
OTHER_PUPIL = "ps_00aa11bb"
GEMEENTE = "GM0479"  # Zaanstad
OTHER_GEMEENTE = "GM0363"
SCHOOL = "12AB00"
RECEIVING_SCHOOL = "34CD01"
OTHER_SCHOOL = "99ZZ00"
SWV_CODE = "VO2705"
OTHER_SWV = "PO2801"
JEUGDTEAM_ID = "JT-ZAANSTAD"
HUB = "ketenhub"
# In the register: the school of registration, its SWV and leerplicht of the woongemeente (the
# receiving school and a jeugdteam named by a consent are involved through the record and the consent).
INVOLVED = frozenset({SCHOOL, SWV_CODE, GEMEENTE})
CONSENT_ID = UUID("5f1d7c2e-8a4b-4c3e-9d2f-0a1b2c3d4e5f")

LEERPLICHT = Requester(GEMEENTE, Role.LEERPLICHT, frozenset({GEMEENTE}))
LEERPLICHT_ELSEWHERE = Requester(OTHER_GEMEENTE, Role.LEERPLICHT, frozenset({OTHER_GEMEENTE}))
JEUGDTEAM = Requester(JEUGDTEAM_ID, Role.JEUGDTEAM, frozenset({GEMEENTE}))
SENDING = Requester(SCHOOL, Role.SCHOOL)
RECEIVING = Requester(RECEIVING_SCHOOL, Role.SCHOOL)
STRANGER_SCHOOL = Requester(OTHER_SCHOOL, Role.SCHOOL)
SWV = Requester(SWV_CODE, Role.SWV)
OTHER_SWV_REQ = Requester(OTHER_SWV, Role.SWV)
AUDITOR = Requester("FG-ZAANSTAD", Role.AUDITOR)

CASE_FILE = frozenset(
    {
        "leerling.naam",
        "casus.samenvatting",
        "casus.opp_status",
        "casus.verzuimhistorie",
        "casus.afspraken",
    }
)
MELDING = frozenset(
    {
        "leerling.naam",
        "leerling.geboortedatum",
        "leerling.id",
        "school.brin",
        "school.vestiging",
        "verzuim.soort",
        "verzuim.periode",
        "verzuim.uren",
        "verzuim.te_laat",
        "acties.school",
    }
)
RAPPORT = frozenset(
    {
        "leerling.naam",
        "school.brin",
        "rapport.schooladvies",
        "rapport.leerresultaten",
        "rapport.ondersteuningsbehoefte",
        "rapport.opp_aanwezig",
        "rapport.verzuim_samenvatting",
    }
)


def context(**changes: Any) -> SubjectContext:
    """The pupil lives in Zaanstad, attends SCHOOL, moves to RECEIVING_SCHOOL."""
    base = SubjectContext(
        subject=PUPIL,
        woongemeente=GEMEENTE,
        school=SCHOOL,
        receiving_school=RECEIVING_SCHOOL,
        swv=SWV_CODE,
        recorded_by=SCHOOL,
        involved=INVOLVED,
    )
    return replace(base, **changes)


def consent_state(
    purpose: str = "thuiszitterstafel",
    *,
    recipients: Iterable[str] = (GEMEENTE, JEUGDTEAM_ID, SWV_CODE),
    categories: Iterable[str] = ("identiteit", "school", "casus", "signaal"),
    items: Iterable[str] = (),
    **changes: Any,
) -> ConsentState:
    """A consent the school recorded a month ago, valid for the school year."""
    base = ConsentState(
        consent_id=CONSENT_ID,
        purpose=purpose,
        subject=PUPIL,
        recorded_by=SCHOOL,
        recipients=frozenset(recipients),
        categories=frozenset(categories),
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW + timedelta(days=300),
        items=frozenset(items),
    )
    return replace(base, **changes)


def receipt_for(state: ConsentState, **changes: Any) -> ReceiptClaims:
    """The receipt the hub issued when `state` was recorded."""
    base = ReceiptClaims(
        iss=HUB,
        jti=str(state.consent_id),
        sub=state.subject,
        purpose=state.purpose,
        aud=tuple(sorted(state.recipients)),
        categories=tuple(sorted(state.categories)),
        nbf=numeric_date(state.valid_from),
        exp=numeric_date(state.valid_until),
        iat=numeric_date(state.valid_from),
        items=tuple(sorted(state.items)),
    )
    return replace(base, **changes)


def request(
    requester: Requester,
    purpose: str,
    fields: Iterable[str],
    **changes: Any,
) -> DisclosureRequest:
    """A request about PUPIL, last changed ten days ago, decided at NOW."""
    values: dict[str, Any] = {
        "context": context(),
        "now": NOW,
        "record_last_changed": NOW - timedelta(days=10),
    }
    values.update(changes)
    return DisclosureRequest(requester=requester, purpose=purpose, fields=frozenset(fields), **values)


def a_consent(**changes: Any) -> Consent:
    """A signed thuiszitterstafel consent by a parent of a 13-year-old."""
    values: dict[str, Any] = {
        "purpose": "thuiszitterstafel",
        "recorded_by": SCHOOL,
        "recipients": [GEMEENTE, JEUGDTEAM_ID],
        "categories": ["identiteit", "casus"],
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=200),
        "given_by": "ouder",
        "given_by_name": "M. de Vries",
        "given_on": NOW.date(),
        "method": "ondertekend_formulier",
        "pupil_birth_date": date(2012, 5, 1),
        "form_reference": "formulier-2025-117",
    }
    values.update(changes)
    return Consent.start(PUPIL, **values)
