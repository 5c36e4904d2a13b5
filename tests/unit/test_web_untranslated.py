"""Every ``translate="no"`` of the admin pages says why (issue 23, point 5, review gap): the mark keeps ids,
codes, dictionary names and what people typed out of the every-page-in-Chinese check, so each use must say
which of those it is (``id``, ``code``, ``typed``, ``data``, ``dictionary``, … and why), right beside it: a
Jinja comment directly after the attribute in a template, a ``# translate="no": why`` comment a few lines above
in Python. A new use without one fails here."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "server" / "web"


def test_every_translate_no_in_a_template_says_why() -> None:
    bare = []
    for path in sorted((WEB / "templates").glob("*.html")):
        text = path.read_text()
        for m in re.finditer(r'translate="no"', text):
            after = text[m.end():m.end() + 300]
            comment = re.match(r'(?:\{% endif %\})?>?\{#\s*([^#]{3,}?)\s*#\}', after)
            if comment is None:
                line = text[:m.start()].count("\n") + 1
                bare.append(f"{path.name}:{line}: {text[m.start() - 40:m.end() + 20]!r}")
    assert not bare, "translate=\"no\" without a reason ({# id: … #}, {# typed: … #}, …):\n" + \
        "\n".join(bare)


def test_every_translate_no_in_python_says_why() -> None:
    bare = []
    for path in sorted(WEB.glob("*.py")):
        lines = path.read_text().splitlines()
        for n, line in enumerate(lines):
            if "Markup(" in line and 'translate="no"' in line and not any(
                    '# translate="no":' in x for x in lines[max(0, n - 4):n + 1]):
                bare.append(f"{path.name}:{n + 1}: {line.strip()}")
    assert not bare, "translate=\"no\" in Python without a '# translate=\"no\": why' comment:\n" + "\n".join(bare)
