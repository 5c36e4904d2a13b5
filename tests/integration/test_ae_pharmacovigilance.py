"""Issue 17 on a real server over HTTP, on SQLite and PostgreSQL, with the demo study: the SAE alert stays until
staff mark the SAE reported (audited), the SAE form and its PDF, the data manager's coding page (manual coding,
English translations, the list of missing ones), SUSAR flags, and the `meddra import` command.

The dictionary is the synthetic file set (NOT MedDRA) in MedDRA's ASCII layout.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from server.cli import main
from server.services.ae_causality import confirmation
from server.services.meddra import SYNTHETIC_DICTIONARY
from server.services.users import add_user
from server.storage.tables import audit_log, records
from tests.live_server import ThreadServer, run_queued_jobs

PASSWORD = "pharmacovigilance-pass-1"


@pytest.fixture
def demo_admin_password() -> str:
    return PASSWORD


@pytest.fixture
def server(demo_server: ThreadServer) -> ThreadServer:
    """Every server here starts from the demo data: its own copy of the session's seeded demo (seconds saved)."""
    return demo_server


def _signed_in(server: ThreadServer) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "demo.admin",
                                   "password": PASSWORD}).status_code == 302
    return c


def _token(c: httpx.Client) -> str:
    return c.get("/api/v1/admin/session").json()["csrf_token"]


def _aes(server: ThreadServer) -> dict[str, dict]:
    """record id -> newest body of each demo AE."""
    with server.ctx.engine.connect() as conn:
        rows = conn.execute(select(records.c.body).where(records.c.kind == "adverse_event")
                            .order_by(records.c.revision)).scalars()
        return {json.loads(b)["record_id"]: json.loads(b) for b in rows}


def _by_term(server: ThreadServer, term: str) -> dict:
    (found,) = [a for a in _aes(server).values() if a["data"]["term"] == term]
    return found


def _actions(server: ThreadServer, action: str) -> list[dict]:
    with server.ctx.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(audit_log).where(audit_log.c.action == action))]


def test_an_sae_alert_stays_until_staff_mark_it_reported(server: ThreadServer) -> None:
    c = _signed_in(server)
    aes = _aes(server)
    waiting = next(a for a in aes.values() if a["data"]["serious"] and a["data"]["term"] != "Interstitial pneumonitis")
    page = c.get("/adverse-events").text
    alerts = page[page.index('id="sae-alerts"'):page.index("</section>", page.index('id="sae-alerts"'))]
    assert waiting["participant_id"] in alerts and "report by" in alerts
    assert "Interstitial pneumonitis" not in alerts            # the demo SUSAR was reported already
    assert 'class="susar"' in page                              # ... and is flagged SUSAR in the list
    board = c.get("/dashboard").text
    card = board[board.index('id="susars"'):board.index("</section>", board.index('id="susars"'))]
    assert "Interstitial pneumonitis" in card and "Reported to the sponsor at" in card
    form = c.get(f"/adverse-events/{waiting['record_id']}/sae").text
    for field in ("I. Reaction information", "II. Suspect drug information", "Site became aware [E2B C.1.4]",
                  "MedDRA LLT / PT", "Awaiting report to the sponsor"):
        assert field in form, field
    pdf = c.get(f"/adverse-events/{waiting['record_id']}/sae.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    r = c.post(f"/adverse-events/{waiting['record_id']}/reported",
               data={"csrf_token": _token(c), "reported_at": "not a time", "reference": "X"})
    assert r.status_code == 409 and "reported_at" in r.text
    r = c.post(f"/adverse-events/{waiting['record_id']}/reported",
               data={"csrf_token": _token(c), "reported_at": waiting["data"]["awareness_at"],
                     "reference": "SPONSOR-0042"})
    assert r.status_code == 302
    page = c.get("/adverse-events").text
    assert "No serious adverse event awaits a report." in page
    assert "SPONSOR-0042" in c.get(f"/adverse-events/{waiting['record_id']}/sae").text
    again = c.post(f"/adverse-events/{waiting['record_id']}/reported",
                   data={"csrf_token": _token(c), "reported_at": waiting["data"]["awareness_at"], "reference": "Y"})
    assert again.status_code == 409 and "already marked" in again.text
    marks = [a for a in _actions(server, "sae.reported") if a["entity_id"] == waiting["record_id"]]
    assert len(marks) == 1 and marks[0]["actor"] == "user:demo.admin" and "SPONSOR-0042" in marks[0]["new"]
    c.close()


def _exported(server: ThreadServer, c: httpx.Client, fmt: str) -> dict[str, bytes]:
    """A web export (queued, written by the job runner, downloaded): file name -> content."""
    page = c.get("/exports").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert c.post("/exports", data={"csrf_token": token, "format": fmt, "site": ""}).status_code == 303
    assert run_queued_jobs(server.ctx) == 1
    links = re.findall(r'href="(/exports/jobs/\d+/download)"', c.get("/exports").text)
    r = c.get(max(links, key=lambda link: int(link.split("/")[3])))
    assert r.status_code == 200, r.text[:300]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        return {Path(n).name: zf.read(n) for n in zf.namelist()}


