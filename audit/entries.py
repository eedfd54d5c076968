"""What one access-log entry says (NEN 7513, Logboek Dataverwerkingen) and its canonical bytes.

An entry never holds a plaintext identifier: the pupil appears only as the hub's keyed
pseudonym, and released data appears only as field names, never values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from json.encoder import encode_basestring
from typing import Any


class Action(StrEnum):
    """The kinds of access the log records."""

    WRITE = "write"
    DISCLOSE = "disclose"
    REFUSE = "refuse"
    ERASE = "erase"
    KEY = "key"


@dataclass(frozen=True)
class AccessEntry:
    """One access to personal data, as the auditor and the parent will read it."""

    action: Action
    org_id: str
    role: str
    purpose: str
    legal_basis: str
    subject: str | None = None
    record_id: str | None = None
    actor: str | None = None
    consent_id: str | None = None
    fields: tuple[str, ...] = ()
    requested: tuple[str, ...] = ()
    decision: str | None = None
    afweging: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    trace_id: str | None = None
    at: str = ""

    def body(self, at: str = "") -> bytes:
        """Canonical JSON: sorted keys, no spaces, so the same entry always hashes the same;
        `at` is the time recorded when the entry carries none (the commit's own time)."""
        # Not dataclasses.asdict: it deep-copies the afweging, which json.dumps reads as is
        # (that copy was most of an append's cost); nor dataclasses.replace to stamp the time.
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["at"] = self.at or at
        data["action"] = self.action.value
        data["fields"] = sorted(self.fields)
        data["requested"] = sorted(self.requested)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_body(cls, body: bytes) -> AccessEntry:
        data = json.loads(body)
        data["action"] = Action(data["action"])
        data["fields"] = tuple(data["fields"])
        data["requested"] = tuple(data["requested"])
        return cls(**data)


_FIELD_NAMES = tuple(f.name for f in fields(AccessEntry))

# The subject as the body holds it: the top-level key, found from the end. In canonical JSON
# the only fields after "subject" are scalars (trace_id; tests/audit/test_verify_columns.py
# keeps it so), and a quote inside a string is always escaped, so the last `,"subject":` of
# a body is its own subject key, never one nested in the afweging before it.
SUBJECT_KEY = b',"subject":'


def subject_json(subject: str | None) -> bytes:
    """A subject column as canonical JSON (json.dumps with ensure_ascii=False, as body() writes it)."""
    return b"null" if subject is None else encode_basestring(subject).encode()


def names_subject(body: bytes, subject: str | None) -> bool:
    """Whether the canonical body's own subject is exactly `subject` (no JSON parse)."""
    return body.startswith(SUBJECT_KEY + subject_json(subject), body.rfind(SUBJECT_KEY))
