"""Authenticated encryption primitives: XChaCha20-Poly1305 with bound associated data.

Sealing runs once or twice per stored event and opening once per event read, so both call
libsodium through PyNaCl's own compiled binding (`nacl._sodium`, pinned with PyNaCl)
instead of its public wrappers, which check and format six error messages on every call.
The arguments are checked here instead, once (`_check`).
"""

from __future__ import annotations

import os

from nacl._sodium import ffi, lib
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)

KEY_BYTES = crypto_aead_xchacha20poly1305_ietf_KEYBYTES
NONCE_BYTES = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
_TAG_BYTES = crypto_aead_xchacha20poly1305_ietf_ABYTES


class SealError(Exception):
    """A ciphertext did not open: wrong key, wrong associated data or changed bytes."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def _check(key: bytes, data: bytes, aad: bytes) -> None:
    # libsodium reads KEY_BYTES from `key` whatever its length: these checks are what keeps
    # a wrong argument an exception rather than a read past a buffer.
    if type(key) is not bytes or len(key) != KEY_BYTES:
        raise TypeError(f"key must be {KEY_BYTES} bytes")
    if type(data) is not bytes or type(aad) is not bytes:
        raise TypeError("the data and the associated data must be bytes")


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate; the 24-byte random nonce is prepended."""
    _check(key, plaintext, aad)
    nonce = os.urandom(NONCE_BYTES)
    size = len(plaintext) + _TAG_BYTES
    out = ffi.new("unsigned char[]", size)
    if (
        lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
            out, ffi.NULL, plaintext, len(plaintext), aad, len(aad), ffi.NULL, nonce, key
        )
        != 0
    ):
        raise SealError("encryption failed")
    return nonce + ffi.buffer(out, size)[:]


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Open what `seal` made with the same key and associated data."""
    _check(key, sealed, aad)
    if len(sealed) < NONCE_BYTES + _TAG_BYTES:
        raise SealError("ciphertext too short")
    size = len(sealed) - NONCE_BYTES - _TAG_BYTES
    out = ffi.new("unsigned char[]", max(size, 1))
    body = sealed[NONCE_BYTES:]
    if (
        lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, ffi.NULL, ffi.NULL, body, len(body), aad, len(aad), sealed[:NONCE_BYTES], key
        )
        != 0
    ):
        raise SealError("authentication failed")
    return ffi.buffer(out, size)[:]
