"""ODM exports carry the e-signatures (issue 19, point 6): Signature elements referring to SignatureDefs and to
the signer's User (printed name), valid against the ODM 1.3.2 XSD; a superseded signature stays in the archive."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from server.storage.tables import records, signatures
from tests.integration.signoff_support import PASSWORD, PRINTED_NAME, cli, csrf, kiosk_with_participant, staff_client
from tests.live_server import ThreadServer

ODM_XSD = Path(etree.__file__).parent.parent / "odmlib" / "schemas" / "odm" / "1.3.2" / "ODM1-3-2.xsd"
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


def _sign(client, pid: str, params: dict[str, str], username: str | None) -> None:  # type: ignore[no-untyped-def]
    form = client.get(f"/participants/{pid}/sign", params=params)
    data = {"csrf_token": csrf(form.text), "password": PASSWORD, **params}
    if username:
        data["username"] = username
    assert client.post(f"/participants/{pid}/sign", data=data).status_code == 302


def test_the_odm_archive_carries_every_signature_and_validates(tmp_path: Path, server: ThreadServer) -> None:
    site = kiosk_with_participant(tmp_path, server)
    pid, visit = site.participant_id, site.baseline
    inv = staff_client(server, "inv.odm", "investigator")
    _sign(inv, pid, {"scope": "visit", "visit": visit}, "inv.odm")
    dm = staff_client(server, "dm.odm", "data_manager")
    with server.ctx.engine.connect() as conn:
        rid, body = conn.execute(select(records.c.record_id, records.c.body).where(   # the baseline VAS, not the
            records.c.record_id == site.first)).first()                              # eligibility score
    page = dm.get(f"/records/{rid}/correct")
    item = next(iter(json.loads(body)["data"]))
    assert dm.post(f"/records/{rid}/correct", data={"csrf_token": csrf(page.text), f"f_{item}": "21",
                                                    "reason": "wrong line"}).status_code == 302
    _sign(inv, pid, {"scope": "visit", "visit": visit}, None)
    _sign(inv, pid, {"scope": "casebook"}, None)

    out = tmp_path / "odm"
    done = cli(server, "export", "odm", "--out", str(out))
    assert done.returncode == 0, done.stderr
    doc = etree.parse(str(out / "study.odm.xml"))
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    assert schema.validate(doc), schema.error_log
    root = doc.getroot()
    with server.ctx.engine.connect() as conn:
        rows = conn.execute(select(signatures).order_by(signatures.c.signed_at)).all()
    placed = {s.get("ID"): s for s in root.iter(f"{ODM}Signature")}
    assert set(placed) == {f"SIG.{r.signature_id}" for r in rows}            # none left out, the broken one too
    first, second, book = rows
    subject = next(s for s in root.iter(f"{ODM}SubjectData") if s.get("SubjectKey") == pid
                   and s.get("TransactionType") == "Upsert")
    assert subject.find(f"{ODM}Signature").get("ID") == f"SIG.{book.signature_id}"
    event = placed[f"SIG.{second.signature_id}"].getparent()
    assert event.get("StudyEventOID") == f"SE.{visit}" and event.find(f"{ODM}FormData") is not None
    old = placed[f"SIG.{first.signature_id}"].getparent()
    assert old.get("TransactionType") == "Context" and old.get("StudyEventOID") == f"SE.{visit}"
    sig = placed[f"SIG.{second.signature_id}"]
    assert sig.findtext(f"{ODM}DateTimeStamp") == second.signed_at
    definition = root.find(f".//{ODM}SignatureDef[@OID='{sig.find(f'{ODM}SignatureRef').get('SignatureOID')}']")
    assert definition.findtext(f"{ODM}Meaning") == "I confirm the data of this visit are accurate and complete"
    user = root.find(f".//{ODM}User[@OID='{sig.find(f'{ODM}UserRef').get('UserOID')}']")
    assert user.findtext(f"{ODM}FullName") == PRINTED_NAME
