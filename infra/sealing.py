"""Authenticated encryption primitives: XChaCha20-Poly1305 with bound associated data.

`seal` runs once or twice per stored event, so it calls libsodium through PyNaCl's own
compiled binding (`nacl._sodium`, pinned with PyNaCl) instead of the public wrapper, which
checks and formats six error messages per call: about half of a seal's cost at event sizes.
Its arguments are checked here instead, once each; `unseal` keeps the public wrapper.
"""

from __future__ import annotations

import os

from nacl._sodium import ffi, lib
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)
from nacl.exceptions import CryptoError

KEY_BYTES = crypto_aead_xchacha20poly1305_ietf_KEYBYTES
NONCE_BYTES = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
_TAG_BYTES = crypto_aead_xchacha20poly1305_ietf_ABYTES


class SealError(Exception):
    """A ciphertext did not open: wrong key, wrong associated data or changed bytes."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate; the 24-byte random nonce is prepended. The checks matter:
    libsodium reads KEY_BYTES from `key` whatever its length."""
    if type(key) is not bytes or len(key) != KEY_BYTES:
        raise TypeError(f"key must be {KEY_BYTES} bytes")
    if type(plaintext) is not bytes or type(aad) is not bytes:
        raise TypeError("plaintext and associated data must be bytes")
    nonce = os.urandom(NONCE_BYTES)
    size = len(plaintext) + _TAG_BYTES
    out = ffi.new("unsigned char[]", size)
    if lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ffi.NULL, plaintext, len(plaintext), aad, len(aad), ffi.NULL, nonce, key
    ) != 0:
        raise SealError("encryption failed")
    return nonce + ffi.buffer(out, size)[:]


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Open what `seal` made with the same key and associated data."""
    if len(sealed) < NONCE_BYTES + _TAG_BYTES:
        raise SealError("ciphertext too short")
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(body, aad, nonce, key)
    except CryptoError as e:
        raise SealError("authentication failed") from e
