"""The instruments this software defines, by id and version."""

from __future__ import annotations

from shared.errors import UnknownInstrument
from shared.instruments.dosing_diary import DOSING_DIARY
from shared.instruments.essdai import ESSDAI
from shared.instruments.esspri import ESSPRI
from shared.instruments.model import Choice, Instrument, Item, ResponseType, Text
from shared.instruments.patient_global_vas import PATIENT_GLOBAL_VAS
from shared.instruments.physician_global_vas import PHYSICIAN_GLOBAL_VAS
from shared.instruments.symptom_checklist import SYMPTOM_CHECKLIST

ALL_INSTRUMENTS: tuple[Instrument, ...] = (
    PATIENT_GLOBAL_VAS, ESSPRI, SYMPTOM_CHECKLIST, DOSING_DIARY, ESSDAI, PHYSICIAN_GLOBAL_VAS,
)
_BY_KEY = {(i.id, i.version): i for i in ALL_INSTRUMENTS}
_LATEST = {i.id: i for i in ALL_INSTRUMENTS}


def get_instrument(instrument_id: str, version: str | None = None) -> Instrument:
    """The instrument ``instrument_id`` at ``version`` (the current one when None).

    Raises UnknownInstrument naming what is defined.
    """
    if version is None:
        if instrument_id in _LATEST:
            return _LATEST[instrument_id]
    elif (instrument_id, version) in _BY_KEY:
        return _BY_KEY[(instrument_id, version)]
    known = ", ".join(f"{i.id} {i.version}" for i in ALL_INSTRUMENTS)
    raise UnknownInstrument(
        f"Instrument {instrument_id!r} version {version!r} is not defined; defined are: {known}.",
        details={"instrument_id": instrument_id, "version": version})


__all__ = ["ALL_INSTRUMENTS", "Choice", "Instrument", "Item", "ResponseType", "Text", "get_instrument"]
