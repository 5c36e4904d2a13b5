"""The instruments as Python modules, exactly as they were before they became data files (issue 12).

Kept only as the oracle of tests/unit/test_instrument_files.py: the data files must score every answer
byte for byte as these modules did, and carry the same items and texts.
"""

from tests.unit.legacy_instruments.dosing_diary import DOSING_DIARY
from tests.unit.legacy_instruments.essdai import ESSDAI
from tests.unit.legacy_instruments.esspri import ESSPRI
from tests.unit.legacy_instruments.patient_global_vas import PATIENT_GLOBAL_VAS
from tests.unit.legacy_instruments.physician_global_vas import PHYSICIAN_GLOBAL_VAS
from tests.unit.legacy_instruments.symptom_checklist import SYMPTOM_CHECKLIST

LEGACY = (PATIENT_GLOBAL_VAS, ESSPRI, SYMPTOM_CHECKLIST, DOSING_DIARY, ESSDAI, PHYSICIAN_GLOBAL_VAS)
