"""Code both the kiosk client and the server import: study, instruments, validation, sync wire format.

Pure Python: no Qt, Flask, database driver or HTTP library may be imported here
(tests/unit/test_shared_is_pure.py enforces it).
"""
