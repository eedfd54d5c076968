"""The sealing primitives call libsodium directly, so they must agree with PyNaCl's own AEAD."""

from __future__ import annotations

import os

import pytest
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt, crypto_aead_xchacha20poly1305_ietf_encrypt

from infra.sealing import KEY_BYTES, NONCE_BYTES, SealError, new_key, seal, unseal


@pytest.mark.parametrize("size", [0, 1, 700, 70_000])
def test_seal_is_pynacls_xchacha20_poly1305(size: int) -> None:
    key, plaintext, aad = new_key(), os.urandom(size), b"aad|" + os.urandom(20)
    sealed = seal(key, plaintext, aad)
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    assert body == crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)
    assert crypto_aead_xchacha20poly1305_ietf_decrypt(body, aad, nonce, key) == plaintext
    assert unseal(key, sealed, aad) == plaintext
    other_nonce = os.urandom(NONCE_BYTES)
    theirs = other_nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, other_nonce, key)
    assert unseal(key, theirs, aad) == plaintext


def test_empty_associated_data_is_bound_as_empty() -> None:
    key = new_key()
    sealed = seal(key, b"x", b"")
    assert unseal(key, sealed, b"") == b"x"
    with pytest.raises(SealError):
        unseal(key, sealed, b"other")


def test_every_seal_takes_a_fresh_nonce() -> None:
    key = new_key()
    assert len({seal(key, b"same", b"aad")[:NONCE_BYTES] for _ in range(50)}) == 50


@pytest.mark.parametrize(
    ("key", "plaintext", "aad"),
    [
        (bytes(KEY_BYTES - 1), b"p", b"a"),
        (bytes(KEY_BYTES + 1), b"p", b"a"),
        (bytearray(KEY_BYTES), b"p", b"a"),
        (bytes(KEY_BYTES), "p", b"a"),
        (bytes(KEY_BYTES), b"p", None),
    ],
)
def test_wrong_types_and_key_sizes_are_refused(key: object, plaintext: object, aad: object) -> None:
    with pytest.raises(TypeError):
        seal(key, plaintext, aad)  # type: ignore[arg-type]
    sealed = seal(bytes(KEY_BYTES), b"p", b"a")
    with pytest.raises(TypeError):
        unseal(key, sealed if isinstance(plaintext, bytes) else sealed.hex(), aad)  # type: ignore[arg-type]


@pytest.mark.parametrize("cut", [0, 1, NONCE_BYTES, NONCE_BYTES + 15])
def test_a_truncated_ciphertext_does_not_open(cut: int) -> None:
    with pytest.raises(SealError):
        unseal(bytes(KEY_BYTES), os.urandom(cut), b"a")


def test_a_changed_byte_does_not_open() -> None:
    key = new_key()
    sealed = bytearray(seal(key, b"pupil record", b"aad"))
    sealed[-1] ^= 1
    with pytest.raises(SealError):
        unseal(key, bytes(sealed), b"aad")
