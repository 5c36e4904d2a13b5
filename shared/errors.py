"""The one catalogue of user-facing problems: every error code is defined here, once.

Every refusal the system makes is a ``TrialproError`` with a stable dotted ``code``, its HTTP ``status`` and a
``title`` (the English message template a screen shows as the heading; translations key on the code), plus a
message that tells the user what to do next and structured details. Defining a class registers its code in
``CATALOGUE``; a second class with the same code is refused at import. The server turns them into RFC 9457
problem details (server/api/errors.py); the client shows the message next to the field or in a dialog.
``docs/errors.md`` lists every code (tests/unit/test_error_catalogue.py keeps both true).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldProblem:
    """One refused field: which field, what value was given, and what is allowed.

    ``message`` is English; ``code`` (a stable dotted rule code, listed in docs/errors.md) and ``params`` say
    the same for a screen that words it in its own language. A problem without a code shows ``message``.
    """

    field: str
    value: Any
    allowed: str
    message: str
    code: str = ""
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {"field": self.field, "value": _jsonable(self.value), "allowed": self.allowed,
               "message": self.message}
        if self.code:
            out.update(code=self.code, params=_jsonable(dict(self.params)))
        return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


@dataclass(frozen=True)
class ProblemType:
    """One catalogue entry: stable dotted code, HTTP status, title (message template), what it means."""

    code: str
    status: int
    title: str
    meaning: str


CATALOGUE: dict[str, ProblemType] = {}


def _register(entry: ProblemType) -> None:
    known = CATALOGUE.get(entry.code)
    if known is not None and known != entry:
        raise TypeError(f"error code {entry.code!r} is defined twice: {known.title!r} and {entry.title!r}")
    CATALOGUE[entry.code] = entry


def _meaning(cls: type) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


class TrialproError(Exception):
    """Base of every error a user may see. ``code`` is stable; ``status`` is the HTTP status."""

    code: ClassVar[str] = "trialpro.error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Request refused"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} needs its own code: every error class is one catalogue entry")
        _register(ProblemType(cls.code, cls.status, cls.title, _meaning(cls)))

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


_register(ProblemType(TrialproError.code, TrialproError.status, TrialproError.title, _meaning(TrialproError)))


# --- records, study, instruments, enrolment -------------------------------------------------------------------

class RecordInvalid(TrialproError):
    """A record or answer set broke one or more rules; ``problems`` lists every broken field."""

    code = "record.invalid"
    status = 422
    title = "Record refused"
    rule = "every field of the record holds what docs/sync-protocol.md and the study file allow"

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


class StudyMismatch(TrialproError):
    """A kiosk runs another study (or study version) than the server holds; nothing was enrolled or stored."""

    code = "study.mismatch"
    status = 409
    title = "Study mismatch"


class StudyFolderMismatch(TrialproError):
    """A data folder holds one study and a command was given another study file (or another version)."""

    code = "study.data_folder_mismatch"
    status = 409
    title = "Data folder holds another study"


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


class LabImportRefused(TrialproError):
    """A lab file was refused; ``problems`` names every bad row, field, value and what is allowed."""

    code = "lab.import_invalid"
    status = 422
    title = "Lab file refused"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(p.message for p in self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        super().__init__(f"The lab file was not imported (nothing was stored): {shown}{more}",
                         details={"problems": [p.as_dict() for p in self.problems]})


class CorrectionRaced(TrialproError):
    """Someone else stored the same revision of the record at the same moment."""

    code = "correction.raced"
    status = 409
    title = "Record changed meanwhile"


# --- sync protocol and devices ----------------------------------------------------------------------------------

class SyncRequestInvalid(TrialproError):
    """The sync request as a whole is malformed (individual bad records are reported per record)."""

    code = "sync.request_invalid"
    status = 400
    title = "Sync request invalid"


class ProtocolMismatch(TrialproError):
    """The kiosk speaks a protocol version this server does not."""

    code = "sync.protocol_version"
    status = 409
    title = "Sync protocol version not supported"


class SyncOutcomeUnknown(TrialproError):
    """A bug: the store gave a revision an outcome the sync answer does not know; nothing of the batch was stored."""

    code = "sync.outcome_unknown"
    status = 500
    title = "Sync batch not stored"


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


class TooManyEnrolmentAttempts(TrialproError):
    """Too many failed kiosk enrolments from one client address, or with one code, in a short time."""

    code = "device.enrolment_rate_limited"
    status = 429
    title = "Too many enrolment attempts"


# --- requests, sign-in and roles (server) ---------------------------------------------------------------------

class NotAuthenticated(TrialproError):
    """No valid credential was presented."""

    code = "auth.required"
    status = 401
    title = "Authentication required"


class SignInRefused(TrialproError):
    """Wrong user name or password, or a locked or disabled account (deliberately not saying which)."""

    code = "auth.sign_in_refused"
    status = 401
    title = "Sign-in refused"


class TooManyAttempts(TrialproError):
    """Too many failed sign-ins from this client address in a short time."""

    code = "auth.rate_limited"
    status = 429
    title = "Too many sign-in attempts"


class Forbidden(TrialproError):
    """Signed in, but this role may not do this."""

    code = "auth.forbidden"
    status = 403
    title = "Not allowed"


class WeakPassword(TrialproError):
    """A new staff password is too short or too easy to guess; the message says why and what to do."""

    code = "auth.weak_password"
    status = 400
    title = "Password not accepted"


class CsrfRefused(TrialproError):
    """A form or admin API call came without the session's CSRF token."""

    code = "auth.csrf"
    status = 400
    title = "Form expired"


