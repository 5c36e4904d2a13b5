"""Server-side problems (subclasses of the shared catalogue; mapped to problem details in server/api/errors.py)."""

from __future__ import annotations

from shared.errors import TrialproError


class NotAuthenticated(TrialproError):
    """No valid credential was presented."""

    code = "auth.required"
    status = 401
    title = "Authentication required"


class DeviceRevoked(TrialproError):
    """The device's credential was revoked by an admin."""

    code = "device.revoked"
    status = 403
    title = "Device revoked"


class EnrolmentCodeInvalid(TrialproError):
    """The enrolment code is unknown, used or expired."""

    code = "device.enrolment_code_invalid"
    status = 403
    title = "Enrolment code not valid"


class NotFound(TrialproError):
    """The thing asked for does not exist."""

    code = "not_found"
    status = 404
    title = "Not found"


class InvalidInput(TrialproError):
    """A request parameter is missing or malformed."""

    code = "input.invalid"
    status = 400
    title = "Invalid input"
