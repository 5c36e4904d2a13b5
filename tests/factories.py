"""Synthetic test data and ready-made stations, from one place. Pseudonymous ids only."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from desktop_client.services.station import Station
from desktop_client.services.sync_engine import SyncEngine, SyncSettings
from desktop_client.store import create_store
from desktop_client.store.keys import KdfParams
from server.services.devices import create_enrolment_code
from shared.study import Study, default_study
from tests.live_server import ThreadServer

PASSPHRASE = "correct horse battery staple"
FAST_KDF = KdfParams(n=2**12)  # tests only: real stations use the scrypt default
# tests only: the server's default Argon2id costs ~0.2 CPU-s per hash, and two staff accounts are made for every
# test server a kiosk enrols with; the test accounts' hashes are cheap, the sign-in reads the parameters from them
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def enrolment_code(server: ThreadServer, site_id: str | None = None) -> str:
    """A one-time code for ``site_id`` (default: the server study's first site). The server also gets the staff
    accounts test kiosks name in ``entered_by`` (nurse.a, and demo.nurse of the simulator), which it checks."""
    ctx = server.ctx
    site_id = site_id or ctx.study.sites[0].id
    for username in ("nurse.a", "demo.nurse"):
        server_staff(server, username, sites=(site_id,))
    with ctx.engine.begin() as conn:
        return create_enrolment_code(conn, site_id=site_id, actor="test",
                                     valid_site_ids={s.id for s in ctx.study.sites})


def new_station(data_dir: Path, study: Study | None = None) -> Station:
    """A new station running ``study`` (default: NCT05605665)."""
    store, _recovery = create_store(data_dir, PASSPHRASE, kdf=FAST_KDF)
    return Station(store=store, study=study or default_study())


def server_staff(server: ThreadServer, username: str = "nurse.a", *, roles: tuple[str, ...] = ("nurse",),
                 sites: tuple[str, ...] | None = None, disabled: bool = False) -> str:
    """A staff account on the server (unless it exists), so records a kiosk says ``staff:<username>``
    entered pass the server's entered_by rule; returns the ``entered_by`` value."""
    from sqlalchemy import select, update

    from server.services.users import add_user
    from server.storage.tables import users

    with server.ctx.engine.begin() as conn:
        if conn.execute(select(users.c.username).where(users.c.username == username)).first() is None:
            add_user(conn, username=username, password=STAFF_PASSWORD, roles=roles,
                     sites=sites or (server.ctx.study.sites[0].id,), actor="test", password_hasher=FAST_HASHER)
        if disabled:
            conn.execute(update(users).where(users.c.username == username).values(disabled=True))
    return f"staff:{username}"


def enrolled_station(data_dir: Path, server: ThreadServer, *, label: str = "test kiosk",
                     settings: SyncSettings | None = None) -> tuple[Station, SyncEngine]:
    """A new station enrolled with ``server``, whose default staff account (nurse.a of the study's first site)
    the server knows."""
    server_staff(server)
    station = new_station(data_dir, server.ctx.study)   # a kiosk runs its server's study
    engine = SyncEngine(station, server.url, settings_=settings or SyncSettings(backoff_multiplier=0.01))
    engine.enrol(enrolment_code(server), label)
    return station, engine


STAFF_PASSWORD = "nurse-password-1"  # synthetic test account only


def add_staff(station: Station, username: str = "nurse.a", *, password: str = STAFF_PASSWORD,
              display_name: str | None = None, roles: tuple[str, ...] = ("nurse",), disabled: bool = False) -> str:
    """Insert a staff account with a real Argon2id hash into the station's `staff` table, as a sync would.

    Cheap Argon2id parameters keep tests fast; sign-in reads the parameters from the hash itself.
    """
    from shared.records import utc_now

    digest = FAST_HASHER.hash(password)
    with station.store.transaction() as conn:
        conn.execute("INSERT INTO staff (username, display_name, password_hash, roles, disabled, synced_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (username, display_name or f"Nurse {username[-1].upper()}",
                                                   digest, ",".join(roles), int(disabled), utc_now()))
    return username


