"""Why a field is withheld: the refusal reasons of the afwegingskader, as data.

Every reason belongs to one of the three questions of the VWS tool "Samenwerken in
de jeugdketen" (004_45b01860e536524f.txt ch. 15) and has a short Dutch and English
wording, which the `afweging` of every decision carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Criterion(StrEnum):
    """The three questions of the afwegingskader (004 ch. 15)."""

    PROPORTIONALITEIT = "proportionaliteit"
    SUBSIDIARITEIT = "subsidiariteit"
    DOELMATIGHEID = "doelmatigheid"


class Reason(StrEnum):
    """Why a field was withheld; `REASONS` gives the criterion and the words."""

    UNKNOWN_PURPOSE = "unknown_purpose"
    UNKNOWN_FIELD = "unknown_field"
    NOT_A_RECIPIENT = "not_a_recipient"
    OUTSIDE_MINIMAL_SET = "outside_minimal_set"
    NOT_OWN_RECORD = "not_own_record"
    NOT_INVOLVED = "not_involved"
    HOLDER_NOT_INVOLVED = "holder_not_involved"
    CONSENT_OF_ANOTHER_HOLDER = "consent_of_another_holder"
    OUTSIDE_CONSENT = "outside_consent"
    NO_ACTIVE_ROLE = "no_active_role"
    NO_CONSENT = "no_consent"
    CONSENT_MISMATCH = "consent_mismatch"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_NOT_YET_VALID = "consent_not_yet_valid"
    NOT_NAMED_IN_CONSENT = "not_named_in_consent"
    RECEIPT_MISSING = "receipt_missing"
    WRONG_PURPOSE = "wrong_purpose"
    WRONG_RECIPIENT = "wrong_recipient"
    RECEIPT_MISMATCH = "receipt_mismatch"
    RECEIPT_NOT_VALID_NOW = "receipt_not_valid_now"
    RETENTION_EXPIRED = "retention_expired"
    RETENTION_UNKNOWN = "retention_unknown"


@dataclass(frozen=True)
class ReasonText:
    """The criterion a reason belongs to and its short Dutch and English wording."""

    criterion: Criterion
    nl: str
    en: str


_P, _D = Criterion.PROPORTIONALITEIT, Criterion.DOELMATIGHEID

REASONS: Mapping[Reason, ReasonText] = MappingProxyType(
    {
        Reason.UNKNOWN_PURPOSE: ReasonText(_P, "onbekend doel", "unknown purpose"),
        Reason.UNKNOWN_FIELD: ReasonText(_P, "onbekend gegeven", "unknown field"),
        Reason.NOT_A_RECIPIENT: ReasonText(
            _P, "deze rol ontvangt niets voor dit doel", "this role receives nothing for this purpose"
        ),
        Reason.OUTSIDE_MINIMAL_SET: ReasonText(
            _P, "valt buiten de minimale gegevensset", "outside the purpose's minimal set"
        ),
        Reason.NOT_OWN_RECORD: ReasonText(
            _P,
            "geen dossier van de eigen gemeente, school of SWV",
            "not a record of the requester's own gemeente, school or SWV",
        ),
        Reason.NOT_INVOLVED: ReasonText(
            _P, "de vrager is niet betrokken bij de leerling", "the requester is not involved with the pupil"
        ),
        Reason.HOLDER_NOT_INVOLVED: ReasonText(
            _P,
            "wie het dossier houdt is niet (meer) betrokken bij de leerling",
            "the party holding the record is not (or no longer) involved with the pupil",
        ),
        Reason.CONSENT_OF_ANOTHER_HOLDER: ReasonText(
            _P,
            "de toestemming is gegeven aan een andere partij dan die het dossier houdt",
            "the consent was given to another party than the one holding the record",
        ),
        Reason.OUTSIDE_CONSENT: ReasonText(_P, "valt buiten de gegeven toestemming", "not covered by the consent"),
        Reason.NO_ACTIVE_ROLE: ReasonText(
            _D, "de vrager heeft geen actieve rol in deze casus", "requester has no active role in this case"
        ),
        Reason.NO_CONSENT: ReasonText(_D, "er is geen toestemming", "there is no consent"),
        Reason.CONSENT_MISMATCH: ReasonText(
            _D,
            "de toestemming geldt een ander doel of een andere leerling",
            "the consent covers another purpose or pupil",
        ),
        Reason.CONSENT_WITHDRAWN: ReasonText(_D, "de toestemming is ingetrokken", "the consent has been withdrawn"),
        Reason.CONSENT_EXPIRED: ReasonText(_D, "de toestemming is verlopen", "the consent has expired"),
        Reason.CONSENT_NOT_YET_VALID: ReasonText(
            _D, "de toestemming geldt nog niet", "the consent is not yet in force"
        ),
        Reason.NOT_NAMED_IN_CONSENT: ReasonText(
            _D, "de vrager staat niet in de toestemming", "requester is not named in the consent"
        ),
        Reason.RECEIPT_MISSING: ReasonText(_D, "geen toestemmingsbewijs getoond", "no consent receipt presented"),
        Reason.WRONG_PURPOSE: ReasonText(
            _D, "het toestemmingsbewijs geldt een ander doel", "the receipt is for another purpose"
        ),
        Reason.WRONG_RECIPIENT: ReasonText(
            _D, "het toestemmingsbewijs noemt de vrager niet", "the receipt does not name the requester"
        ),
        Reason.RECEIPT_MISMATCH: ReasonText(
            _D,
            "het toestemmingsbewijs hoort bij een andere toestemming",
            "the receipt belongs to another consent",
        ),
        Reason.RECEIPT_NOT_VALID_NOW: ReasonText(
            _D, "het toestemmingsbewijs is nu niet geldig", "the receipt is not valid now"
        ),
        Reason.RETENTION_EXPIRED: ReasonText(_D, "de bewaartermijn is verstreken", "the retention period has passed"),
        Reason.RETENTION_UNKNOWN: ReasonText(
            _D,
            "de laatste wijziging is onbekend, dus de bewaartermijn ook",
            "last change unknown, so the retention period cannot be checked",
        ),
    }
)


__all__ = ["REASONS", "Criterion", "Reason", "ReasonText"]
