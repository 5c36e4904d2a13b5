"""Kiosk enrolment codes a person can read aloud and type: Crockford base32, ``XXXX-XXXX-XXXX-XXXX``.

One set of rules for both sides: the server makes and checks codes with it, the kiosk set-up screen and
``trialpro-client simulate --enrol-code`` read what was typed with it. 16 symbols of 5 bits = 80 random bits
(``secrets``). Typing is forgiving: any case, spaces or dashes anywhere, and Crockford's aliases (I and L read
as 1, O as 0). A code never starts with ``-`` (a command line would read it as an option).
"""

from __future__ import annotations

import secrets

from shared.errors import FieldProblem, RecordInvalid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
GROUPS = 4
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE
BITS = LENGTH * 5
ALIASES = {"I": "1", "L": "1", "O": "0"}
SEPARATORS = frozenset("- \t")
SHAPE = "XXXX-XXXX-XXXX-XXXX"
ALLOWED = (f"{LENGTH} symbols of 0-9 and A-Z without U ({SHAPE}; any case, dashes and spaces ignored, "
           "I/L read as 1, O as 0)")


def new_code() -> str:
    """A fresh random code in its printed shape, e.g. ``7K3M-Q9TD-X2WB-HN4R``."""
    return shape("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def shape(symbols: str) -> str:
    """Sixteen canonical symbols in groups of four separated by dashes."""
    return "-".join(symbols[i:i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def parse(text: object) -> str:
    """The canonical printed form of a typed code; raises RecordInvalid naming the field, value and rule."""
    if not isinstance(text, str) or len(text) > 64:
        raise _refused(text, "it is not a code")
    symbols = []
    for ch in text.strip().upper():
        if ch in SEPARATORS:
            continue
        ch = ALIASES.get(ch, ch)
        if ch not in ALPHABET:
            raise _refused(text, f"{ch!r} is not a symbol of a code")
        symbols.append(ch)
    if len(symbols) != LENGTH:
        raise _refused(text, f"it has {len(symbols)} symbols, not {LENGTH}")
    return shape("".join(symbols))


def _refused(value: object, why: str) -> RecordInvalid:
    shown = value if isinstance(value, str) and len(value) <= 64 else "(not a short text)"
    return RecordInvalid([FieldProblem(field="code", value=shown, allowed=ALLOWED,
                                       message=f"code: {shown!r} is not an enrolment code ({why}); allowed: "
                                               f"{ALLOWED}. Copy it from `trialpro-server device code`.")],
                         context="enrolment code")
