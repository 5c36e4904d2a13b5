"""define.xml (CDISC Define-XML 2.1) for the SDTM export: every dataset, variable, codelist, origin and method.

Written after the datasets, from the same metadata table (``sdtm_model``, ``define_meta``) and the widths
the files were written with, so it describes exactly the files beside it (``<name>.xpt`` as each dataset's
``def:leaf``). Tests validate it against the Define-XML 2.1 XSD (``vendor/cdisc/schemas/define/2.1``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from server.exports.define_meta import (
    CODELISTS,
    CT_VERSION,
    DATASET_INFO,
    EXTERNAL_CODELISTS,
    REFERENCE_DATASETS,
    SDTMIG_VERSION,
    SUPP_INFO,
    VARIABLE_CODELIST,
    data_type,
    mandatory,
    origin,
)
from server.exports.sdtm_model import Var
from shared.study.model import Study

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_O, _D = f"{{{ODM_NS}}}", f"{{{DEF_NS}}}"


def _text(parent: etree._Element, tag: str, text: str, lang: bool = True) -> etree._Element:
    el = etree.SubElement(parent, f"{_O}{tag}")
    tt = etree.SubElement(el, f"{_O}TranslatedText")
    if lang:
        tt.set(XML_LANG, "en")
    tt.text = text
    return el


def _method_oid(variable: str) -> str:
    return "MT.SEQ" if variable.endswith("SEQ") else f"MT.{variable}"



@dataclass(frozen=True)
class DefineModel:
    """What differs between the define.xml of the SDTM export and that of the ADaM export (issue 21)."""

    label: str                                                   # "SDTM" / "ADaM": FileOID and MetaDataVersion
    standard: tuple[str, str]                                    # the IG: (Name, Version)
    purpose: str                                                 # ItemGroupDef Purpose
    group: Callable[[str], tuple[str, str, tuple[str, ...]]]     # dataset -> (class, structure, key variables)
    origin: Callable[[str, Var], tuple[str, str, str]]           # -> (origin type, source, method or source text)
    mandatory: Callable[[str, str], bool]
    data_type: Callable[[str, Var], str]
    method_oid: Callable[[str, str], str]
    codelist: Callable[[str], str | None] = VARIABLE_CODELIST.get
    display_format: Callable[[Var], str | None] = lambda _v: None
    domain: bool = True                                          # ItemGroupDef Domain (SDTM only)
    reference: frozenset[str] = frozenset()                      # reference-data datasets


def _sdtm_group(name: str) -> tuple[str, str, tuple[str, ...]]:
    return SUPP_INFO if name.startswith("SUPP") else DATASET_INFO[name]


SDTM = DefineModel(label="SDTM", standard=("SDTMIG", SDTMIG_VERSION), purpose="Tabulation", group=_sdtm_group,
                   origin=lambda _d, v: origin(v.name), mandatory=mandatory,
                   data_type=lambda _d, v: data_type(v.name, v.numeric), method_oid=lambda _d, v: _method_oid(v),
                   reference=REFERENCE_DATASETS)


def write_define_xml(path: Path, study: Study, datasets: Sequence[tuple[str, str, Sequence[Var], dict[str, int]]],
                     *, created_at: str, mdv_oid: str, source_version: str,
                     external_versions: dict[str, str] | None = None, model: DefineModel = SDTM) -> None:
    """Write ``path``: datasets are (name, label, variables, width per character variable), in file order.

    ``external_versions``: the version of each external dictionary the data is coded with (MEDDRA: the release
    imported), written on its ExternalCodeList; a dictionary without one is written without a version.
    ``model``: SDTM (default) or the ADaM one of ``server.exports.adam``."""
    ig_name, ig_version = model.standard
    ig_oid = f"STD.{ig_name}"
    root = etree.Element(f"{_O}ODM", nsmap={None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS})
    for key, value in (("FileType", "Snapshot"), ("FileOID", f"DEF.{study.study.id}.{model.label}"),
                       ("CreationDateTime", created_at), ("ODMVersion", "1.3.2"), ("Originator", "trialpro"),
                       ("SourceSystem", "trialpro"), ("SourceSystemVersion", source_version)):
        root.set(key, value)
    root.set(f"{_D}Context", "Submission")
    st = etree.SubElement(root, f"{_O}Study", OID=study.study.id)
    gv = etree.SubElement(st, f"{_O}GlobalVariables")
    for tag, text in (("StudyName", study.study.id), ("StudyDescription", study.study.title),
                      ("ProtocolName", study.study.id)):
        etree.SubElement(gv, f"{_O}{tag}").text = text
    mdv = etree.SubElement(st, f"{_O}MetaDataVersion", OID=mdv_oid,
                           Name=f"{study.study.id} {model.label} ({ig_name} {ig_version})",
                           Description=f"{model.label} datasets of {study.study.id}, study file version "
                                       f"{study.study.version}")
    mdv.set(f"{_D}DefineVersion", "2.1.0")
    standards = etree.SubElement(mdv, f"{_D}Standards")
    etree.SubElement(standards, f"{_D}Standard", OID=ig_oid, Name=ig_name, Type="IG", Version=ig_version,
                     Status="Final")
    etree.SubElement(standards, f"{_D}Standard", OID="STD.CT.SDTM", Name="CDISC/NCI", Type="CT",
                     PublishingSet="SDTM", Version=CT_VERSION, Status="Final")

    used_codelists: list[str] = []
    methods: dict[str, str] = {}
    item_defs: list[tuple[str, Var, int]] = []
    for name, label, variables, widths in datasets:
        cls, structure, keys = model.group(name)
        ig = etree.SubElement(mdv, f"{_O}ItemGroupDef", OID=f"IG.{name}", Name=name,
                              Repeating="No" if name in ("DM", "ADSL") else "Yes",
                              IsReferenceData="Yes" if name in model.reference else "No",
                              SASDatasetName=name, Purpose=model.purpose)
        if model.domain and not name.startswith("SUPP"):
            ig.set("Domain", name)
        ig.set(f"{_D}Structure", structure)
        ig.set(f"{_D}StandardOID", ig_oid)
        ig.set(f"{_D}ArchiveLocationID", f"LF.{name}")
        _text(ig, "Description", label)
        for n, v in enumerate(variables, start=1):
            ref = etree.SubElement(ig, f"{_O}ItemRef", ItemOID=f"IT.{name}.{v.name}", OrderNumber=str(n),
                                   Mandatory="Yes" if model.mandatory(name, v.name) else "No")
            if v.name in keys:
                ref.set("KeySequence", str(keys.index(v.name) + 1))
            kind, _source, method = model.origin(name, v)
            if kind == "Derived":
                ref.set("MethodOID", model.method_oid(name, v.name))
                methods[model.method_oid(name, v.name)] = method
            item_defs.append((name, v, widths.get(v.name, 8)))
            cl = model.codelist(v.name)
            if cl and cl not in used_codelists:
                used_codelists.append(cl)
        etree.SubElement(ig, f"{_D}Class", Name=cls)
        leaf = etree.SubElement(ig, f"{_D}leaf", ID=f"LF.{name}")
        leaf.set(f"{{{XLINK_NS}}}href", f"{name.lower()}.xpt")
        etree.SubElement(leaf, f"{_D}title").text = f"{name.lower()}.xpt"

    for dataset, v, width in item_defs:
        dtype = model.data_type(dataset, v)
        item = etree.SubElement(mdv, f"{_O}ItemDef", OID=f"IT.{dataset}.{v.name}", Name=v.name, DataType=dtype)
        if dtype in ("text", "integer", "float"):
            item.set("Length", str(width))
        if dtype == "float":
            item.set("SignificantDigits", "2")
        item.set("SASFieldName", v.name)
        if model.display_format(v):
            item.set(f"{_D}DisplayFormat", str(model.display_format(v)))
        _text(item, "Description", v.label)
        if model.codelist(v.name):
            etree.SubElement(item, f"{_O}CodeListRef", CodeListOID=str(model.codelist(v.name)))
        kind, source, text = model.origin(dataset, v)
        org = etree.SubElement(item, f"{_D}Origin", Type=kind)
        if source and kind in ("Collected", "Derived", "Assigned"):
            org.set("Source", source)
        if kind == "Predecessor" and text:
            _text(org, "Description", text)

    for oid in used_codelists:
        if oid in EXTERNAL_CODELISTS:
            name, dictionary, dtype = EXTERNAL_CODELISTS[oid]
            el = etree.SubElement(mdv, f"{_O}CodeList", OID=oid, Name=name, DataType=dtype)
            ext = etree.SubElement(el, f"{_O}ExternalCodeList", Dictionary=dictionary)
            if (external_versions or {}).get(dictionary):
                ext.set("Version", external_versions[dictionary])
            continue
        cl = CODELISTS[oid]
        el = etree.SubElement(mdv, f"{_O}CodeList", OID=cl.oid, Name=cl.name, DataType="text")
        if cl.c_code:
            el.set(f"{_D}StandardOID", "STD.CT.SDTM")
        for rank, (value, (decode, code)) in enumerate(cl.terms.items(), start=1):
            item = etree.SubElement(el, f"{_O}CodeListItem", CodedValue=value, OrderNumber=str(rank))
            if value in cl.extended:
                item.set(f"{_D}ExtendedValue", "Yes")
            _text(item, "Decode", decode)
            if code:
                etree.SubElement(item, f"{_O}Alias", Context="nci:ExtCodeID", Name=code)
        if cl.c_code:
            etree.SubElement(el, f"{_O}Alias", Context="nci:ExtCodeID", Name=cl.c_code)

    for oid, text in methods.items():
        m = etree.SubElement(mdv, f"{_O}MethodDef", OID=oid, Name=f"Derivation of {oid[3:]}", Type="Computation")
        _text(m, "Description", text)
    etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)
