"""The base of every aggregate that holds personal data: one pupil, one purpose.

Each event carries the purpose and the pupil's pseudonym (`subject`) so that the
persistence layer can seal it under the data key of exactly that (purpose, pupil)
pair without looking anything up; erasing that key erases the record.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate


class PupilRecord(Aggregate):
    """An event-sourced record about one pupil, kept for one purpose."""

    PURPOSE: ClassVar[str] = ""

    class Event(Aggregate.Event):
        purpose: str
        subject: str

    class Created(Event, Aggregate.Created):
        pass

    def __init__(self, purpose: str, subject: str) -> None:
        self.purpose = purpose
        self.subject = subject

    @classmethod
    def start(cls, subject: str, **kwargs: Any) -> Self:
        """Open a new record for the pupil with pseudonym `subject`."""
        if not cls.PURPOSE:
            raise TypeError(f"{cls.__name__} declares no PURPOSE")
        return cls._create(cls.Created, purpose=cls.PURPOSE, subject=subject, **kwargs)

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        super().trigger_event(event_class, purpose=self.purpose, subject=self.subject, **kwargs)