class NotFound(TrialproError):
    """The thing asked for does not exist."""

    code = "not_found"  # undotted, but clients already see it: kept as it is
    status = 404
    title = "Not found"


class InvalidInput(TrialproError):
    """A request parameter is missing or malformed."""

    code = "input.invalid"
    status = 400
    title = "Invalid input"


class UnsupportedContentType(InvalidInput):
    """The request body is not sent as ``Content-Type: application/json``."""

    code = "input.content_type"
    status = 415
    title = "Unsupported content type"


class ExportRefused(TrialproError):
    """An export request named an unknown format or site, or a bad date range."""

    code = "export.invalid"
    status = 422
    title = "Export refused"


class ExportCharacterNotXml(TrialproError):
    """A stored value holds a character XML 1.0 cannot carry (a control character): correct it, then export."""

    code = "export.character_not_xml"
    status = 422
    title = "A value cannot be written as XML"


class XportLimit(TrialproError, ValueError):
    """A name, label or value does not fit the SAS XPORT version 5 transport format."""

    code = "export.xport_limit"
    status = 422
    title = "Value does not fit SAS XPORT"


class DatabaseBusy(TrialproError):
    """The database could not complete the request (lock timeout, racing retries, restart); nothing was stored."""

    code = "server.database_busy"
    status = 503
    title = "Database busy"


class ServerUnexpected(TrialproError):
    """A bug: the server could not complete the request and stored nothing from it."""

    code = "server.unexpected"
    status = 500
    title = "Unexpected server error"


# --- installation and configuration ------------------------------------------------------------------------------

# Python package -> the extra of setup.cfg that installs it (the optional parts of trialpro).
OPTIONAL_PARTS = {"lxml": "exports", "odmlib": "exports", "matplotlib": "exports", "pyreadstat": "exports",
                  "pandas": "exports", "fhir": "exports", "xlsxwriter": "exports", "fpdf": "exports",
                  "PySide6": "client", "shiboken6": "client", "gunicorn": "server", "segno": "server"}


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


class ConfigInvalid(TrialproError):
    """A configuration value (setting or environment variable) cannot be used."""

    code = "config.invalid"
    title = "Configuration invalid"


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


# --- signing keys, audit witnesses, background jobs (server) ------------------------------------------------------

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


