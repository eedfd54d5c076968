"""Secret files under ./var: created with mode 0600, never overwritten."""

from __future__ import annotations

import os
from pathlib import Path


class SecretMissing(RuntimeError):
    """A secret the hub needs is not there and may not be created now."""


def read_or_create(path: Path, nbytes: int, *, create: bool) -> bytes:
    """Read the secret at `path`; create a random one only when `create` is true."""
    if path.exists():
        data = path.read_bytes()
        if len(data) != nbytes:
            raise SecretMissing(f"{path} holds {len(data)} bytes, expected {nbytes}")
        return data
    if not create:
        raise SecretMissing(f"{path} is missing")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(nbytes)
    # O_EXCL: two processes starting at once must not both write a different key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        # On disk before anything is sealed under it: a key lost to a crash loses the data.
        f.flush()
        os.fsync(f.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return data
