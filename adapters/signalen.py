"""The signals a melding raises for whoever may act on it: today, a possible thuiszitter.

A signal advises; it changes nothing. The school of registration and leerplicht may each open the
case it suggests (adapters/casusopening.py), from the melding.
"""

from __future__ import annotations

from domain.thuiszittersignaal import RULE, meldt_thuiszitter
from domain.verzuimmelding import Verzuimmelding


def signalen(melding: Verzuimmelding) -> list[dict[str, str]]:
    """The melding's signals: each names its rule and what to do next."""
    if not meldt_thuiszitter(melding):
        return []
    return [
        {
            "signaal": "mogelijke_thuiszitter",
            "regel": RULE,
            "advies": f'open een thuiszittercasus: POST /v1/thuiszittercasussen met "melding": "{melding.id}"',
        }
    ]
