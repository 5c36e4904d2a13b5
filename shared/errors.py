"""The one catalogue of user-facing problems.

Every refusal the system makes is a ``TrialproError`` with a stable dotted code,
a message that tells the user what to do next, and structured details. The
server turns them into RFC 9457 problem details (server/api/errors.py); the
client shows the message in a dialog. Nothing else formats errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One refused field: which field, what value was given, and what is allowed."""

    field: str
    value: Any
    allowed: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": _jsonable(self.value), "allowed": self.allowed,
                "message": self.message}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


class TrialproError(Exception):
    """Base of every error a user may see. ``code`` is stable; ``status`` is the HTTP status."""

    code = "trialpro.error"
    status = 400
    title = "Request refused"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class RecordInvalid(TrialproError):
    """A record or answer set broke one or more rules; ``problems`` lists every broken field."""

    code = "record.invalid"
    status = 422
    title = "Record refused"

    def __init__(self, problems: list[FieldProblem], *, context: str = "record") -> None:
        self.problems = list(problems)
        lines = "; ".join(p.message for p in self.problems)
        super().__init__(f"The {context} was not accepted: {lines}",
                         details={"problems": [p.as_dict() for p in self.problems]})


class StudyFileError(TrialproError):
    """The study file cannot be used; the message names the field and what is wrong."""

    code = "study.file_invalid"
    title = "Study file invalid"


class InstrumentFileError(TrialproError):
    """An instrument data file cannot be used; the message names the file, the field and what is wrong."""

    code = "instrument.file_invalid"
    title = "Instrument file invalid"


class UnknownInstrument(TrialproError):
    """A record names an instrument (or version) this software does not define."""

    code = "instrument.unknown"
    status = 422
    title = "Unknown instrument"


class NotEligible(TrialproError):
    """A participant failed one or more eligibility criteria and cannot be enrolled."""

    code = "enrolment.not_eligible"
    status = 422
    title = "Participant not eligible"


class AllocationError(TrialproError):
    """The allocation list is missing, exhausted or its signature does not hold."""

    code = "randomisation.allocation"
    status = 409
    title = "Allocation unavailable"



class NoWitnessYet(TrialproError):
    """The kiosk holds no signed audit head yet (it has not synced since the server started signing)."""

    code = "witness.none_yet"
    status = 409
    title = "No signed head yet"

# Python package -> the extra of setup.cfg that installs it (the optional parts of trialpro).
OPTIONAL_PARTS = {"lxml": "exports", "odmlib": "exports", "matplotlib": "exports", "pyreadstat": "exports",
                  "pandas": "exports", "fhir": "exports", "xlsxwriter": "exports", "PySide6": "client",
                  "shiboken6": "client", "gunicorn": "server"}


class PartMissing(TrialproError):
    """An optional part of trialpro (a Python package of one of its extras) is not installed."""

    code = "install.part_missing"
    status = 503
    title = "Part not installed"

    @classmethod
    def for_module(cls, module: str | None, needed_for: str) -> PartMissing:
        """The problem for a failed import of ``module`` (a ModuleNotFoundError's ``name``)."""
        top = (module or "?").split(".")[0]
        extra = OPTIONAL_PARTS.get(top, "exports,server,client")
        return cls(f"{needed_for} needs the Python package {top!r}, which is not installed here: run "
                   f"`bash scripts/run-demo.sh` once (it installs every part) or `pip install 'trialpro[{extra}]'`.",
                   details={"module": top, "extra": extra})


def command_line_message(exc: BaseException) -> str | None:
    """One line for an error a user can fix (their input, the machine's set-up); None for a bug.

    The CLIs print this instead of a traceback.
    """
    if isinstance(exc, TrialproError):
        return exc.message
    if isinstance(exc, ModuleNotFoundError):
        return PartMissing.for_module(exc.name, "This command").message
    if isinstance(exc, OSError):
        where = f" {exc.filename!r}" if exc.filename else ""
        return (f"cannot use{where}: {exc.strerror or exc} (check the path, that the disk is there, "
                "and its permissions)")
    return None


class TooManyEnrolmentAttempts(TrialproError):
    """Too many failed kiosk enrolments from one client address, or with one code, in a short time."""

    code = "device.enrolment_rate_limited"
    status = 429
    title = "Too many enrolment attempts"


class ConfigInvalid(TrialproError):
    """A configuration value (setting or environment variable) cannot be used."""

    code = "config.invalid"
    title = "Configuration invalid"


class WeakPassword(TrialproError):
    """A new staff password is too short or too easy to guess; the message says why and what to do."""

    code = "auth.weak_password"
    status = 400
    title = "Password not accepted"


class BackupRefused(TrialproError):
    """A backup or restore cannot go ahead: bad archive, wrong passphrase, a target that is not empty."""

    code = "backup.refused"
    status = 400
    title = "Backup or restore refused"


class DatabaseCopyFailed(TrialproError):
    """pg_dump/psql are missing or failed, or the target database is not empty."""

    code = "backup.database"
    status = 500
    title = "Database copy failed"
