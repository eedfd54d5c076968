"""Authenticated encryption primitives: XChaCha20-Poly1305 with bound associated data."""

from __future__ import annotations

import os

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
)
from nacl.exceptions import CryptoError

KEY_BYTES = 32
NONCE_BYTES = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


class SealError(Exception):
    """A ciphertext did not open: wrong key, wrong associated data or changed bytes."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate; the 24-byte random nonce is prepended."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Open what `seal` made with the same key and associated data."""
    if len(sealed) < NONCE_BYTES + 16:
        raise SealError("ciphertext too short")
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(body, aad, nonce, key)
    except CryptoError as e:
        raise SealError("authentication failed") from e
