"""The staff password rule: at least 12 characters, not a common or easily guessed password.

The guessability check is zxcvbn (its ranked list of 30 000 common passwords, English
words and names, keyboard patterns, repeats and sequences); a password must reach
score 3 of 4 ("safely unguessable": about 10^8 guesses or more). The account's own
name and display name count as known words. Pure Python: the server and any client
apply the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import WeakPassword

MIN_LENGTH = 12
MIN_SCORE = 3
MAX_LENGTH = 256            # zxcvbn's matching cost grows with length; nobody types more


def check_password(password: str, *, known_words: Iterable[str] = ()) -> None:
    """Raise WeakPassword naming the reason unless ``password`` may be used for a staff account."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password: a password has at least {MIN_LENGTH} characters; this one has "
                           f"{len(password)}. A few unrelated words make a long password easy to remember.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password: a password has at most {MAX_LENGTH} characters; this one has "
                           f"{len(password)}.")
    # imported here: its word lists are ~12 MB of every server process, needed only when a password is set
    from zxcvbn import zxcvbn

    result = zxcvbn(password, user_inputs=[w for w in known_words if w])
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        why = feedback.get("warning") or "It is too easy to guess."
        hints = " ".join(feedback.get("suggestions") or ())
        raise WeakPassword(f"password: a common or easily guessed password is not accepted. {why} "
                           f"{hints} Choose another one.".replace("  ", " "),
                           details={"field": "password", "rule": f"zxcvbn score >= {MIN_SCORE}",
                                    "score": result["score"]})