# --- kiosk (desktop client): shown on the station's screens, never sent over HTTP ---------------------------------

class StoreError(TrialproError):
    """The station's encrypted store refused an operation."""

    code = "store.error"


class WrongPassphrase(StoreError):
    """The passphrase (or recovery key) does not unlock this station's data key."""

    code = "store.wrong_passphrase"
    title = "Wrong passphrase"


class StoreUnreadable(StoreError):
    """The database cannot be opened: wrong key, or a damaged or truncated file."""

    code = "store.unreadable"
    title = "Station database cannot be opened"


class StoreTooNew(StoreError):
    """The database was written by a newer version of trialpro."""

    code = "store.too_new"
    title = "Station database is from a newer version"


class StoreWriteFailed(StoreError):
    """A save could not be written (disk full, read-only disk, I/O error); nothing of it was kept."""

    code = "store.write_failed"
    title = "Could not save"


class NotSetUp(StoreError):
    """The data directory holds no station yet."""

    code = "store.not_set_up"
    title = "Station not set up"


class RecordNotFound(StoreError):
    """No record with that id exists in this station."""

    code = "store.record_not_found"
    title = "Record not found"


class StationNotEnrolled(TrialproError):
    """The station has no device credential yet."""

    code = "station.not_enrolled"
    title = "Station not enrolled"


class SignInFailed(TrialproError):
    """Unknown user, wrong password or disabled account (one message for all: no account probing)."""

    code = "staff.sign_in_failed"
    status = 401
    title = "Sign-in failed"


class SyncFailed(TrialproError):
    """The server could not be reached or refused the sync; everything unsent stays in the outbox."""

    code = "sync.failed"
    title = "Sync did not complete"


class DeviceNotAuthorised(SyncFailed):
    """The server does not accept this station's credential (unknown or revoked)."""

    code = "sync.device_not_authorised"


class ServerUnreachable(SyncFailed):
    """No server answered at the station's server address (refused, timed out, unknown host); nothing was sent."""

    code = "sync.server_unreachable"
    title = "Server not reachable"


class ServerUrlInvalid(TrialproError):
    """The server address typed at station set-up is not an http(s) address of a trialpro server."""

    code = "station.server_url_invalid"
    title = "Server address not usable"


class MissingTranslations(TrialproError):
    """A compiled translation file is missing or unreadable (run desktop_client/ui/i18n/build.py)."""

    code = "client.translations_missing"
    title = "Translations missing"


class ReadAloudUnavailable(TrialproError):
    """The text-to-speech engine (espeak-ng) is not installed on this kiosk (run the set-up command)."""

    code = "client.read_aloud_unavailable"
    title = "Read aloud unavailable"


# --- HTTP errors the web framework raises itself (no route, wrong method, body too large, …) ----------------------

HTTP_TITLES: dict[int, str] = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required",
    412: "Precondition Failed", 413: "Request Entity Too Large", 414: "Request URI Too Long",
    415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable", 417: "Expectation Failed",
    418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
    424: "Failed Dependency", 428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}
HTTP_ADVICE: dict[int, str] = {
    400: "The request could not be read. Send a JSON body with Content-Type: application/json.",
    404: "There is nothing at this address. See /api/v1/openapi.json for the API.",
    405: "This address does not accept that method. See /api/v1/openapi.json.",
    413: "The request body is too large. Send smaller batches.",
    415: "Send the body as JSON with Content-Type: application/json.",
}


def http_code(status: int) -> str:
    """The catalogue code of an HTTP error the framework raised (``http.404``)."""
    return f"http.{status}"


for _status, _title in HTTP_TITLES.items():
    _register(ProblemType(http_code(_status), _status, _title,
                          HTTP_ADVICE.get(_status, f"The web framework answered {_status} {_title}.")))


class RecordUnprocessable(RecordInvalid):
    """The record is not a JSON object of bounded depth and size that the server can look into."""

    code = "record.unprocessable"
    title = "Record cannot be processed"
    rule = "a record is a JSON object at most 10 levels deep, with at most 10 000 values and 64 KiB of text"


