"""Signed tree heads: Ed25519 over a C2SP tlog-checkpoint-like text, and their JSON form."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from audit.merkle import HASH_SIZE

ORIGIN = "ketenhub.nl/audit/v1"
_SIGNATURE_SIZE = 64
# UTC only, marked Z, so every reader sees the same instant; fractions of a second allowed.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_timestamp(moment: datetime) -> str:
    """The timestamp form tree heads use, e.g. 2026-11-23T09:00:00Z (moment must be aware)."""
    if moment.tzinfo is None:
        raise ValueError("timestamp needs a timezone")
    return moment.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def _check_timestamp(timestamp: str) -> None:
    if not _TIMESTAMP.fullmatch(timestamp):
        raise ValueError(f"timestamp {timestamp!r} is not of the form 2026-11-23T09:00:00Z")
    datetime.fromisoformat(timestamp)  # rejects 2026-02-30 and the like


def checkpoint(size: int, root: bytes, timestamp: str) -> bytes:
    """The signed message: origin, size, base64 root and timestamp, one per line."""
    b64_root = base64.b64encode(root).decode()
    return f"{ORIGIN}\n{size}\n{b64_root}\n{timestamp}\n".encode()


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A log operator's signed statement: the log had size entries with this Merkle root."""

    size: int
    root: bytes
    timestamp: str
    key_id: str
    signature: bytes

    def __post_init__(self) -> None:
        # bool is an int, but a size of True would sign as "True".
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"size must be a non-negative int, not {self.size!r}")
        if len(self.root) != HASH_SIZE:
            raise ValueError("root must be 32 bytes")
        _check_timestamp(self.timestamp)
        if not self.key_id or not self.key_id.isprintable():
            raise ValueError("key_id must be non-empty printable text")
        if len(self.signature) != _SIGNATURE_SIZE:
            raise ValueError("signature must be 64 bytes")

    def message(self) -> bytes:
        """The bytes the signature covers (key_id is not among them: it only picks the key)."""
        return checkpoint(self.size, self.root, self.timestamp)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, bytes in standard base64."""
        return {
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TreeHead:
        """Parse to_json()'s form; ValueError if anything is missing or malformed."""
        try:
            size, root, timestamp = data["size"], data["root"], data["timestamp"]
            key_id, signature = data["key_id"], data["signature"]
        except KeyError as missing:
            raise ValueError(f"tree head lacks {missing}") from None
        if not all(isinstance(v, str) for v in (root, timestamp, key_id, signature)):
            raise ValueError("root, timestamp, key_id and signature must be strings")
        return cls(size, _b64decode(root), timestamp, key_id, _b64decode(signature))


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"bad base64: {error}") from None


def sign_tree_head(signing_key: SigningKey, key_id: str, size: int, root: bytes, timestamp: str) -> TreeHead:
    """Sign the checkpoint of (size, root, timestamp) with signing_key."""
    signature = signing_key.sign(checkpoint(size, root, timestamp)).signature
    return TreeHead(size, root, timestamp, key_id, signature)


def verify_tree_head(verify_key: VerifyKey, head: TreeHead) -> bool:
    """Whether head's signature is valid under verify_key."""
    try:
        verify_key.verify(head.message(), head.signature)
    except BadSignatureError:
        return False
    return True
