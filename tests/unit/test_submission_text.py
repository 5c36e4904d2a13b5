"""The stated rules for text a submission transport file cannot hold (server/exports/submission_text.py)."""

from __future__ import annotations

from server.exports.submission_text import PLACEHOLDER, ascii_text, split_text, supp_qnam


def test_ascii_is_kept_latin_and_typographic_text_is_transliterated_chinese_is_replaced() -> None:
    assert ascii_text("Headache") == ("Headache", None)
    assert ascii_text("Réaction “locale” – fièvre…") == ('Reaction "locale" - fievre...', "transliterated")
    assert ascii_text("ＡＢＣ１２３") == ("ABC123", "transliterated")         # full-width forms
    assert ascii_text("皮疹") == (PLACEHOLDER, "replaced")
    assert ascii_text("rash 皮疹") == (PLACEHOLDER, "replaced")
    assert PLACEHOLDER.isascii() and len(PLACEHOLDER) <= 40


def test_long_text_is_split_between_words_and_nothing_is_lost() -> None:
    words = " ".join(f"word{n}" for n in range(120))
    head, rest = split_text(words, 200)
    assert len(head) <= 200 and all(len(c) <= 200 for c in rest) and head + "".join(rest) == words
    assert not head.endswith(" ") and rest[0].startswith(" ")              # cut at a space
    solid = "x" * 450
    assert split_text(solid, 200) == ("x" * 200, ["x" * 200, "x" * 50])
    assert split_text("short", 200) == ("short", [])


def test_supp_qnam_stays_within_eight_characters() -> None:
    assert supp_qnam("AETERM", 1) == "AETERM1" and supp_qnam("QSORRESU", 2) == "QSORRES2"
