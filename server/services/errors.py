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


class SigningKeyProblem(TrialproError):
    """The signing key file is missing, unreadable, readable by others, or not the key this database knows."""

    code = "server.signing_key"
    status = 500
    title = "Signing key problem"


class WitnessInvalid(TrialproError):
    """A witness file (a kiosk's copy of a signed chain head) cannot be read."""

    code = "audit.witness_invalid"
    status = 422
    title = "Witness file not readable"


class JobNotFound(TrialproError):
    """No background job with this id is visible to the viewer."""

    code = "job.not_found"
    status = 404
    title = "Job not found"


class JobNotReady(TrialproError):
    """The job has not finished (or failed), so there is nothing to download yet."""

    code = "job.not_ready"
    status = 409
    title = "Job not finished"


class RunnerBusy(TrialproError):
    """Another job runner already works for this database."""

    code = "worker.already_running"
    status = 409
    title = "A worker already runs"
