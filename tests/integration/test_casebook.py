"""Casebooks (issue 19, point 4): `trialpro-server export casebook` writes OUT/<participant id>.pdf for every
participant from one snapshot, labels in the chosen language, with current values and every revision, AEs,
labs, signatures with their manifestation and the participant's audit trail; the participant page offers the
same download. PDFs are checked by extracting their text (pypdf)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from server.storage.tables import audit_log, records
from tests.integration.signoff_support import PASSWORD, PRINTED_NAME, cli, csrf, kiosk_with_participant, staff_client
from tests.live_server import ThreadServer

BOOK_MEANING = "I confirm the data of this participant's casebook are accurate and complete"  # as signed (en)


def text_of(pdf: bytes) -> str:
    """The PDF's text without white space (pypdf reads the CJK font's two-byte codes with gaps between them)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "".join("".join(p.extract_text().replace("\x00", "").split()) for p in pages)


def _instrument_record(server: ThreadServer, pid: str) -> str:
    with server.ctx.engine.connect() as conn:
        return str(conn.execute(select(records.c.record_id).where(
            records.c.participant_id == pid, records.c.kind == "instrument_response")).scalars().first())


def _session_csrf(client) -> str:  # type: ignore[no-untyped-def]
    return str(client.get("/api/v1/admin/session").json()["csrf_token"])


def squash(text: str) -> str:
    return "".join(text.split())


def test_every_participant_gets_a_casebook_with_its_whole_history(tmp_path: Path, server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    other = kiosk_with_participant(tmp_path / "second", server)
    pid = site.participant_id
    dm = staff_client(server, "dm.book", "data_manager")
    with server.ctx.engine.connect() as conn:   # the baseline VAS (the first form is now the eligibility score)
        rid, body = conn.execute(select(records.c.record_id, records.c.body).where(
            records.c.record_id == site.first)).first()
    item = next(iter(json.loads(body)["data"]))
    page = dm.get(f"/records/{rid}/correct")
    assert dm.post(f"/records/{rid}/correct", data={"csrf_token": csrf(page.text), f"f_{item}": "17",
                                                    "reason": "transcription error"}).status_code == 302
    monitor = staff_client(server, "mon.book", "monitor")
    other_rid = _instrument_record(server, other.participant_id)
    assert monitor.post(f"/records/{other_rid}/verify", data={"csrf_token": _session_csrf(monitor),
                                                               "revision": "1"}).status_code == 302
    assert monitor.post(f"/records/{rid}/queries", data={"csrf_token": _session_csrf(monitor), "field": item,
                                                          "message": "17 mm? The source says 71."}).status_code == 302
    inv = staff_client(server, "inv.book", "investigator")
    form = inv.get(f"/participants/{pid}/sign", params={"scope": "casebook"})
    assert inv.post(f"/participants/{pid}/sign", data={"csrf_token": csrf(form.text), "scope": "casebook",
                                                       "username": "inv.book", "password": PASSWORD}
                    ).status_code == 302

    out = tmp_path / "books"
    done = cli(server, "export", "casebook", "--out", str(out), "--language", "zh")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{pid}.pdf", f"{other.participant_id}.pdf"])
    text = text_of((out / f"{pid}.pdf").read_bytes())
    for needed in ("病例报告", pid, "电子签名", PRINTED_NAME, BOOK_MEANING, "签名有效",
                   "不良事件", "实验室检查结果", "数据质疑", "源数据核查", "稽查轨迹", rid, "transcriptionerror",
                   "signature.sign", "instrument_response.correct", "17mm?Thesourcesays71.", "query.raise",
                   "未核查"):
        assert squash(needed) in text, needed
    with server.ctx.engine.connect() as conn:
        stamps = conn.execute(select(records.c.collected_at).where(records.c.record_id == rid)).scalars().all()
        audited = conn.execute(select(audit_log.c.new).where(audit_log.c.action == "export.casebook")).scalars().all()
    assert all(s in text for s in stamps)                  # every revision is listed, not only the current one
    assert json.loads(audited[-1])["language"] == "zh"

    one = cli(server, "export", "casebook", "--out", str(tmp_path / "one"), "--participant", other.participant_id)
    assert one.returncode == 0, one.stderr
    assert [p.name for p in (tmp_path / "one").iterdir()] == [f"{other.participant_id}.pdf"]
    english = text_of((tmp_path / "one" / f"{other.participant_id}.pdf").read_bytes())
    assert squash("Electronic signatures") in english and squash("No signature yet.") in english
    assert "verified" in english and "mon.book" in english and "record.sdv" in english   # the SDV mark
    unknown = cli(server, "export", "casebook", "--out", str(tmp_path / "none"), "--participant", "PKU-999")
    assert unknown.returncode == 2 and "PKU-999" in unknown.stderr

    download = inv.get(f"/participants/{pid}/casebook.pdf", params={"lang": "en"})
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert f"{pid}.pdf" in download.headers["content-disposition"]
    assert squash("Casebook") in text_of(download.content) and squash("signature holds") in text_of(download.content)
    assert f"/participants/{pid}/casebook.pdf" in inv.get(f"/participants/{pid}").text


def test_a_screen_failure_gets_a_casebook_from_the_cli_and_from_the_screening_log(tmp_path: Path,
                                                                                  server: ThreadServer) -> None:
    """Issue 19 point 4: 'for every participant (screen failures included)'. A screen failure is never in the
    participants table (only randomised people are), yet the CLI writes its book and the web offers the same
    download, reached from the screening log where a screen failure is listed."""
    from tests.factories import enrolled_station, screen_participant

    site = kiosk_with_participant(tmp_path, server)
    station, engine = enrolled_station(tmp_path / "screening", server, label="screening kiosk")
    failed = screen_participant(station, unmet=("E2",))
    report = engine.sync()
    assert not report.rejected, report.rejected
    out = tmp_path / "books"
    done = cli(server, "export", "casebook", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{site.participant_id}.pdf", f"{failed}.pdf"])
    book = text_of((out / f"{failed}.pdf").read_bytes())
    assert squash("not enrolled (screening only)") in book and "screening.create" in book

    monitor = staff_client(server, "mon.sf", "monitor")
    log = monitor.get("/screening")
    assert f"/participants/{failed}/casebook.pdf" in log.text
    download = monitor.get(f"/participants/{failed}/casebook.pdf", params={"lang": "en"})
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert f"{failed}.pdf" in download.headers["content-disposition"]
    assert squash(f"Casebook {failed}") in text_of(download.content)
    assert monitor.get("/participants/PKU-999/casebook.pdf").status_code == 404
    engine.close()
    station.store.close()