def _confirmation_in_exports(server: ThreadServer, c: httpx.Client, record_id: str) -> tuple[dict, list, list]:
    """The AE's CSV row, its SUPPAE AECAUSCF rows and its FHIR suspectEntity causalities, each from the web."""
    files = _exported(server, c, "csv")
    (row,) = [r for r in csv.DictReader(io.StringIO(files["adverse_events.csv"].decode("utf-8-sig")))
              if r["record_id"] == record_id]
    dictionary = files["data_dictionary.csv"].decode("utf-8-sig")
    assert "adverse_events.csv,causality_confirmed_by," in dictionary
    assert "adverse_events.csv,causality_confirmed_at," in dictionary
    supp = [r for r in csv.DictReader(io.StringIO(_exported(server, c, "sdtm")["suppae.csv"].decode("utf-8")))
            if r["QNAM"] == "AECAUSCF"]
    fhir = _exported(server, c, "fhir")["participants.ndjson"].decode("utf-8")
    bundles = [json.loads(line) for line in fhir.splitlines()]
    resources = [e["resource"] for b in bundles for e in b["entry"]]
    (ae,) = [r for r in resources if r["resourceType"] == "AdverseEvent" and r["id"] == record_id]
    causalities = [c for s in ae.get("suspectEntity", []) for c in s["causality"]]
    authors = [c["author"]["reference"] for c in causalities if "author" in c]
    practitioners = {f"Practitioner/{r['id']}" for r in resources if r["resourceType"] == "Practitioner"}
    assert set(authors) <= practitioners           # every author reference resolves inside the bundle
    return row, supp, authors


def test_an_investigator_confirms_the_causality_a_nurse_entered(server: ThreadServer) -> None:
    """WHO-UMC causality is a physician's judgement: the nurse's entry shows as not confirmed until an
    investigator confirms it (audited, tied to the revision); other roles may not confirm."""
    admin = _signed_in(server)
    ae = next(a for a in _aes(server).values() if a["data"]["serious"])
    form = f"/adverse-events/{ae['record_id']}/sae"
    assert "No: awaiting the investigator&#39;s confirmation" in admin.get(form).text
    assert 'id="causality-confirm"' not in admin.get(form).text
    assert admin.post(f"{form[:-4]}/causality-confirmed", data={"csrf_token": _token(admin)}).status_code == 403
    row, supp, authors = _confirmation_in_exports(server, admin, ae["record_id"])   # issue 17: not yet confirmed
    assert row["causality_confirmed_by"] == "" and row["causality_confirmed_at"] == ""
    assert supp == [] and authors == []
    with server.ctx.engine.begin() as conn:
        add_user(conn, username="r17.investigator", password=PASSWORD, roles=["investigator"],
                 sites=[ae["site_id"]], actor="system", display_name="Investigator (synthetic)")
    c = httpx.Client(base_url=server.url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "r17.investigator",
                                   "password": PASSWORD}).status_code == 302
    assert 'id="causality-confirm"' in c.get(form).text
    r = c.post(f"{form[:-4]}/causality-confirmed", data={"csrf_token": _token(c)})
    assert r.status_code == 302
    assert "Yes: user:r17.investigator at" in c.get(form).text
    pdf = PdfReader(io.BytesIO(c.get(f"{form}.pdf").content))
    assert "user:r17.investigator" in " ".join(page.extract_text() for page in pdf.pages)
    again = c.post(f"{form[:-4]}/causality-confirmed", data={"csrf_token": _token(c)})
    assert again.status_code == 409 and "already confirmed" in again.text
    (mark,) = [a for a in _actions(server, "ae.causality_confirmed") if a["entity_id"] == ae["record_id"]]
    assert mark["actor"] == "user:r17.investigator" and json.loads(mark["new"])["revision"] == ae["revision"]
    row, supp, authors = _confirmation_in_exports(server, admin, ae["record_id"])   # ... and in every export now
    assert row["causality_confirmed_by"] == "user:r17.investigator" and "Investigator (synthetic)" not in str(row)
    assert row["causality_confirmed_at"] == mark["at"] and mark["at"].endswith("Z")
    assert [(s["USUBJID"].endswith(ae["participant_id"]), s["RDOMAIN"], s["QLABEL"], s["QVAL"]) for s in supp] == [
        (True, "AE", "Causality Confirmed by Investigator", "Y")]
    assert authors and len(set(authors)) == 1 and "r17" not in authors[0]     # pseudonymous, one investigator
    with server.ctx.engine.connect() as conn:   # a correction (next revision) is not covered by it
        assert confirmation(conn, {**ae, "revision": ae["revision"] + 1}) is None
        assert confirmation(conn, ae) is not None
    c.close()
    admin.close()