class RecordCharacterNotXml(RecordInvalid):
    """A text of the record holds a control character XML 1.0 (and so the ODM export) cannot carry."""

    code = "record.character_not_xml"
    title = "Character no export can carry"
    rule = ("every text of a record holds characters XML 1.0 can carry: no control character but tab, line feed "
            "and carriage return, no U+FFFE or U+FFFF (shared/xml_text.py)")


class RecordHashMismatch(RecordInvalid):
    """The content hash sent with the record is not the hash of the record."""

    code = "record.hash_mismatch"
    title = "Content hash does not match"
    rule = "content_hash is the SHA-256 of the record's canonical JSON (RFC 8785)"


class RecordWrongDevice(RecordInvalid):
    """The record names another device than the one that sent it."""

    code = "record.wrong_device"
    title = "Record of another device"
    rule = "device_id is the device that sends the record"


class RecordWrongSite(RecordInvalid):
    """The record belongs to another site than the sending kiosk's."""

    code = "record.wrong_site"
    title = "Record of another site"
    rule = "a kiosk sends records of its own site only"


class RecordNotEnrolled(RecordInvalid):
    """The record is about a participant the server has not enrolled."""

    code = "record.not_enrolled"
    title = "Participant not enrolled"
    rule = "records of a participant follow the participant's enrolment"


class RecordEnrolmentRefused(RecordInvalid):
    """An enrolment does not match the site's signed allocation list, the kiosk's blocks or the ids used."""

    code = "record.enrolment_refused"
    title = "Enrolment refused"
    rule = ("an enrolment uses an unused allocation number of a block granted to the kiosk, with the arm of the "
            "signed list, under the participant id SITE-NNN; its arm and allocation number never change")


class RecordScreeningRefused(RecordInvalid):
    """A screening does not use a screening number granted to the kiosk, or its participant id is taken."""

    code = "record.screening_refused"
    title = "Screening refused"
    rule = ("a screening gives the participant id SITE-NNN from a screening number granted to the kiosk, "
            "never used before; every later record of that person names that id")


class RecordRandomisationRefused(RecordInvalid):
    """A randomisation does not match the signed list, the kiosk's blocks, or the participant's eligibility."""

    code = "record.randomisation_refused"
    title = "Randomisation refused"
    rule = ("a randomisation follows the participant's screening and a confirmed eligibility at the eligibility "
            "visit (its scored score and every criterion), and uses an unused number of a block granted to the "
            "kiosk with the arm of the signed list; its arm and number never change")


class RecordEnrolmentRetired(RecordInvalid):
    """A new one-step enrolment record: screening and randomisation are separate records now."""

    code = "record.enrolment_retired"
    title = "One-step enrolment no longer accepted"
    rule = ("a participant is screened (a screening record) and randomised later (a randomisation record); "
            "only corrections of enrolment records stored before are accepted")


class ScreeningNumberUnavailable(TrialproError):
    """The station holds no unused screening number (participant id) granted by the server."""

    code = "screening.no_number"
    status = 409
    title = "No screening number left"


class RecordIdentityChanged(RecordInvalid):
    """A later revision changes what the record is about."""

    code = "record.identity_changed"
    title = "Record identity changed"
    rule = ("a record's study, site, participant, kind, visit and instrument are fixed by its revision 1; "
            "a later revision keeps them")


class RecordRevisionNotNext(RecordInvalid):
    """A revision skips numbers or starts above 1."""

    code = "record.revision_not_next"
    title = "Revision out of order"
    rule = "a new record is revision 1; a correction is exactly the newest stored revision + 1"


class RecordEnteredByRefused(RecordInvalid):
    """``entered_by`` names nobody who may enter this record at this site."""

    code = "record.entered_by_refused"
    title = "Entered by someone who may not"
    rule = ("entered_by is 'participant' (participant-reported instruments only) or 'staff:<username>' of a "
            "staff account active at the record's site whose role may enter that kind of record")


