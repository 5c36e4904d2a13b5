"""Every admin page is Chinese from top to bottom when the viewer chose Chinese (issue 23, point 5).

Every GET route of the web blueprint (read from Flask's url_map, so a new page is covered without touching this
test) is rendered in real Chromium with the demo data, once for every value of its path arguments that the demo
holds (every participant, one record of every kind, every query, every serious AE), plus the error pages (404,
400 of a bad filter) and forms showing their errors. The visible text (and placeholders, titles, button labels)
fails on any Latin word of three letters or more that is not one of a short list: ids (PKU-001), units, standard
codes (SDTM, MedDRA, CTCAE, …) and the study's own codes read from the study file. Text inside an element marked
``translate="no"`` (HTML's own mark for names, ids and data people typed: account names, device labels, a
record's stored field names and values, the verbatim AE term; each use says why, tests/unit/test_web_untranslated.py)
is data, not the page's words, and is left out of that word check. So that the mark cannot hide words: no
English text the source also has in Chinese (a rule's query message, an arm's treatment and its route and
frequency, a CTCAE term, a query rule's title, a visit's label) may appear anywhere on a Chinese page, marked or
not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from playwright.sync_api import Page
from sqlalchemy import select

from server.storage.tables import queries, query_messages, records
from shared.grading import criteria
from shared.query_rules import RULE_TITLES
from shared.study.model import Study
from tests.browser.conftest import sign_in
from tests.live_server import ThreadServer

# Routes that answer a file or a redirect, not a page (each says why).
NOT_PAGES = {
    "web.static": "style sheets and scripts",
    "web.switch_language": "a redirect that sets the language",
    "web.sae_form_pdf": "a PDF download",
    "web.casebook_pdf": "a PDF download",
    "web.export_job": "JSON polled by the exports page",
    "web.export_download": "a zip download",
    "web.home": "a redirect to the dashboard",
}
STANDARD_CODES = ("SDTM", "ADaM", "CDISC", "ODM", "FHIR", "CSV", "XPT", "JSON", "PDF", "XML", "HTML", "MedDRA",
                  "CTCAE", "SAE", "SUSAR", "SDV", "LLT", "SOC", "HLT", "HLGT", "ICH", "WHO-UMC", "LOINC", "UCUM",
                  "ATC", "UTC", "CIOMS", "E2B", "E2A", "NCOMPLT", "VAS", "Define-XML", "Dataset-JSON", "zip",
                  "trialpro", "Asia/Shanghai", "English", "CFR", "Part", "Treg", "IL-2", "Argon2id", "TOTP", "LLN",
                  "ULN", "FOXP3", "HMG-CoA", "XLSX", "Excel", "R4", "AECG", "EULAR", "YYYY")
UNITS = ("mmHg", "bpm", "kg", "cm", "mm", "mg", "IU", "MIU", "ml", "mL", "g/L", "mmol/L", "µmol/L", "U/L",
         "10\\*9/L", "10\\^9/L", "10\\*12/L", "/min", "°C", "kg/m2", "h")


def allowed_words(study: Study) -> list[str]:
    """The words a Chinese page may show in Latin letters: ids, units, standard codes and the study's codes
    (study id, sites, arms, drug ids, lab test codes and units, instruments' short names)."""
    codes = [study.study.id, *(s.id for s in study.sites), *(a.code for a in study.arms), *study.drug_ids]
    codes += [i.short.en for i in study.instrument_definitions()]
    for test in study.lab_tests.values():
        codes += [test.code, *test.units]
    return sorted({*codes, *STANDARD_CODES, *UNITS}, key=len, reverse=True)


def latin_words(text: str, allowed: list[str]) -> list[str]:
    """The Latin words of three letters or more left in ``text`` once ids, UUIDs and allowed words are taken out."""
    rest = re.sub(r"\b[A-Z]{2,8}-\d{2,}\b", " ", text)                       # participant ids: PKU-001
    rest = re.sub(r"\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[0-9a-f]{6,}\b", " ", rest)  # record ids
    for word in allowed:
        rest = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", rest)
    return re.findall(r"[A-Za-z]{3,}", rest)


def english_with_chinese(server: ThreadServer) -> list[str]:
    """English texts whose Chinese the source has, so a Chinese page must show that instead: the stored
    messages of rule-raised queries (their first 40 characters: lists truncate), the arms' treatments, the CTCAE
    terms, the query rules' titles and the visits' labels (those longer than 5 characters)."""
    study = server.ctx.study
    with server.ctx.engine.connect() as conn:
        messages = [t[:40] for t in conn.execute(select(query_messages.c.text).where(
            query_messages.c.text_zh.is_not(None))).scalars()]
    treatments = [x for a in study.arms for tr in a.treatments for x in (tr.name, tr.route, tr.frequency)]
    texts = {*messages, *treatments, *(c.term for c in criteria().values()), *(r.en for r in RULE_TITLES.values()),
             *(v.label for v in study.visits)}
    return sorted(t for t in texts if len(t) > 5)      # "oral" would be found inside words people typed


EVERY_TEXT = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[title]')].map(e => e.getAttribute('title'))].join('\\n')"""

VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[translate=no], script, style').forEach(e => e.remove());
  const extra = [...body.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit]')]
    .map(e => [e.getAttribute('placeholder'), e.getAttribute('title'), e.getAttribute('aria-label'),
               e.type === 'submit' ? e.value : null].filter(Boolean).join(' '));
  const options = [...body.querySelectorAll('option')].map(o => o.textContent);
  document.body.appendChild(body); body.style.display = 'block';
  const text = body.innerText; body.remove();
  return [document.title, text, ...extra, ...options].join('\\n');
}"""


def _samples(server: ThreadServer) -> dict[str, list[str]]:
    """Values of each path argument the demo holds: every participant, one record of each kind, every query,
    every serious AE."""
    with server.ctx.engine.connect() as conn:
        people = list(conn.execute(select(records.c.participant_id).distinct()).scalars())
        kinds: dict[str, str] = {}
        for rid, kind in conn.execute(select(records.c.record_id, records.c.kind).order_by(records.c.record_id)):
            kinds.setdefault(kind, rid)
        serious = list(conn.execute(select(records.c.record_id).where(records.c.serious.is_(True)).distinct())
                       .scalars())
        query_ids = list(conn.execute(select(queries.c.query_id)).scalars())
        # a clinic form (a visit's instrument response): a phone's home entry is the participant's own, which
        # the correction page shows without a form, and the demo's random ids made either come first
        clinic_form = conn.execute(select(records.c.record_id).where(records.c.kind == "instrument_response",
                                                                     records.c.visit_id.is_not(None))
                                   .order_by(records.c.record_id)).scalars().first()
    return {"participant_id": sorted(p for p in people if re.fullmatch(r"[A-Z]+-\d+", p)),
            "record_id": sorted(kinds.values()), "query_id": query_ids, "serious_record_id": serious,
            "form_record_id": [clinic_form]}   # a record the correction form can edit


def _urls(server: ThreadServer) -> Iterator[str]:
    """Every page of the web blueprint with every sample of its arguments, and the error pages."""
    app = server.app
    samples = _samples(server)
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or "GET" not in (rule.methods or ()):
            continue
        seen.add(rule.endpoint)
        if rule.endpoint in NOT_PAGES:
            continue
        args = sorted(rule.arguments)
        if not args:
            yield rule.rule
            continue
        assert len(args) == 1, f"{rule.rule}: give this test samples for {args}"
        key = "serious_record_id" if rule.endpoint == "web.sae_form" else args[0]
        assert key in samples, f"{rule.rule}: give this test samples of {key!r} from the demo data"
        for value in samples[key]:
            with app.test_request_context():
                from flask import url_for
                yield url_for(rule.endpoint, **{args[0]: value})
    assert set(NOT_PAGES) <= seen, f"routes gone: {set(NOT_PAGES) - seen}"
    yield from ("/audit?verify=1", "/queries?state=all", "/participants?status=due", "/participants?status=overdue",
                "/participants?status=screen_failure", "/coding?q=rash",
                "/participants/PKU-999", "/records/no-such-record", "/participants?sort=nothing",
                "/adverse-events?arm=PLACEBO", "/audit?page=0", "/queries?state=lost")


NO_BROWSER_CHECKS = "document.querySelectorAll('[required], [minlength]')" \
    ".forEach(e => { e.removeAttribute('required'); e.removeAttribute('minlength'); })"


def _forms_with_errors(page: Page, url: str, sample_record: str) -> Iterator[tuple[str, Any]]:
    """Forms sent wrong (the browser's own checks off, so the server answers), each left showing its error:
    what each yields is (what, page text)."""
    page.goto(f"{url}/records/{sample_record}/correct")
    page.evaluate(NO_BROWSER_CHECKS)
    page.click("main form button[type=submit]")                     # no reason given
    yield "correction without a reason", page.evaluate(VISIBLE_TEXT)
    page.goto(f"{url}/account/password")
    page.evaluate(NO_BROWSER_CHECKS)
    page.fill("input[name=current_password]", "not the password")
    page.fill("input[name=password]", "short")
    page.click("main form button[type=submit]")
    yield "password change refused", page.evaluate(VISIBLE_TEXT)


def test_every_page_is_chinese_in_chinese(page: Page, demo_server: ThreadServer) -> None:
    url = demo_server.url
    allowed = allowed_words(demo_server.ctx.study)
    page.goto(f"{url}/lang/zh")
    page.goto(f"{url}/signin")
    problems: dict[str, set[str]] = {}
    hidden = english_with_chinese(demo_server)
    assert len(hidden) > 20

    def check(what: str, text: str) -> None:
        words = latin_words(text, allowed)
        if words:
            problems.setdefault(what, set()).update(words)

    def check_all(what: str, text: str) -> None:
        found = [h for h in hidden if h in text]
        if found:
            problems.setdefault(what, set()).update(f"«{h}»" for h in found)

    check("/signin", page.evaluate(VISIBLE_TEXT))
    page.fill("input[name=username]", "demo.admin")
    page.fill("input[name=password]", "wrong password!!")
    page.click("button[type=submit]")
    check("/signin (wrong password)", page.evaluate(VISIBLE_TEXT))
    sign_in(page, url)
    page.goto(f"{url}/lang/zh")
    urls = list(_urls(demo_server))
    assert len(urls) > 40
    for path in urls:
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status < 500, (path, response and response.status)
        assert "text/html" in (response.headers.get("content-type") or ""), path
        check(path, page.evaluate(VISIBLE_TEXT))
        check_all(path, page.evaluate(EVERY_TEXT))
    # an instrument response: the first record id of any kind could be one no form edits (a randomisation, a
    # query response: no submit button), which made this test depend on the demo's random record ids
    samples = _samples(demo_server)["form_record_id"]
    for what, text in _forms_with_errors(page, url, samples[0]):
        check(what, text)
    report = "\n".join(f"{where}: {' '.join(sorted(words))}" for where, words in sorted(problems.items()))
    assert not problems, f"English left on Chinese pages:\n{report}"
