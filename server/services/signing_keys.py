"""The server's Ed25519 signing key, kept in a file outside the database.

Whoever holds only the database (a copy, a backup, a DBA) must not be able to
sign: else a rewritten audit chain could be re-signed and pass ``audit verify``.
So the private key is a 0600 PEM file ``DATA_DIR/keys/audit-signing.key``
(folder 0700), or the file named by ``TRIALPRO_SIGNING_KEY_FILE``; the public
key is written beside it as ``DATA_DIR/keys/audit-signing.pub`` and is what
``audit verify`` trusts. The same key signs allocation lists, so kiosks enrolled
before keep verifying them. A key found in the database (servers before this
version kept it in ``server_keys``) is moved into the file and deleted there.

The key file's path travels with the database engine as an execution option
(``engine_with_key``), so any connection can sign without a global.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine

from server.private_files import write_once
from server.storage.engine import writing
from server.storage.keys import delete_key_pair, key_pair
from server.storage.settings import add_setting, setting
from shared.crypto import new_signing_key
from shared.errors import SigningKeyProblem

KEY_DIR = "keys"
PRIVATE_FILE = "audit-signing.key"
PUBLIC_FILE = "audit-signing.pub"
KEY_FILE_ENV = "TRIALPRO_SIGNING_KEY_FILE"
KEY_FILE_OPTION = "trialpro_signing_key_file"
PUBLIC_KEY_SETTING = "signing_public_key"  # public only: lets a second host see that it holds another key
LEGACY_PURPOSE = "signing"


@dataclass(frozen=True)
class SigningKey:
    """The key pair as raw bytes (what shared.crypto signs and verifies with)."""

    private: bytes
    public: bytes

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public).decode("ascii")


def private_path(data_dir: Path) -> Path:
    """Where the private key lives: TRIALPRO_SIGNING_KEY_FILE, else DATA_DIR/keys/audit-signing.key."""
    env = os.environ.get(KEY_FILE_ENV)
    return Path(env) if env else Path(data_dir) / KEY_DIR / PRIVATE_FILE


def public_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_DIR / PUBLIC_FILE


def _pem_private(raw: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(raw).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _pem_public(raw: bytes) -> bytes:
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def read_private(path: Path) -> SigningKey:
    """Load the private key file; raises SigningKeyProblem when it is missing, open to others or not Ed25519."""
    try:
        mode = path.stat().st_mode & 0o777
        pem = path.read_bytes()
    except OSError as exc:
        raise SigningKeyProblem(f"The signing key {path} cannot be read ({exc.strerror}). Restore it from the "
                                f"backup or point {KEY_FILE_ENV} at it.", details={"path": str(path)}) from exc
    if mode & 0o077:
        raise SigningKeyProblem(f"The signing key {path} is readable by others (mode {mode:04o}): run "
                                f"`chmod 600 {path}` and check who copied it.", details={"path": str(path)})
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as exc:
        raise SigningKeyProblem(f"{path} is not a PEM private key: restore the key file from the backup.",
                                details={"path": str(path)}) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyProblem(f"{path} is not an Ed25519 key: restore the key file from the backup.",
                                details={"path": str(path)})
    return SigningKey(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption()),
                      key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def read_public(data_dir: Path) -> bytes | None:
    """The trusted public key (raw) from DATA_DIR/keys/audit-signing.pub, or None when there is no such file."""
    path = public_path(data_dir)
    if not path.exists():
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyProblem(f"{path} is not an Ed25519 public key.", details={"path": str(path)})
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ensure_key(engine: Engine, data_dir: Path) -> SigningKey:
    """Make sure the key file exists (moving a key found in the database out of it), and return the key.

    Raises SigningKeyProblem when the database already knows another public key (a second host started
    without a copy of the first host's key file).
    """
    path = private_path(data_dir)
    with writing(engine) as conn:
        legacy = key_pair(conn, LEGACY_PURPOSE)
        known = setting(conn, PUBLIC_KEY_SETTING)
        if not path.exists():
            if legacy is None and known is not None:
                raise SigningKeyProblem(f"The signing key file {path} is missing, but this database was signed "
                                        f"with a key: restore the key file from the backup (or set {KEY_FILE_ENV} "
                                        "to where it is). Nothing was changed.",
                                        details={"path": str(path), "expected_public_key": known})
            raw = legacy[0] if legacy is not None else new_signing_key()[0]
            write_once(path, _pem_private(raw), 0o600)
        key = read_private(path)
        if legacy is not None and legacy[1] != key.public:
            raise SigningKeyProblem(f"The database holds a signing key that is not the one in {path}: move the "
                                    "right key file in place (nothing was changed).", details={"path": str(path)})
        if known is not None and known != key.public_b64:
            raise SigningKeyProblem(f"{path} is not the signing key this database was signed with: copy the key "
                                    f"file of the first server (or set {KEY_FILE_ENV}).",
                                    details={"path": str(path), "expected_public_key": known})
        if known is None:
            add_setting(conn, PUBLIC_KEY_SETTING, key.public_b64)
        if legacy is not None:  # the file is written and read back: the database copy can go
            delete_key_pair(conn, LEGACY_PURPOSE)
    write_once(public_path(data_dir), _pem_public(key.public), 0o600)
    return key


def engine_with_key(engine: Engine, data_dir: Path) -> Engine:
    """``engine`` whose connections know where the signing key file is (see ``key_for``)."""
    ensure_key(engine, data_dir)
    return engine.execution_options(**{KEY_FILE_OPTION: str(private_path(data_dir))})


def key_for(conn: Connection) -> SigningKey:
    """The signing key of the engine ``conn`` came from; raises SigningKeyProblem when it has none."""
    path = conn.get_execution_options().get(KEY_FILE_OPTION)
    if not path:
        raise SigningKeyProblem("This database connection was opened without a signing key: open it with "
                                "server.app.open_context().")
    return read_private(Path(path))
