"""The only way the client touches its data: the encrypted station database and its key."""

from desktop_client.store.database import Store, create_store, open_or_create, open_store

__all__ = ["Store", "create_store", "open_or_create", "open_store"]