def test_a_confirmation_of_an_older_revision_is_not_exported_for_the_current_one(server: ThreadServer) -> None:
    """Issue 17: the exports state the confirmation of the AE's current revision only; a correction (here the
    English translation the data manager adds, revision 2) drops it from CSV, SUPPAE and FHIR."""
    admin = _signed_in(server)
    ae = _by_term(server, "口腔疼痛")
    with server.ctx.engine.begin() as conn:
        add_user(conn, username="r17.investigator2", password=PASSWORD, roles=["investigator"],
                 sites=[ae["site_id"]], actor="system", display_name="Investigator (synthetic)")
    c = httpx.Client(base_url=server.url, timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signin").text).group(1)  # type: ignore
    assert c.post("/signin", data={"csrf_token": token, "username": "r17.investigator2",
                                   "password": PASSWORD}).status_code == 302
    r = c.post(f"/adverse-events/{ae['record_id']}/causality-confirmed", data={"csrf_token": _token(c)})
    assert r.status_code == 302
    row, supp, authors = _confirmation_in_exports(server, admin, ae["record_id"])
    assert row["causality_confirmed_by"] == "user:r17.investigator2" and len(supp) == 1 and authors
    r = admin.post(f"/coding/{ae['record_id']}/translation", data={"csrf_token": _token(admin),
                                                                   "term_en": "Mouth pain"})
    assert r.status_code == 302 and _by_term(server, "口腔疼痛")["revision"] == ae["revision"] + 1
    row, supp, authors = _confirmation_in_exports(server, admin, ae["record_id"])
    assert row["revision"] == str(ae["revision"] + 1)
    assert row["causality_confirmed_by"] == "" and row["causality_confirmed_at"] == ""
    assert supp == [] and authors == []
    c.close()
    admin.close()


def test_the_coding_page_codes_by_hand_and_adds_missing_translations(server: ThreadServer) -> None:
    c = _signed_in(server)
    page = c.get("/coding").text
    missing = page[page.index('id="missing-translations"'):page.index("</section>", page.index('id="missing'))]
    assert "口腔疼痛" in missing and "发热" not in missing     # the translated one is not listed
    assert "0.0 SYNTHETIC (NOT MedDRA)" in page
    hits = c.get("/coding?q=ulcer").text
    assert "99400006 Oral ulcer" in hits
    untranslated = _by_term(server, "口腔疼痛")
    r = c.post(f"/coding/{untranslated['record_id']}/translation", data={"csrf_token": _token(c),
                                                                          "term_en": "Mouth pain"})
    assert r.status_code == 302
    now = _by_term(server, "口腔疼痛")
    assert now["revision"] == 2 and now["data"]["term_en"] == "Mouth pain" and now["correction_reason"]
    assert "Every Chinese term has its English translation." in c.get("/coding").text
    r = c.post(f"/coding/{untranslated['record_id']}", data={"csrf_token": _token(c), "llt_code": "99400006"})
    assert r.status_code == 302
    row = next(line for line in c.get("/coding").text.split("<tr") if "Mouth pain" in line)
    assert "Mouth ulcer (synthetic)" in row and "data manager" in row
    bad = c.post(f"/coding/{untranslated['record_id']}", data={"csrf_token": _token(c), "llt_code": "12345678"})
    assert bad.status_code == 422 and "not a lowest level term" in bad.text
    coded = [a for a in _actions(server, "ae.code") if a["entity_id"] == untranslated["record_id"]]
    assert len(coded) == 1 and json.loads(coded[0]["new"])["llt_code"] == 99400006
    c.close()


def test_meddra_import_command_replaces_the_release_and_names_a_bad_file(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str],
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data_dir = tmp_path / "server"
    assert main(["meddra", "import", str(SYNTHETIC_DICTIONARY), "--data-dir", str(data_dir)]) == 0
    assert "MedDRA 0.0 SYNTHETIC (NOT MedDRA) (English (synthetic test set)): 9 lowest level terms, 5 preferred " \
           "terms imported" in capsys.readouterr().out
    broken = tmp_path / "MedAscii"
    broken.mkdir()
    for f in SYNTHETIC_DICTIONARY.glob("*.asc"):
        (broken / f.name.upper()).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")  # any case
    (broken / "LLT.ASC").write_text("99400001$Fever$99399999$$$$$$$Y$$\n", encoding="utf-8")
    assert main(["meddra", "import", str(broken), "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "llt.asc line 1: pt_code 99399999 is not in pt.asc" in err


def test_a_superscript_or_another_scripts_digit_on_the_coding_page_is_a_clear_answer_not_a_500(
        server: ThreadServer) -> None:
    """'²'.isdigit() is true but int('²') fails: the search box and the code field took it for a code (a 500), and a
    full-width '９９４００００６' was read as the code 99400006 (a silent fix)."""
    c = _signed_in(server)
    for q in ("²", "９９４００００６"):
        r = c.get("/coding", params={"q": q})
        assert r.status_code == 200
        hits = r.text[r.text.index('id="llt-hits"'):r.text.index("</table>", r.text.index('id="llt-hits"'))]
        assert "99400006" not in hits
    ae = _by_term(server, "口腔疼痛")
    for code in ("²", "９９４００００６"):
        bad = c.post(f"/coding/{ae['record_id']}", data={"csrf_token": _token(c), "llt_code": code})
        assert bad.status_code in (400, 422) and "llt_code" in bad.text
    assert not [a for a in _actions(server, "ae.code") if a["entity_id"] == ae["record_id"]]
    c.close()
