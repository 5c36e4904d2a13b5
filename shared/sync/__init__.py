"""The sync wire format shared by the kiosk's sync engine and the server's sync API."""
