"""What a failed eligibility criterion looks like, and the shape of an extra criterion check.

A leaf module: the rule modules that add criteria checked at randomisation (concomitant medication,
pregnancy test, ...) import only this, and ``shared/eligibility_checks.py`` lists them, so no import
circle forms between them and ``shared/eligibility.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from shared.study.model import Study


@dataclass(frozen=True)
class Failure:
    """One criterion a participant does not meet: the reason in plain English words, and the same as a stable
    ``code`` with its ``params`` (numbers, names) so a screen words it in its own language (docs/errors.md)."""

    criterion_id: str
    text: str
    reason: str
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


class RecordCheck(Protocol):
    """An extra criterion checked before randomisation from the participant's records.

    ``records`` are the newest revisions of every record of the participant (envelopes as in
    ``shared/records.py``), ``on`` the day of randomisation. Returns the failures (empty: met).
    """

    def __call__(self, study: Study, records: Sequence[Mapping[str, Any]], on: date) -> list[Failure]: ...
