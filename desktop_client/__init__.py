"""The kiosk/nurse desktop client: encrypted offline store, services, sync engine and PySide6 UI."""