class RecordTimeImplausible(RecordInvalid):
    """A time or date of the record cannot be true."""

    code = "record.time_implausible"
    title = "Implausible time"
    rule = ("times lie between the participant's consent (the study start before enrolment) and now plus the "
            "allowed clock skew; collected_at_local is the instant of collected_at at the site's UTC offset")


# --- signatures and locks (issue 19) ----------------------------------------------------------------------------

class ParticipantFrozen(RecordInvalid):
    """The participant is frozen by a data manager: no record of theirs changes until it is unfrozen."""

    code = "participant.frozen"
    status = 409
    title = "Participant frozen"
    rule = ("records of a frozen participant are not stored; a data manager unfreezes the participant with a "
            "reason (`trialpro-server unlock participant ID --reason TEXT`) first")


class StudyLocked(RecordInvalid):
    """The study database is locked: no record is stored until a data manager unlocks it."""

    code = "study.locked"
    status = 409
    title = "Study locked"
    rule = ("nothing is stored while the study is locked; a data manager unlocks it with a reason "
            "(`trialpro-server unlock study --reason TEXT`) first")
# --- queries and source data verification (issue 19) ---------------------------------------------------------------

class QueryStateRefused(TrialproError):
    """A step on a data query that its state does not allow (answer a closed query, re-open an open one)."""

    code = "query.state"
    status = 409
    title = "Query step not allowed"


class RecordQueryUnknown(RecordInvalid):
    """A kiosk's answer names a query the server does not hold for that participant."""

    code = "record.query_unknown"
    title = "Unknown query"
    rule = "a query_response answers a query the server sent to the kiosk for the same participant and site"


class RecordAlreadySubmitted(RecordInvalid):
    """The participant already has this instrument at this visit (or a disposition) under another record id."""

    code = "record.already_submitted"
    title = "Already submitted"
    rule = ("one record per participant, visit and instrument (unscheduled visits: any number), one disposition "
            "per participant; a change is a new revision of the existing record, with a reason")

    def __init__(self, problems: list[FieldProblem], *, existing_record_id: str) -> None:
        super().__init__(problems)
        self.existing_record_id = existing_record_id
        self.details["existing_record_id"] = existing_record_id


def rejection_codes() -> dict[str, str]:
    """Every code a ``rejected`` sync result may carry, with the rule it names (for the docs and OpenAPI)."""
    found: dict[str, str] = {}
    todo: list[type[RecordInvalid]] = [RecordInvalid]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.code, cls.rule)
        todo.extend(cls.__subclasses__())
    return dict(sorted(found.items()))


# --- signatures and locks (issue 19), server side -----------------------------------------------------------------

class SignatureRefused(TrialproError):
    """An e-signature cannot be made: nothing to sign, no printed name on record, or not the signer's to make."""

    code = "signature.refused"
    status = 422
    title = "Signature refused"


class SignatureCredentials(TrialproError):
    """The user id or password given to sign is not the signed-in account's; nothing was signed."""

    code = "signature.credentials"
    status = 403
    title = "Signature not confirmed"


class LockRefused(TrialproError):
    """A freeze, lock or unlock cannot be done: no reason, not frozen or locked, or the lock checklist is open."""

    code = "lock.refused"
    status = 409
    title = "Lock refused"


# --- adverse events: MedDRA dictionary, coding, SAE reports (issue 17) ---------------------------------------------

