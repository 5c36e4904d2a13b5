"""Every text that reaches the ODM export is written so the archive stays XSD-valid and reads back as stored:
markup characters, tab/line feed/carriage return and CJK beyond the BMP in an item value (an attribute) and a
reason for change (element text); a control character XML 1.0 cannot carry is a clear refusal naming the
record, field and character, never a traceback or a half-written file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select, update

from server.app import ServerContext
from server.exports.odm import export_odm
from server.services import devices as device_service
from server.services import sync as sync_service
from server.storage.engine import reading
from server.storage.tables import devices, records
from shared.errors import ExportCharacterNotXml
from shared.records import corrected, record_hash
from shared.sync.protocol import SyncItem, SyncRequest
from tests.demo_template import DemoTemplates
from tests.integration.test_export_formats import ODM, ODM_XSD

NASTY = 'a<b>&c"d\'e;&amp; \t tab\nline\r\n 中文 𠀀𪚥 🩺 —'


def _correct_an_ae(ctx: ServerContext, term: str, reason: str, status: str = "stored") -> dict:
    """A staff correction of the demo's first adverse event (a new revision, through the sync service)."""
    with ctx.engine.begin() as conn:
        row = conn.execute(select(records.c.body, records.c.device_id).where(records.c.kind == "adverse_event")
                           .order_by(records.c.record_id, records.c.revision.desc())).first()
        dev = conn.execute(select(devices).where(devices.c.device_id == row.device_id)).first()
        device = device_service.Device(device_id=dev.device_id, site_id=dev.site_id, label=dev.label)
        rec = json.loads(row.body)
        fixed = corrected(rec, data={**rec["data"], "term": term}, reason=reason, entered_by="staff:demo.nurse")
        answer = sync_service.ingest(conn, ctx.study, device, SyncRequest(
            study_version=ctx.study.study.version, corrections_cursor=0, items=[SyncItem(fixed, record_hash(fixed))]))
    assert answer["results"][0]["status"] == status, answer["results"]
    return fixed


def test_markup_whitespace_and_cjk_beyond_the_bmp_round_trip_and_a_control_character_is_refused(
        tmp_path: Path, demo_templates: DemoTemplates) -> None:
    ctx = demo_templates.context(tmp_path / "data", admin_password="synthetic-demo-pass")
    try:
        fixed = _correct_an_ae(ctx, f"rash {NASTY}", f"typo {NASTY}")
        with reading(ctx.engine) as conn:
            export_odm(conn, ctx.study, tmp_path / "odm")
        doc = etree.parse(str(tmp_path / "odm" / "study.odm.xml"))
        schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
        assert schema.validate(doc), schema.error_log
        form = next(f for f in doc.iter(f"{ODM}FormData")
                    if f.findtext(f"{ODM}AuditRecord/{ODM}ReasonForChange") == f"typo {NASTY}")
        assert f"rash {NASTY}" in [i.get("Value") for i in form.iter(f"{ODM}ItemData")]

        # the sync intake refuses a control character now (shared/xml_text.py) ...
        refused_bell = _correct_an_ae(ctx, "rash \x07", "typo", status="rejected")
        # ... but a server of an earlier release stored one: the export still names it
        bell = _correct_an_ae(ctx, "rash BELL", "typo")
        with ctx.engine.begin() as conn:
            conn.execute(update(records).where(records.c.record_id == bell["record_id"],
                                               records.c.revision == refused_bell["revision"])
                         .values(body=func.replace(records.c.body, "BELL", "\\u0007")))
        with reading(ctx.engine) as conn, pytest.raises(ExportCharacterNotXml) as refused:
            export_odm(conn, ctx.study, tmp_path / "again")
        message = refused.value.message
        assert f"record {fixed['record_id']} revision {bell['revision']}, field data.term holds U+0007" in message
        assert "Correct it" in message and refused.value.status == 422
        assert not (tmp_path / "again" / "study.odm.xml").exists()
    finally:
        ctx.engine.dispose()
