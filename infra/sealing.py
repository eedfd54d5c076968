"""Authenticated encryption primitives: XChaCha20-Poly1305 with bound associated data.

Sealing runs once or twice per stored event and opening once per event read, through
libsodium's XChaCha20-Poly1305 via PyNaCl's public binding (`nacl.bindings`). The binding
checks the message, nonce and key itself (a wrong one raises `nacl.exceptions.TypeError`,
a `TypeError`); what it would let through is checked here (`_check_aad`). What the public
binding costs beside calling PyNaCl's compiled module directly, as this module did before,
is a figure of `hub bench ingest` (docs/benchmarks.md).
"""

from __future__ import annotations

import os

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_ABYTES,
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
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


def _check_aad(aad: bytes) -> None:
    # The binding takes None as "no associated data" and binds nothing: here the associated
    # data is what ties a ciphertext to its record, so a caller that lost it must fail.
    if type(aad) is not bytes:
        raise TypeError("the associated data must be bytes")


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate; the 24-byte random nonce is prepended."""
    _check_aad(aad)
    nonce = os.urandom(NONCE_BYTES)
    try:
        return nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)
    except (TypeError, ValueError):  # the binding's own refusal of a wrong argument (nacl.exceptions)
        raise
    except CryptoError as e:
        raise SealError("encryption failed") from e


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Open what `seal` made with the same key and associated data."""
    _check_aad(aad)
    if len(sealed) < NONCE_BYTES + _TAG_BYTES:
        raise SealError("ciphertext too short")
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(sealed[NONCE_BYTES:], aad, sealed[:NONCE_BYTES], key)
    except (TypeError, ValueError):
        raise
    except CryptoError as e:
        raise SealError("authentication failed") from e
