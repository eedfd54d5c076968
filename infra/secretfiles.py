"""Secret files under ./var: created with mode 0600, never overwritten, refused when others may read them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Group and others: a secret or the database may grant them nothing at all.
_LOOSE = stat.S_IRWXG | stat.S_IRWXO


class SecretMissing(RuntimeError):
    """A secret the hub needs is not there and may not be created now."""


class SecretTooOpen(SecretMissing):
    """A secret file (or the database) that group or others may read or write: the hub does not start."""


def private_dir(path: Path) -> None:
    """Make `path` and any missing parent directories, each new one with mode 0700.

    A directory that exists already is left as it is: it may be shared (the working directory,
    /srv); the files in it protect themselves by their own mode.
    """
    missing: list[Path] = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:  # another process starting at once made it
            continue
        os.chmod(directory, 0o700)  # exactly 0700, whatever the umask


def refuse_loose(path: Path) -> None:
    """Raise `SecretTooOpen` when group or others have any permission on the file at `path`.

    On the mode bits, not access(2): root may read anything, the bits say who else may.
    """
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & _LOOSE:
        raise SecretTooOpen(
            f"{path} has mode {mode:04o}: group or others may read or write this secret, "
            f"so the hub does not start; fix: chmod 600 {path}"
        )


def tighten(path: Path) -> None:
    """Take every permission of group and others off the file at `path`, if it exists."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    if not mode & _LOOSE:
        return
    try:
        os.chmod(path, mode & ~_LOOSE)
    except PermissionError:
        raise SecretTooOpen(
            f"{path} has mode {mode:04o}: group or others may read or write it and this user may not "
            f"change that, so the hub does not start; fix: chmod 600 {path}"
        ) from None


def read_or_create(path: Path, nbytes: int, *, create: bool) -> bytes:
    """Read the secret at `path`; create a random one only when `create` is true."""
    if path.exists():
        refuse_loose(path)
        data = path.read_bytes()
        if len(data) != nbytes:
            raise SecretMissing(f"{path} holds {len(data)} bytes, expected {nbytes}")
        return data
    if not create:
        raise SecretMissing(f"{path} is missing")
    private_dir(path.parent)
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
