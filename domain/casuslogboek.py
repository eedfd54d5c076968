"""The logbook of a thuiszitter case: one entry per action, never edited.

"De regisseur vanuit het SWV start een logboek ... en houdt deze per actie bij" (002 step 4).
An entry names the day, the organisation, the action from a closed list and a short note; a
correction is a new entry that names the one it corrects, so the history stays as it was told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.casuslijsten import Actie
from domain.errors import InvalidValue

MAX_NOTE_LENGTH = 2000  # "een korte notitie" (002 step 18)


@dataclass(frozen=True)
class Logregel:
    """One entry: number `nummer` (from 1), the day, who, the action, a note, and what it corrects."""

    nummer: int
    datum: date
    door: str
    actie: Actie
    notitie: str = ""
    correctie_van: int | None = None

    def to_event(self) -> dict[str, Any]:
        """As event values."""
        return {
            "nummer": self.nummer,
            "datum": self.datum.isoformat(),
            "door": self.door,
            "actie": self.actie.value,
            "notitie": self.notitie,
            "correctie_van": self.correctie_van,
        }

    @classmethod
    def from_event(cls, values: Mapping[str, Any]) -> Logregel:
        """Rebuild from event values."""
        return cls(
            values["nummer"],
            date.fromisoformat(values["datum"]),
            values["door"],
            Actie(values["actie"]),
            values["notitie"],
            values["correctie_van"],
        )


def note(value: object, field: str, *, required: bool = False) -> str:
    """A short note: text of at most MAX_NOTE_LENGTH characters."""
    if not isinstance(value, str):
        raise InvalidValue(field, "must be text")
    text = value.strip()
    if required and not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidValue(field, f"must be at most {MAX_NOTE_LENGTH} characters")
    return text


def new_entry(
    logboek: Sequence[Logregel],
    *,
    datum: date,
    door: str,
    actie: Actie,
    notitie: str,
    vandaag: date,
    correctie_van: int | None = None,
) -> Logregel:
    """The next entry of `logboek`: not in the future, and a correction names an existing entry."""
    if not isinstance(actie, Actie):
        raise InvalidValue("actie", f"must be one of {', '.join(Actie)}")
    if datum > vandaag:
        raise InvalidValue("datum", "lies in the future")
    if correctie_van is not None and not 1 <= correctie_van <= len(logboek):
        raise InvalidValue("correctie_van", f"names no entry of this logbook (1..{len(logboek)})")
    return Logregel(len(logboek) + 1, datum, door, actie, note(notitie, "notitie"), correctie_van)


__all__ = ["MAX_NOTE_LENGTH", "Logregel", "new_entry", "note"]
