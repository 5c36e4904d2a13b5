"""The kiosk's sync engine: send the outbox in batches, retry with backoff, apply what comes back.

Safe to stop at any byte: a record leaves the outbox only when the server
acknowledged exactly that id and revision, and the server stores each id and
revision once, so a retry never loses or duplicates anything. Runs in whatever
thread calls it (the UI calls it from a worker thread, never the UI thread).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from desktop_client.services import queries
from desktop_client.services.station import Station
from desktop_client.store import home_entries as store_home_entries
from desktop_client.store import labs as store_labs
from desktop_client.store import outbox, witness
from desktop_client.store import site_state as store_site_state
from desktop_client.store import station as settings
from shared import enrolment_code, signed_head
from shared.errors import (
    DeviceNotAuthorised,
    EnrolmentCodeInvalid,
    ServerUnreachable,
    StudyMismatch,
    SyncFailed,
    TooManyEnrolmentAttempts,
    TrialproError,
)
from shared.randomisation import verified_entries
from shared.records import record_hash, utc_now
from shared.sync.protocol import ACKNOWLEDGED, CONFLICT, build_request, check_same_study

ALLOCATION_BLOCKS = "allocation_blocks"  # station setting: JSON list of the blocks whose entries are stored


class _Transient(Exception):
    """A failure worth retrying: network trouble, timeouts, 5xx, 429 (``network``: no server answered)."""

    def __init__(self, text: str, *, network: bool = False) -> None:
        super().__init__(text)
        self.network = network


@dataclass
class SyncProgress:
    """Progress for the caller: records sent and acknowledged so far, and how many were pending at start."""

    total: int
    sent: int = 0
    acknowledged: int = 0
    held: int = 0


@dataclass
class SyncReport:
    sent: int = 0
    acknowledged: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    corrections_applied: int = 0
    labs_received: int = 0          # lab-result revisions the server sent down (nurse mode shows them)
    state_received: int = 0         # summaries of the site's records (other kiosks' visits, AEs, scores)
    remaining: int = 0


@dataclass(frozen=True)
class SyncSettings:
    batch_size: int = 200
    attempts: int = 6
    timeout_seconds: float = 30.0
    backoff_max_seconds: float = 8.0
    backoff_multiplier: float = 0.25


def _refuse_other_study(resp: httpx.Response) -> None:
    """Raise StudyMismatch with the server's words when it answered that this kiosk runs another study."""
    try:
        body = resp.json()
    except ValueError:
        return
    if resp.status_code == StudyMismatch.status and isinstance(body, dict) and body.get("code") == StudyMismatch.code:
        raise StudyMismatch(str(body.get("detail") or "The server holds another study."))


def _problem_code(resp: httpx.Response) -> str | None:
    """The problem code of a refusal (``device.enrolment_code_invalid`` …), None when the body has none."""
    try:
        body = resp.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) and isinstance(body.get("code"), str) else None


# the server's refusals of an enrolment that a screen explains beside the code field, by their own class
_ENROLMENT_REFUSALS: dict[str | None, type[TrialproError]] = {
    EnrolmentCodeInvalid.code: EnrolmentCodeInvalid, TooManyEnrolmentAttempts.code: TooManyEnrolmentAttempts}


