"""The extra criteria checked before randomisation, from the participant's records (the extension point).

Each entry is a ``shared.criteria.RecordCheck``: ``check(study, records, on) -> list[Failure]``. The kiosk
(before revealing an allocation) and the server (before storing a randomisation) both run every one, after
the screening criteria and the score of the eligibility visit (``shared.eligibility.assess_randomisation``).
Add a rule module's check here with one line.
"""

from __future__ import annotations

from shared.conmed import medication_check
from shared.criteria import RecordCheck
from shared.pregnancy import pregnancy_check

RANDOMISATION_CHECKS: tuple[RecordCheck, ...] = (
    medication_check,      # issue 18: exclusion from ATC classes + look-back before screening
    pregnancy_check,       # issue 18: negative pregnancy test within the window before the first dose
)