class MeddraFilesInvalid(TrialproError):
    """A MedDRA ASCII release was refused (a file missing, a line not in MedDRA's layout, a code that points
    nowhere); ``problems`` names file, line and field. Nothing was imported."""

    code = "meddra.files_invalid"
    status = 422
    title = "MedDRA files refused"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(p.message for p in self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        super().__init__(f"The MedDRA release was not imported (nothing was stored): {shown}{more}",
                         details={"problems": [p.as_dict() for p in self.problems]})


class CodingRefused(TrialproError):
    """An AE cannot be coded as asked: no dictionary imported, no such lowest level term, or not an AE."""

    code = "ae.coding_refused"
    status = 422
    title = "Coding refused"


class SaeReportRefused(TrialproError):
    """An SAE cannot be marked reported: not a serious AE, already marked, or the report time is not usable."""

    code = "sae.report_refused"
    status = 409
    title = "SAE report not marked"


class CausalityConfirmationRefused(TrialproError):
    """An AE's causality cannot be confirmed by the investigator: not an AE, or this revision is confirmed already."""

    code = "ae.causality_confirmation_refused"
    status = 409
    title = "Causality not confirmed"


# --- home diary on the participant's phone (issue 24) ----------------------------------------------------------

class AppActivationCodeInvalid(TrialproError):
    """The app activation code is unknown, already used or expired."""

    code = "app.activation_code_invalid"
    status = 403
    title = "Activation code not valid"


class TooManyAppActivations(TrialproError):
    """Too many failed app activations from one client address, or with one code, in a short time."""

    code = "app.activation_rate_limited"
    status = 429
    title = "Too many activation attempts"


class AppActivationRefused(TrialproError):
    """The participant may not keep a home diary now: not randomised, or no longer on study."""

    code = "app.activation_refused"
    status = 409
    title = "Home diary not available for this participant"


class AppParticipantMismatch(RecordInvalid):
    """A participant's app sent a record of another participant."""

    code = "app.participant_mismatch"
    title = "Record of another participant"
    rule = "a participant's app sends records of its own participant only"


class AppInstrumentNotHome(RecordInvalid):
    """A participant's app sent something other than a home diary entry of the study."""

    code = "app.instrument_not_home"
    title = "Not a home diary"
    rule = ("a participant's app sends instrument_response records of the study file's [home] diaries, at their "
            "version, with visit_id null")


class AppEnteredByRefused(RecordInvalid):
    """A participant's app sent a record entered by someone other than the participant."""

    code = "app.entered_by_not_participant"
    title = "Not entered by the participant"
    rule = "a record from a participant's app has entered_by 'participant'"


class AppParticipantWithdrawn(RecordInvalid):
    """The participant withdrew consent (disposition: withdrawal by subject): their app may send nothing more."""

    code = "app.participant_withdrawn"
    status = 403
    title = "Participant withdrew from the study"
    rule = ("once a participant's withdrawal by subject is recorded, the study takes no more entries from their app "
            "and the app gets no configuration")


class AppDiaryAfterStudyEnd(RecordInvalid):
    """A home entry is about a day after the participant completed or left the study."""

    code = "app.diary_after_study_end"
    title = "Diary day after the end of the study"
    rule = ("a home entry is about a day on or before the participant's disposition date (completed or "
            "discontinued)")


class HomeEntryNotFromApp(RecordInvalid):
    """A kiosk sent a home diary entry (visit_id null): those come from the participant's app only."""

    code = "app.home_entry_not_from_app"
    title = "Home entry from a kiosk"
    rule = "a home diary entry (an instrument_response with visit_id null) comes from the participant's app"


class AppCredentialRequired(TrialproError):
    """An app address was called without a phone credential the server knows (never activated, or erased)."""

    code = "app.credential_required"
    status = 401
    title = "Home diary not activated"


class AppActivationCodeMalformed(RecordInvalid):
    """What was sent as an activation code is not shaped like one (not counted as a failed activation)."""

    code = "app.activation_code_malformed"
    title = "Not an activation code"
    rule = "an activation code is 16 letters and digits (shared/enrolment_code.py), as the clinic printed it"


class AppRecordIdTaken(RecordInvalid):
    """A participant's app sent a record id the server holds for someone else; the refusal says nothing of it."""

    code = "app.record_id_taken"
    title = "Record id not this participant's"
    rule = ("a phone sends a new record id (a UUID made on the phone) or a revision of one of its own "
            "participant's entries")
