"""The activation code on the phone (issue 24 review): its shape checked as shared/enrolment_code.py checks it
(nothing malformed is sent, so junk codes use up no failures), and the server's refusals worded by the app in
the participant's language, never the server's English."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser

from server.services import home_app
from shared import enrolment_code
from shared.errors import RecordInvalid
from tests.browser.home_app_steps import PIN, app_url, phone
from tests.live_server import ThreadServer

TEXTS = ["7K3M-Q9TD-X2WB-HN4R", "7k3m q9td x2wb hn4r", "7K3MQ9TDX2WBHN4R", " 7K3M-Q9TD-X2WB-HN4R\t",
         "IL0O-IL0O-IL0O-IL0O", "ß" * 8,
         "7K3M-Q9TD-X2WB-HN4", "7K3M-Q9TD-X2WB-HN4RR", "7K3M-Q9TD-X2WB-HN4U", "7K3M-Q9TD-X2WB-HN4!", "", "----",
         "７K3M-Q9TD-X2WB-HN4R", "7K3M\nQ9TD-X2WB-HN4R", "x" * 65, "0" * 64, "ı" * 16, "ſ" * 16]


def _python(text: str) -> str | None:
    try:
        return enrolment_code.parse(text)
    except RecordInvalid:
        return None


def test_the_phone_reads_a_code_as_shared_enrolment_code_does(browser: Browser, home_server: ThreadServer) -> None:
    with phone(browser, prf=None) as page:
        page.goto(f"{app_url(home_server)}/app/")
        found = page.evaluate("""async (texts) => {
            const { parseCode } = await import("/app/js/code.js");
            return texts.map(parseCode);
        }""", TEXTS)
    assert found == [_python(t) for t in TEXTS]


def test_a_malformed_code_is_not_sent_and_refusals_are_worded_in_chinese(browser: Browser,
                                                                       home_server: ThreadServer) -> None:
    for n in range(home_app.MAX_FAILURES_PER_ADDRESS):   # this network has used up its failed activations
        httpx.post(f"{home_server.url}/api/v1/app/activate", json={"code": f"0000-0000-0000-{n:04d}"}, timeout=30)
    sent: list[str] = []
    with phone(browser, locale="zh-CN") as page:
        page.on("request", lambda r: sent.append(r.url) if "/api/v1/app/activate" in r.url else None)
        page.goto(f"{app_url(home_server)}/app/#activate=7K3M-Q9TD")
        page.fill("input[name=pin]", PIN)
        page.fill("input[name=pin-again]", PIN)
        page.click("button.primary")
        assert page.locator(".error:not([hidden])").first.inner_text() == "请输入激活码的 16 个字母和数字。"
        assert sent == []
        page.fill("input[name=code]", "7K3M-Q9TD-X2WB-HN4R")
        page.click("button.primary")
        shown = page.locator(".error:not([hidden])").first
        shown.wait_for()
        assert shown.inner_text() == "从此网络尝试的错误激活码过多。请等待 15 分钟，与研究团队核对激活码后再试。"
        assert len(sent) == 1 and "Too many" not in page.inner_text("main")
