"""The building blocks of the ODM 1.3.2 XML (``server/exports/odm.py``): the namespace, element factories,
OIDs and how a value is written. Shared by the metadata (``odm_metadata.py``) and the clinical data
(``odm_subjects.py``) so both name items and code lists the same way."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from shared.instruments.model import Item, ResponseType, Text
from shared.xml_text import NOT_XML as _NOT_XML
from shared.xml_text import first_not_xml

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: NS}
ITEM_DATA = f"{{{NS}}}ItemData"
T = {t: f"{{{NS}}}{t}" for t in ("AuditRecord", "UserRef", "LocationRef", "DateTimeStamp", "ReasonForChange",
                                 "SourceID", "FormData", "ItemGroupData")}
MDV = "MDV.1"

# The clinical data is written as text (lxml builds the metadata): escaped as libxml2 escapes attributes and text,
# so the bytes are the ones lxml wrote, and refused where lxml refuses (a control character, a lone surrogate,
# U+FFFE/U+FFFF). Every value put into the text goes through ``attr`` or ``escaped_text``.
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                       "\t": "&#9;"})
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# One search per value finds both what needs escaping and what XML forbids (then refused as lxml refuses it;
# the sync intake refuses such a record with the same rule, shared/xml_text.py, so only older data meets it).
_ATTR_SPECIAL = re.compile(f'[&<>"\n\r\t{_NOT_XML}]')
_TEXT_SPECIAL = re.compile(f"[&<>\r{_NOT_XML}]")
_REFUSED = re.compile(f"[{_NOT_XML}]")


XML_REFUSAL = "All strings must be XML compatible"   # how lxml's ValueError starts (and so ours)


def _xml_compatible(value: str) -> None:
    if _REFUSED.search(value):
        raise ValueError(f"{XML_REFUSAL}: Unicode or ASCII, no NULL bytes or control characters")


def not_xml(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first (path, character) in ``value`` (its texts, keys, members) that XML 1.0 cannot carry, or None:
    what ``attr`` and ``escaped_text`` refused, found again to name it (only after one of them refused)."""
    hit = first_not_xml(value, path)
    return (hit[0], hit[2]) if hit is not None else None


def attr(value: str) -> str:
    """``value`` escaped for a double-quoted attribute; ValueError (lxml's) for a character XML forbids."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    _xml_compatible(value)
    return value.translate(_ATTR)


def escaped_text(value: str) -> str:
    """``value`` escaped for element content; ValueError (lxml's) for a character XML forbids."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    _xml_compatible(value)
    return value.translate(_TEXT)


def text_element(tag: str, value: str | None) -> str:
    """``<tag>value</tag>`` (``<tag/>`` for None, as lxml writes an element without text)."""
    return f"<{tag}/>" if value is None else f"<{tag}>{escaped_text(value)}</{tag}>"


def value_attr(v: Any) -> str:
    """How ``v`` is written in an ItemData's Value attribute (``odm_value``, escaped; a number needs no escaping)."""
    kind = type(v)
    if kind is str:
        return attr(v)
    if kind is int or kind is float:
        return str(v)
    return attr(odm_value(v))


_OIDS: dict[str, dict[str, str]] = {}


def item_oids(form: str) -> dict[str, str]:
    """The escaped ``IT.<form>.<item>`` of the items of ``form`` made so far (``item_oid_attr`` adds to it)."""
    oids = _OIDS.get(form)
    if oids is None:
        oids = _OIDS[form] = {}
    return oids


def item_oid_attr(form: str, item: str) -> str:
    """``IT.<form>.<item>`` escaped for an attribute, made once per item of a form."""
    oid = item_oids(form)[item] = attr(f"IT.{form}.{item}")
    return oid


def el(parent: etree._Element | None, tag: str, attrib: dict[str, Any] | None = None,
       text: str | None = None) -> etree._Element:
    """An ODM element ``tag`` (under ``parent``, or a new root), its attributes as text (None left out)."""
    attrs = {k: v if type(v) is str else str(v) for k, v in attrib.items() if v is not None} if attrib else {}
    node = etree.Element(f"{{{NS}}}{tag}", attrs, nsmap=NSMAP) if parent is None else \
        etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def translated(parent: etree._Element, tag: str, text: Text | str) -> None:
    """``tag`` holding a TranslatedText per language (en and zh for a study text, en for plain text)."""
    holder = el(parent, tag)
    if isinstance(text, Text):
        for lang in ("en", "zh"):
            el(holder, "TranslatedText", {XML_LANG: lang}, text.in_language(lang))
    else:
        el(holder, "TranslatedText", {XML_LANG: "en"}, text)


def item_oid(form: str, item: str) -> str:
    """The OID of one item of a form: ``IT.<form>.<item>``."""
    return f"IT.{form}.{item}"


def data_type(item: Item) -> str:
    if item.response in (ResponseType.VAS_MM, ResponseType.INTEGER):
        return "integer"
    if item.response is ResponseType.NUMBER:
        return "float"
    if item.response is ResponseType.BOOLEAN:
        return "boolean"
    if item.response is ResponseType.CHOICE:
        return "integer" if all(isinstance(c, int) for c in item.choice_codes()) else "text"
    return "text"


def odm_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    if isinstance(v, dict):   # a dose calendar: date -> drugs taken, as compact JSON
        return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(v)


def codelist(mdv: etree._Element, oid: str, name: str, dtype: str, codes: Iterable[tuple[Any, Text | str]]) -> None:
    cl = el(mdv, "CodeList", {"OID": oid, "Name": name, "DataType": dtype})
    for code, label in codes:
        translated(el(cl, "CodeListItem", {"CodedValue": code}), "Decode", label)


def user_oid(name: str) -> str:
    """The OID of a user the AuditRecords name."""
    return f"USR.{name}"
