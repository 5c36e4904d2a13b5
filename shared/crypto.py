"""Key derivation, key wrapping and signatures, all from ``cryptography`` (no hand-made primitives).

Kiosk: a random 256-bit data key is wrapped (AES key wrap, RFC 3394) under a key
derived with scrypt from the site passphrase, and again under a recovery key.
Server: Ed25519 signs allocation lists and audit checkpoints; device tokens are
stored as SHA-256 digests only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

DATA_KEY_BYTES = 32
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


class UnwrapFailed(Exception):
    """The wrapping key is wrong (wrong passphrase or recovery key) or the wrapped key is damaged."""


class SealBroken(Exception):
    """A sealed message was made under another key or context, or was changed since it was sealed."""


def random_key() -> bytes:
    """A fresh random 256-bit key from the OS CSPRNG."""
    return os.urandom(DATA_KEY_BYTES)


def derive_key(secret: str, salt: bytes, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    """scrypt(secret, salt) -> 32-byte key-encryption key."""
    return Scrypt(salt=salt, length=DATA_KEY_BYTES, n=n, r=r, p=p).derive(secret.encode("utf-8"))


def wrap_key(kek: bytes, key: bytes) -> bytes:
    """AES key wrap (RFC 3394) of ``key`` under ``kek``."""
    return aes_key_wrap(kek, key)


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    """Unwrap; raises UnwrapFailed (without any key material in the message) when ``kek`` is wrong."""
    try:
        return aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        raise UnwrapFailed("the key could not be unwrapped") from None


def new_recovery_key() -> str:
    """A printable recovery key: 32 random bytes as base32 in groups of 4 (e.g. ABCD-EFGH-...)."""
    raw = base64.b32encode(os.urandom(DATA_KEY_BYTES)).decode("ascii").rstrip("=")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_key(text: str) -> str:
    """Accept the recovery key typed with any case, spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def new_token() -> str:
    """A random URL-safe secret (device credentials, enrolment codes)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 digest under which a token is stored (tokens are high-entropy, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def new_signing_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private raw bytes, public raw bytes)."""
    private = Ed25519PrivateKey.generate()
    return (private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption()),
            private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def sign(private_raw: bytes, message: bytes) -> str:
    """Ed25519 signature of ``message``, base64."""
    return base64.b64encode(Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)).decode("ascii")


def verify(public_raw: bytes, message: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` is a valid Ed25519 signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True


NONCE_BYTES = 12


def subkey(key: bytes, purpose: str, salt: bytes = b"") -> bytes:
    """A 256-bit key for one ``purpose`` derived from ``key`` (HKDF-SHA256): one secret, separate uses."""
    return HKDF(algorithm=hashes.SHA256(), length=DATA_KEY_BYTES, salt=salt or None,
                info=purpose.encode("utf-8")).derive(key)


def seal(key: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    """AES-256-GCM: a random 12-byte nonce followed by the ciphertext and its tag; ``context`` is
    authenticated too (binds the message to where it belongs, e.g. its position in a journal)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def unseal(key: bytes, sealed: bytes, context: bytes = b"") -> bytes:
    """The plaintext of ``seal``; raises SealBroken for a wrong key or context or a changed message."""
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        raise SealBroken("the message cannot be opened with this key") from None


def passphrase_seal(passphrase: str, plaintext: bytes, context: bytes = b"") -> bytes:
    """``seal`` under scrypt(passphrase) with a fresh salt (16 bytes, stored in front)."""
    salt = os.urandom(16)
    return salt + seal(derive_key(passphrase, salt), plaintext, context)


def passphrase_unseal(passphrase: str, sealed: bytes, context: bytes = b"") -> bytes:
    """The plaintext of ``passphrase_seal``; raises SealBroken for a wrong passphrase or a changed message."""
    return unseal(derive_key(passphrase, sealed[:16]), sealed[16:], context)
