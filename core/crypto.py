"""Encryption at rest for personal data, and the blind index (docs/personal-data-encryption.md).

A value is sealed with AES-256-GCM under the current data key (the first of
settings.TIAOJIE_DATA_KEYS) with a random 96-bit nonce, and the table and column it is stored in
as associated data, so a ciphertext copied to another column does not open. The stored form is

    v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>

where the key id is derived from the key itself (the first 8 hex digits of a SHA-256 over it),
so any key still in the ring opens what it sealed: rotation puts a new key first and
`manage.py rotate_data_keys` re-seals the rows. A changed byte makes `open_value` raise
DecryptionError, never return other text.

A random nonce makes equal plaintexts unequal in the database, so columns looked up by
equality (phones) get a companion blind index: HMAC-SHA256 under a separate key
(settings.TIAOJIE_INDEX_KEY), truncated to 128 bits, in hex. The empty string is stored as is
in both (it is not personal data, and "no phone" must stay cheap to test).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
# Hex digits of the blind index kept: 128 bits, so unequal phones never share one in practice.
INDEX_HEX = 32


class DecryptionError(ValueError):
    """A stored value that is not a ciphertext this key ring opens (tampered, or its key gone)."""


def decode_key(text: str, name: str) -> bytes:
    """A 32-byte key from its base64 (standard or URL-safe) text."""
    try:
        key = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} holds a key that is not base64") from exc
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name} keys must be {KEY_BYTES} bytes (44 base64 characters)")
    return key


def new_key() -> str:
    """A fresh random key as base64 text, the form the settings take."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"tiaojie-data-key-id\0" + key).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    current: str  # id of the key that seals
    ciphers: dict[str, AESGCM]

    @classmethod
    def from_texts(cls, texts: list[str]) -> KeyRing:
        if not texts:
            raise ImproperlyConfigured("TIAOJIE_DATA_KEYS is empty: at least one data key is needed")
        keys = [decode_key(text, "TIAOJIE_DATA_KEYS") for text in texts]
        ciphers = {key_id(key): AESGCM(key) for key in keys}
        return cls(current=key_id(keys[0]), ciphers=ciphers)


@lru_cache(maxsize=1)
def ring() -> KeyRing:
    return KeyRing.from_texts(list(settings.TIAOJIE_DATA_KEYS))


@lru_cache(maxsize=1)
def _index_key() -> bytes:
    return decode_key(settings.TIAOJIE_INDEX_KEY, "TIAOJIE_INDEX_KEY")


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs) -> None:
    if setting in ("TIAOJIE_DATA_KEYS", "TIAOJIE_INDEX_KEY"):
        ring.cache_clear()
        _index_key.cache_clear()


def aad(table: str, column: str) -> bytes:
    """Associated data binding a ciphertext to where it is stored."""
    return f"{table}.{column}".encode()


def seal(plaintext: str, context: bytes) -> str:
    """The stored form of `plaintext` under the current key; "" stays ""."""
    if plaintext == "":
        return ""
    keys = ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys.ciphers[keys.current].encrypt(nonce, plaintext.encode(), context)
    return f"{VERSION}:{keys.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def key_of(token: str) -> str:
    """The id of the key that sealed `token` ("" for the empty string)."""
    if token == "":
        return ""
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != VERSION:
        raise DecryptionError("not a sealed value")
    return parts[1]


def open_value(token: str, context: bytes) -> str:
    """The plaintext of a stored value; raises DecryptionError unless it opens intact."""
    if token == "":
        return ""
    kid = key_of(token)
    cipher = ring().ciphers.get(kid)
    if cipher is None:
        raise DecryptionError(f"sealed under key {kid}, which is not in TIAOJIE_DATA_KEYS")
    try:
        raw = base64.urlsafe_b64decode(token.split(":")[2])
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode()
    except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError) as exc:
        raise DecryptionError("sealed value does not open: changed, or stored in another column") from exc


def blind_index(value: str | None, key: bytes | None = None) -> str:
    """The keyed index of a value looked up by equality; "" for no value."""
    if not value:
        return ""
    digest = hmac.new(key or _index_key(), value.encode(), hashlib.sha256).hexdigest()
    return digest[:INDEX_HEX]
