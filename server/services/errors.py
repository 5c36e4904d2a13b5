"""Server-side problems, kept importable here; each is defined once, in the catalogue ``shared/errors.py``."""

from __future__ import annotations

from shared.errors import (
    DeviceRevoked,
    EnrolmentCodeInvalid,
    InvalidInput,
    JobNotFound,
    JobNotReady,
    NotAuthenticated,
    NotFound,
    RunnerBusy,
    SigningKeyProblem,
    WitnessInvalid,
)

__all__ = ["DeviceRevoked", "EnrolmentCodeInvalid", "InvalidInput", "JobNotFound", "JobNotReady",
           "NotAuthenticated", "NotFound", "RunnerBusy", "SigningKeyProblem", "WitnessInvalid"]
