"""The SAE form in Chinese (issue 23, points 2 and 5, review gap): the suspect drugs by the study file's Chinese
name, dose frequency and route, a CTCAE term by the grading data's Chinese name, on the page and in the PDF
downloaded from it; the English form keeps the English texts. Screenshots: artifacts/web/issue23/sae_*.png."""

from __future__ import annotations

import io
import json
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from server.services.corrections import correct_record
from server.storage.engine import writing
from server.storage.participants import arm_of
from server.storage.tables import records
from shared.grading import criteria
from tests.browser.conftest import sign_in
from tests.live_server import ThreadServer


def _serious_ae(server: ThreadServer) -> dict:
    with server.ctx.engine.connect() as conn:
        bodies = conn.execute(select(records.c.body).where(records.c.kind == "adverse_event",
                                                           records.c.serious.is_(True))
                              .order_by(records.c.record_id, records.c.revision)).scalars()
        return [json.loads(b) for b in bodies][-1]


def test_the_sae_form_and_its_pdf_are_chinese_in_chinese(page: Page, demo_server: ThreadServer,
                                                         artifacts: Path) -> None:
    study = demo_server.ctx.study
    ae = _serious_ae(demo_server)
    crit = criteria()["neutrophil_count_decreased"]
    with writing(demo_server.ctx.engine) as conn:     # the event named by its CTCAE term, as a lab proposal does
        correct_record(conn, study, ae["record_id"], {**ae["data"], "term": crit.term}, "named by its CTCAE term",
                       "user:demo.admin")
    arm = study.arm(_arm_of(demo_server, ae["participant_id"]))
    url = demo_server.url
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")        # signed in before the language is chosen
    page.goto(f"{url}/lang/zh")
    page.goto(f"{url}/adverse-events/{ae['record_id']}/sae")
    form = page.locator("main")
    for tr in arm.treatments:
        expect(form).to_contain_text(tr.name_zh)
        expect(form).to_contain_text(tr.route_zh)
        expect(form).to_contain_text(tr.frequency_zh)
        expect(form).not_to_contain_text(tr.route)
        expect(form).not_to_contain_text(tr.frequency)
    expect(form).to_contain_text(crit.term_zh)
    expect(page.locator("h1")).to_contain_text(crit.term_zh)
    out = artifacts / "web" / "issue23"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "sae_form_zh.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#sae-pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes())).pages)
    assert arm.treatments[0].route_zh in text and crit.term_zh in text, text[:400]

    page.goto(f"{url}/lang/en")
    page.goto(f"{url}/adverse-events/{ae['record_id']}/sae")
    for tr in arm.treatments:
        expect(form).to_contain_text(tr.route)
        expect(form).to_contain_text(tr.frequency)
    expect(form).to_contain_text(crit.term)
    expect(form).not_to_contain_text(crit.term_zh)
    bad = page.request.get(f"{url}/adverse-events/{ae['record_id']}/sae.pdf?lang=fr")
    assert bad.status == 400 and "is not allowed; write en or zh" in bad.text()


def test_lab_proposals_name_the_ctcae_term_in_chinese(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    sign_in(page, url)
    expect(page).to_have_url(f"{url}/dashboard")        # signed in before the language is chosen
    page.goto(f"{url}/lang/zh")
    terms = {c.term: c.term_zh for c in criteria().values()}
    shown = []
    for pid in ("PKU-002", "PKU-005"):
        page.goto(f"{url}/participants/{pid}")
        shown += page.locator("ul.lab-proposals li").all_inner_texts()
    assert shown
    assert any(zh in line for line in shown for zh in terms.values())
    assert not any(en in line for line in shown for en in terms)


def _arm_of(server: ThreadServer, participant_id: str) -> str:
    with server.ctx.engine.connect() as conn:
        arm = arm_of(conn, participant_id)
    assert arm
    return arm
