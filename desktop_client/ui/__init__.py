"""PySide6 widgets only: screens call client services, never SQL. Nothing happens at import time."""
