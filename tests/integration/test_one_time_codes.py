"""One way to claim a one-time code, for kiosk enrolment codes and app activation codes alike (issue 24), on
SQLite and PostgreSQL: typed forgivingly, claimed once, refused when unknown, used or expired with the error
class of its kind, and a claim a refusal after it rolls back is not spent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.services import devices as device_service
from server.services import home_app
from server.storage import devices as stored
from server.storage.engine import writing
from server.storage.tables import app_activation_codes, enrolment_codes
from shared import enrolment_code
from shared.crypto import token_digest
from shared.errors import InvalidInput, RecordInvalid
from shared.records import utc_now
from tests.live_server import ThreadServer

KINDS = {"kiosk": (device_service.KIOSK_CODE, enrolment_codes), "phone": (home_app.APP_CODE, app_activation_codes)}


def _new(server: ThreadServer, kind: str, *, hours: float = 1) -> str:
    code = enrolment_code.new_code()
    when = (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
    with writing(server.ctx.engine) as conn:
        if kind == "kiosk":
            stored.add_enrolment_code(conn, code_digest=token_digest(code), site_id="PKU", created_by="test",
                                      created_at=utc_now(), expires_at=when)
        else:
            stored.add_activation_code(conn, code_digest=token_digest(code), participant_id="PKU-001",
                                       site_id="PKU", created_by="test", created_at=utc_now(), expires_at=when)
    return code


def _claim(server: ThreadServer, kind: str, code: object, device_id: str = "dev-claim") -> dict:
    with writing(server.ctx.engine) as conn:
        return device_service.claim_code(conn, KINDS[kind][0], code, device_id=device_id, now=utc_now())


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_code_of_either_kind_is_claimed_once_and_refused_with_its_own_error(server: ThreadServer,
                                                                              kind: str) -> None:
    spec, table = KINDS[kind]
    code = _new(server, kind)
    row = _claim(server, kind, code.lower().replace("-", " "))   # typed forgivingly
    assert row["site_id"] == "PKU"
    with server.ctx.engine.connect() as conn:
        used = conn.execute(select(table.c.used_at, table.c.device_id)
                            .where(table.c.code_digest == token_digest(code))).one()
    assert used.used_at and used.device_id == "dev-claim"
    with pytest.raises(spec.invalid, match="already used"):
        _claim(server, kind, code, "dev-other")
    with pytest.raises(spec.invalid, match="already used"):
        _claim(server, kind, _new(server, kind, hours=-1))          # expired
    with pytest.raises(spec.invalid, match="already used"):
        _claim(server, kind, enrolment_code.new_code())              # unknown
    with pytest.raises(spec.invalid) as none:
        _claim(server, kind, 12345)
    assert str(none.value) == spec.ask
    with pytest.raises(RecordInvalid, match="XXXX-XXXX-XXXX-XXXX"):
        _claim(server, kind, "not-a-code")


def _claim_then_refuse(server: ThreadServer, kind: str, code: str) -> None:
    """A step after the claim refuses (as activation refuses a participant off study): the transaction, and the
    claim with it, is rolled back."""
    with writing(server.ctx.engine) as conn:
        device_service.claim_code(conn, KINDS[kind][0], code, device_id="dev-a", now=utc_now())
        raise InvalidInput("refused after the claim")


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_claim_rolled_back_by_a_later_refusal_leaves_the_code_usable(server: ThreadServer, kind: str) -> None:
    code = _new(server, kind)
    with pytest.raises(InvalidInput):
        _claim_then_refuse(server, kind, code)
    assert _claim(server, kind, code, "dev-b")["code_digest"] == token_digest(code)
    with writing(server.ctx.engine) as conn:   # a racing claim of the same code by a second device loses
        assert not stored.claim_one_time_code(conn, KINDS[kind][0].which, token_digest(code), device_id="dev-c",
                                              used_at=utc_now())
