"""Setting up a new kiosk from its own screens (no Qt): check the server address, enrol, run the first sync.

The set-up screen calls ``server_address`` and ``enrolment_code.parse`` on the UI thread (instant, no network),
then ``check_server`` and ``enrol_and_sync`` in a worker. The first sync brings the site's staff accounts, so
staff can sign in as soon as it ends. Every failure is a ``TrialproError`` whose class says which field is wrong
(``ServerUrlInvalid`` / ``ServerUnreachable``: the address; ``EnrolmentCodeInvalid``, ``TooManyEnrolmentAttempts``,
``RecordInvalid`` of the code: the code), so the screen words it in its own language beside that field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine, SyncReport, SyncSettings
from shared.errors import ServerUnreachable, ServerUrlInvalid
from shared.sync.protocol import check_same_study

# Set-up waits less than an end-of-day sync: staff are at the screen, and a wrong address should say so at once.
SETUP_SYNC = SyncSettings(attempts=3, timeout_seconds=15.0, backoff_max_seconds=2.0)
CHECKING, ENROLLING, SYNCING = "checking", "enrolling", "syncing"   # steps reported to the screen


@dataclass(frozen=True)
class SetupResult:
    device_id: str
    site_id: str
    staff_accounts: int       # how many staff accounts the first sync brought (who can sign in now)
    report: SyncReport


def server_address(text: str) -> str:
    """The typed server address as the engine uses it (no trailing slash). Raises ServerUrlInvalid."""
    value = (text or "").strip().rstrip("/")
    if not value:
        raise ServerUrlInvalid("Type the server address, e.g. https://trialpro.example.org.",
                               details={"field": "server_url", "value": text})
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
        raise ServerUrlInvalid(f"{value!r} is not a server address: it starts with http:// or https:// and a "
                               "host name, e.g. https://trialpro.example.org.",
                               details={"field": "server_url", "value": text})
    return value


def check_server(url: str, station: Station, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
    """A trialpro server of this station's study answers at ``url`` (before the one-time code is spent).

    Raises ServerUnreachable (nothing answers), ServerUrlInvalid (something else answers) or StudyMismatch
    (another study: the screen says so before the code is used).
    """
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            resp = client.get(f"{url}/healthz")
    except httpx.HTTPError as exc:
        raise ServerUnreachable(f"Could not reach the server at {url} ({exc.__class__.__name__}: {exc}).",
                                details={"server_url": url}) from None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code != 200 or not isinstance(body, dict) or "study" not in body:
        raise ServerUrlInvalid(f"Something answers at {url}, but it is not a trialpro server (HTTP "
                               f"{resp.status_code}): check the address.", details={"field": "server_url",
                                                                                     "value": url})
    study = station.study.study
    check_same_study(study.id, study.version, server_id=str(body["study"]),
                     server_version=str(body.get("study_version") or study.version), step="enrolment")


def enrol_and_sync(station: Station, url: str, code: str, label: str, *,
                   settings: SyncSettings = SETUP_SYNC, step: Callable[[str], None] | None = None,
                   transport: httpx.BaseTransport | None = None) -> SetupResult:
    """Enrol ``station`` with ``code`` at ``url`` (unless it already is) and run its first sync.

    Safe to call again after any failure: an enrolled station is not enrolled twice, and the sync is the
    ordinary, idempotent one. Raises the errors of ``check_server``, ``SyncEngine.enrol`` and ``sync``.
    """
    report = step or (lambda _s: None)
    enrolled = station.has_credential
    engine = SyncEngine(station, (station.server_url or url) if enrolled else url, settings_=settings,
                        transport=transport)
    try:
        if not enrolled:
            report(CHECKING)
            check_server(url, station, transport=transport)
            report(ENROLLING)
            engine.enrol(code, label)
        report(SYNCING)
        synced = engine.sync()
    finally:
        engine.close()
    staff = station.store.query("SELECT count(*) AS n FROM staff WHERE disabled = 0")[0]["n"]
    return SetupResult(device_id=station.device_id, site_id=station.site_id, staff_accounts=int(staff),
                       report=synced)

