"""Queries for the server's own key pairs, one per purpose (the Ed25519 signing key)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from server.storage.tables import server_keys


def key_pair(conn: Connection, purpose: str) -> tuple[bytes, bytes] | None:
    """(private, public) key stored for ``purpose``, or None."""
    row = conn.execute(select(server_keys.c.private_key, server_keys.c.public_key)
                       .where(server_keys.c.purpose == purpose)).first()
    return None if row is None else (bytes(row.private_key), bytes(row.public_key))


def add_key_pair(conn: Connection, purpose: str, private: bytes, public: bytes, created_at: str) -> None:
    """Store the key pair for ``purpose`` (once: a second one raises IntegrityError)."""
    conn.execute(insert(server_keys).values(purpose=purpose, private_key=private, public_key=public,
                                            created_at=created_at))


def delete_key_pair(conn: Connection, purpose: str) -> None:
    """Remove the key pair of ``purpose`` (the signing key, once it was moved into its file)."""
    conn.execute(delete(server_keys).where(server_keys.c.purpose == purpose))