def _problem_text(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        return str(body.get("detail") or body)
    except ValueError:
        return f"HTTP {resp.status_code}"


class SyncEngine:
    """Talks to one server for one station.

    Thread-safe enough for a worker thread: it owns its HTTP client, and one lock lets only one
    enrolment or sync run at a time on this engine (a second caller waits for the first to finish).
    """

    def __init__(self, station: Station, server_url: str, *, settings_: SyncSettings | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.station = station
        self.server_url = server_url.rstrip("/")
        self.settings = settings_ or SyncSettings()
        self._client = httpx.Client(base_url=self.server_url, timeout=self.settings.timeout_seconds,
                                    transport=transport)
        self._busy = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # ---- HTTP with bounded retries --------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any], token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")

        def attempt() -> httpx.Response:
            try:
                resp = self._client.post(path, content=content,
                                         headers={**headers, "Content-Type": "application/json"})
            except httpx.HTTPError as exc:
                raise _Transient(f"{exc.__class__.__name__}: {exc}", network=True) from None
            if resp.status_code >= 500 or resp.status_code == 429:
                raise _Transient(f"server answered {resp.status_code}: {_problem_text(resp)}")
            try:
                resp.json()
            except ValueError:
                raise _Transient("the answer was cut off or is not JSON") from None
            return resp

        retrying = Retrying(stop=stop_after_attempt(self.settings.attempts), reraise=True,
                            wait=wait_exponential(multiplier=self.settings.backoff_multiplier,
                                                  max=self.settings.backoff_max_seconds),
                            retry=retry_if_exception_type(_Transient))
        try:
            return retrying(attempt)
        except _Transient as exc:
            if exc.network:   # a screen words this in its own language from the code (no "Errno 111")
                raise ServerUnreachable(f"Could not reach the server at {self.server_url} ({exc}). Everything is "
                                        "kept on this station; try again when the network is back.",
                                        details={"server_url": self.server_url}) from None
            raise SyncFailed(f"Could not reach the server at {self.server_url} ({exc}). Everything is kept "
                             "on this station; try again when the network is back.") from None

    # ---- enrolment ------------------------------------------------------------------------
    def enrol(self, code: str, label: str) -> str:
        """Exchange a one-time code for this station's credential; stores it and the allocation list."""
        with self._busy:
            return self._enrol(code, label)

    def _enrol(self, code: str, label: str) -> str:
        code = enrolment_code.parse(code)  # a typing slip is refused here, before any network round trip
        study = self.station.study.study
        resp = self._post("/api/v1/devices/enrol", {"code": code, "label": label, "study_id": study.id,
                                                    "study_version": study.version}, None)
        _refuse_other_study(resp)
        if resp.status_code != 201:
            refusal = _ENROLMENT_REFUSALS.get(_problem_code(resp), SyncFailed)
            raise refusal(f"Enrolment refused: {_problem_text(resp)}")
        body = resp.json()
        # a server of the first release does not compare: the kiosk refuses another study itself
        check_same_study(study.id, study.version, server_id=body.get("study_id", study.id),
                         server_version=body.get("study_version", study.version), step="enrolment")
        settings.put(self.station.store, {
            settings.DEVICE_ID: body["device_id"], settings.DEVICE_TOKEN: body["token"],
            settings.SITE_ID: body["site_id"], settings.SERVER_URL: self.server_url,
            settings.SERVER_PUBLIC_KEY: body["server_public_key"], settings.STUDY_VERSION: body["study_version"],
            settings.CORRECTIONS_CURSOR: "0"})
        with self.station.store.transaction() as conn:
            self._store_allocation(conn, body["allocation"])
            _store_screening_numbers(conn, body.get("screening_numbers", []))
            conn.execute("INSERT INTO audit (at, actor, action, new) VALUES (?, 'station', 'device.enrol', ?)",
                         (utc_now(), json.dumps({"device_id": body["device_id"], "site_id": body["site_id"]})))
        return body["device_id"]

    def _store_allocation(self, conn: Any, allocation: dict[str, Any]) -> None:
        """Keep the entries of the blocks granted to this kiosk, after checking the server's signature."""
        trusted = settings.get(self.station.store, settings.SERVER_PUBLIC_KEY) or ""
        blocks = set(allocation["blocks"])
        for signed in allocation["lists"]:
            list_id = signed["body"]["list_id"]
            for e in verified_entries(signed, trusted):
                if e["block"] in blocks:
                    conn.execute("INSERT OR IGNORE INTO allocation (list_id, number, arm) VALUES (?, ?, ?)",
                                 (list_id, e["number"], e["arm"]))
        for number in allocation.get("used_numbers", []):
            # used on the server (e.g. before this station was restored): never revealed again; the participant
            # it went to is not this station's business (the number is not their participant id)
            conn.execute("UPDATE allocation SET participant_id = ? WHERE number = ? AND participant_id IS NULL",
                         (f"used-on-server-{number}", number))

    # ---- home diary (issue 24) -------------------------------------------------------------
    def home_activation_code(self, participant_id: str, staff_username: str) -> dict[str, Any]:
        """A one-time activation code for the participant's phone, asked for the staff member signed in here
        (nurse mode; the server checks the account as it checks ``entered_by``): the server's answer
        ``{code, participant_id, site_id, expires_at, link}``. Needs the server online. Raises
        DeviceNotAuthorised, ServerUnreachable, or SyncFailed with the server's words for a refusal."""
        token = settings.get(self.station.store, settings.DEVICE_TOKEN)
        if token is None:
            raise DeviceNotAuthorised("This station is not enrolled: enter an enrolment code first.")
        resp = self._post("/api/v1/app/codes", {"participant_id": participant_id, "staff": staff_username}, token)
        if resp.status_code != 201:
            raise SyncFailed(f"No activation code: {_problem_text(resp)}", details={"code": _problem_code(resp)})
        return resp.json()

    # ---- sync -----------------------------------------------------------------------------
    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Send every pending record; apply downstream data. Raises SyncFailed / DeviceNotAuthorised.

        Safe to call again after any failure: what was acknowledged left the outbox, the rest is resent
        and the server acknowledges anything it already holds. ``progress`` is called after every batch
        (in the calling thread) with the records sent and acknowledged so far.
        """
        with self._busy:
            return self._sync(progress)

    def _held_blocks(self) -> list[int] | None:
        value = settings.get(self.station.store, ALLOCATION_BLOCKS)
        return None if value is None else [int(b) for b in json.loads(value)]

    def _sync(self, progress: Callable[[SyncProgress], None] | None) -> SyncReport:
        store = self.station.store
        token = settings.get(store, settings.DEVICE_TOKEN)
        if token is None:
            raise DeviceNotAuthorised("This station is not enrolled: enter an enrolment code first.")
        report = SyncReport()
        outbox.requeue_rejected(store)  # each refusal is sent once per sync, so a sync always ends
        state = SyncProgress(total=outbox.stats(store).pending)
        more = True  # the first exchange always happens: it brings the downstream data
        while True:
            batch = outbox.pending_batch(store, self.settings.batch_size)
            if not batch and not more:
                break
            cursor = int(settings.get(store, settings.CORRECTIONS_CURSOR) or 0)
            body = build_request(study_version=self.station.study.study.version, corrections_cursor=cursor,
                                 items=batch, allocation_blocks=self._held_blocks(),
                                 study_id=self.station.study.study.id,
                                 labs_cursor=int(settings.get(store, settings.LABS_CURSOR) or 0),
                                 state_cursor=int(settings.get(store, settings.STATE_CURSOR) or 0))
            resp = self._post("/api/v1/sync", body, token)
            _refuse_other_study(resp)
            if resp.status_code in (401, 403):
                raise DeviceNotAuthorised(f"The server refused this station: {_problem_text(resp)}")
            if resp.status_code != 200:
                raise SyncFailed(f"The server refused the sync: {_problem_text(resp)}")
            answer = resp.json()
            settled_before = report.acknowledged + len(report.conflicts) + len(report.rejected)
            self._apply_results(batch, answer["results"], report)
            more = self._apply_downstream(answer["downstream"], report)
            report.sent += len(batch)
            state.sent, state.acknowledged = report.sent, report.acknowledged
            state.held = len(report.conflicts) + len(report.rejected)
            if progress:
                progress(state)
            if batch and report.acknowledged + state.held == settled_before:
                raise SyncFailed("The server answered without settling any record of the batch; nothing was "
                                 "lost (everything stays in the outbox). Tell the data manager.")
        settings.put(store, {settings.LAST_SYNC_AT: utc_now()})
        report.remaining = outbox.stats(store).pending
        return report

    def _apply_results(self, batch: list[tuple[dict[str, Any], str]], results: list[dict[str, Any]],
                       report: SyncReport) -> None:
        sent = {(r["record_id"], r["revision"]) for r, _ in batch}
        acked: list[tuple[str, int]] = []
        held: list[tuple[str, int, str, str]] = []
        for res in results:
            key = (res.get("record_id"), res.get("revision"))
            if key not in sent:
                continue  # never act on an id we did not send
            if res.get("status") in ACKNOWLEDGED:
                acked.append(key)
            else:
                state = "conflict" if res.get("status") == CONFLICT else "rejected"
                held.append((key[0], key[1], state, str(res.get("reason"))))
                (report.conflicts if state == "conflict" else report.rejected).append(res)
        report.acknowledged += outbox.acknowledge(self.station.store, acked)
        outbox.hold(self.station.store, held)

    def _apply_downstream(self, down: dict[str, Any], report: SyncReport) -> bool:
        """Apply participants, staff, allocation and corrections in one transaction; True if more corrections wait."""
        store = self.station.store
        damaged = False
        trusted = settings.get(store, settings.SERVER_PUBLIC_KEY) or ""
        head = down.get("audit_head")
        with store.transaction() as conn:
            if head is not None and signed_head.holds(head, trusted):
                witness.keep_newer(conn, head, utc_now())  # a head not signed by our server is never kept
            for p in down.get("participants", []):
                conn.execute("INSERT INTO participants (participant_id, site_id, arm, status, source) "
                             "VALUES (?, ?, ?, ?, 'server') ON CONFLICT (participant_id) DO UPDATE SET "
                             "status = excluded.status, arm = COALESCE(excluded.arm, participants.arm)",
                             (p["participant_id"], self.station.site_id, p["arm"], p["status"]))
            for u in down.get("staff", []):
                conn.execute("INSERT INTO staff (username, display_name, password_hash, roles, disabled, synced_at) "
                             "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
                             "display_name = excluded.display_name, password_hash = excluded.password_hash, "
                             "roles = excluded.roles, disabled = excluded.disabled, synced_at = excluded.synced_at",
                             (u["username"], u["display_name"], u["password_hash"], ",".join(u["roles"]),
                              int(u["disabled"]), utc_now()))
            for item in down.get("corrections", []):
                rec, digest = item["record"], item["content_hash"]
                if digest != record_hash(rec):
                    damaged = True  # damaged in transit: keep the cursor so it comes again
                    continue
                exists = conn.execute("SELECT 1 FROM records WHERE record_id = ? AND revision = ?",
                                      (rec["record_id"], rec["revision"])).fetchone()
                if exists:
                    continue
                conn.execute("INSERT INTO records (record_id, revision, kind, participant_id, visit_id, "
                             "instrument_id, body, content_hash, saved_at) VALUES (?,?,?,?,?,?,?,?,?)",
                             (rec["record_id"], rec["revision"], rec["kind"], rec["participant_id"],
                              rec.get("visit_id"), rec.get("instrument_id"),
                              json.dumps(rec, ensure_ascii=False, sort_keys=True), digest, utc_now()))
                conn.execute("INSERT INTO audit (at, actor, action, record_id, revision, new, reason) "
                             "VALUES (?, ?, 'record.correct_from_server', ?, ?, ?, ?)",
                             (utc_now(), rec["entered_by"], rec["record_id"], rec["revision"],
                              json.dumps(rec["data"], ensure_ascii=False), rec.get("correction_reason")))
                report.corrections_applied += 1
            report.labs_received += store_labs.keep(conn, down.get("labs", []))
            conn.execute("INSERT INTO station (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                         "value = excluded.value", (settings.LABS_CURSOR, str(int(down.get("labs_cursor", 0)))))
            if "site_state" in down:  # the site's visits done, AEs, scores (issue 22); an older server sends none
                report.state_received += store_site_state.keep(conn, down["site_state"],
                                                               snapshot=bool(down.get("state_snapshot")))
                # issue 24: the dates of home entries (the recall skips them) and who keeps a home diary
                store_home_entries.keep(conn, down.get("home_entries") or [],
                                        snapshot=bool(down.get("state_snapshot")))
                store_home_entries.keep_diaries(conn, down.get("home_diaries") or [])
                conn.execute("INSERT INTO station (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                             "value = excluded.value", (settings.STATE_CURSOR, str(int(down["state_cursor"]))))
            if "queries" in down:  # the site's unresolved data queries (issue 19); an older server sends none
                queries.keep_from_server(conn, down["queries"])
            self._store_allocation(conn, down["allocation"])
            _store_screening_numbers(conn, down.get("screening_numbers", []))
            upsert = ("INSERT INTO station (key, value) VALUES (?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            conn.execute(upsert, (ALLOCATION_BLOCKS, json.dumps(sorted(down["allocation"]["blocks"]))))
            if damaged:
                return False
            conn.execute(upsert, (settings.CORRECTIONS_CURSOR, str(int(down.get("corrections_cursor", 0)))))
        return bool(down.get("more_corrections")) or bool(down.get("more_labs"))


def _store_screening_numbers(conn: Any, numbers: list[Any]) -> None:
    """Keep the screening numbers the server granted this station (whole numbers only; a used one stays used)."""
    for n in numbers:
        if type(n) is int and n > 0:
            conn.execute("INSERT OR IGNORE INTO screening_numbers (number) VALUES (?)", (n,))