def eligible_screening(study: object, *, year_of_birth: int = 1975, sex: str = "F",
                       unmet: tuple[str, ...] = (), childbearing_potential: bool | None = False) -> object:
    """A screening that passes every criterion, except ``unmet`` (inclusion not met, exclusion present); not
    of childbearing potential unless told (then randomisation needs a pregnancy test)."""
    from datetime import date

    from desktop_client.services.enrolment import Screening
    from shared.synthetic_screening import attested

    return Screening(date_of_birth=date(year_of_birth, 3, 14), sex=sex, screening_date=date(2026, 11, 2),
                     consent_date=date(2026, 11, 1), screening_score=7,
                     attested=attested(study, unmet),  # type: ignore[arg-type]
                     childbearing_potential=childbearing_potential)


def record_eligibility_score(station: Station, participant_id: str, at_least: float = 6,
                             actor: str = "staff:nurse.a") -> dict:
    """The scored clinician index of the eligibility visit, as the nurse's clinician screen saves it."""
    import random

    from desktop_client.services import recording
    from shared.synthetic_screening import answers_scoring

    inst = station.study.instrument_with_role("clinician_index")
    visit = station.study.visit_with_role("eligibility")
    assert inst is not None and visit is not None
    return recording.record_instrument(station, participant_id=participant_id, visit_id=visit.id,
                                       instrument_id=inst.id, answers=answers_scoring(inst, at_least,
                                                                                      random.Random(participant_id)),
                                       entered_by=actor)


def screen_participant(station: Station, actor: str = "staff:nurse.a", **kwargs: object) -> str:
    """Screen one synthetic person on ``station`` (eligible unless ``unmet``); returns the participant id."""
    from desktop_client.services import enrolment

    return enrolment.screen(station, eligible_screening(station.study, **kwargs), actor=actor)["participant_id"]


def enrol_participant(station: Station, actor: str = "staff:nurse.a") -> str:
    """Screen one eligible synthetic participant, record the eligibility visit's score and randomise them, as
    staff do (issue 15); returns the participant id."""
    from desktop_client.services import enrolment

    pid = screen_participant(station, actor)
    record_eligibility_score(station, pid, actor=actor)
    enrolment.randomise(station, pid, actor=actor)
    return pid


def offline_station(data_dir: Path, arms: tuple[str, ...] = ("IL2RAPA", "RAPA", "IL2"),
                    store: object = None, study: Study | None = None) -> Station:
    """A station that looks enrolled (site PKU, a device id) with a synthetic allocation list, and no server.

    For tests of client services and screens that never sync: allocation number n gets ``arms[(n-1) % len]``.
    ``store``: an already created store to use (when the test needs its recovery key), else a new one.
    """
    from desktop_client.store import station as settings

    study = study or default_study()
    station = new_station(data_dir, study) if store is None else Station(store=store, study=study)  # type: ignore
    settings.put(station.store, {settings.SITE_ID: study.sites[0].id, settings.DEVICE_ID: "dev-offline-test",
                                 settings.DEVICE_TOKEN: "not-a-real-token", settings.SERVER_URL: "http://127.0.0.1:9"})
    with station.store.transaction() as conn:
        for number in range(1, 13):
            conn.execute("INSERT INTO allocation (list_id, number, arm) VALUES ('list-offline-test', ?, ?)",
                         (number, arms[(number - 1) % len(arms)]))
        for number in range(1, 31):
            conn.execute("INSERT INTO screening_numbers (number) VALUES (?)", (number,))
    return station


def record_symptom_checklist(station: Station, participant_id: str, visit_id: str,
                             present: dict[str, str]) -> dict:
    """A participant's symptom checklist as the kiosk saves it: every symptom of their arm answered,
    ``present`` mapping the reported ones to a severity (mild, moderate, severe)."""
    from desktop_client.services import recording
    from shared.instruments import get_instrument

    arm = station.study.arm(station.participant_arm(participant_id) or "")
    inst = get_instrument("symptom_checklist")
    answers: dict[str, object] = {}
    for item in inst.items_for(arm.drugs):
        if item.id.endswith("_present"):
            symptom = item.id.removesuffix("_present")
            answers[item.id] = symptom in present
            if symptom in present:
                answers[f"{symptom}_severity"] = present[symptom]
    return recording.record_instrument(station, participant_id=participant_id, visit_id=visit_id,
                                       instrument_id=inst.id, answers=answers, entered_by="participant")
