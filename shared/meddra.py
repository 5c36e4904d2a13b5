"""Bring-your-own MedDRA: read a licensed release in MedDRA's standard ASCII distribution files and code a
verbatim term by exact match (issue 17). No MedDRA content ships with trialpro.

The files (folder ``MedAscii`` of a release), one record a line, fields separated by ``$`` (a line ends with
``$``); only the fields used here are named:

- ``llt.asc``  llt_code $ llt_name $ pt_code $ (5 legacy code fields) $ ... $ llt_currency (Y/N) $ ...
- ``pt.asc``   pt_code $ pt_name $ null $ pt_soc_code (primary SOC) $ ...
- ``hlt.asc``, ``hlgt.asc``  code $ name $ ...
- ``soc.asc``  soc_code $ soc_name $ soc_abbrev $ ...
- ``hlt_pt.asc`` hlt_code $ pt_code;  ``hlgt_hlt.asc`` hlgt_code $ hlt_code;  ``soc_hlgt.asc`` soc_code $ hlgt_code
- ``mdhier.asc`` pt_code $ hlt_code $ hlgt_code $ soc_code $ pt_name $ hlt_name $ hlgt_name $ soc_name $
  soc_abbrev $ null $ pt_soc_code $ primary_soc_fg (Y on the PT's primary path)
- ``meddra_release.asc`` (optional) version $ language $ ...

A release is accepted whole or not at all: every problem names file, line and field. Each PT is coded along
its primary path (``primary_soc_fg`` = Y in mdhier.asc), checked against the link files when they are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.errors import FieldProblem, MeddraFilesInvalid
from shared.values import ascii_digits

REQUIRED_FILES = ("llt.asc", "pt.asc", "hlt.asc", "hlgt.asc", "soc.asc", "mdhier.asc")
LINK_FILES = ("hlt_pt.asc", "hlgt_hlt.asc", "soc_hlgt.asc")
RELEASE_FILE = "meddra_release.asc"


@dataclass(frozen=True)
class Llt:
    code: int
    name: str
    pt_code: int
    current: bool


@dataclass(frozen=True)
class Pt:
    """A preferred term with its primary path up to the system organ class."""

    code: int
    name: str
    hlt_code: int
    hlt_name: str
    hlgt_code: int
    hlgt_name: str
    soc_code: int
    soc_name: str
    soc_abbrev: str


@dataclass(frozen=True)
class Release:
    version: str
    language: str
    llts: tuple[Llt, ...]
    pts: tuple[Pt, ...]


def term_key(text: object) -> str:
    """The exact-match key of a term: case and runs of spaces do not count, nothing else is changed."""
    return " ".join(text.split()).casefold() if isinstance(text, str) else ""


def _rows(name: str, lines: Iterable[str], width: int, problems: list[FieldProblem]) -> list[tuple[int, list[str]]]:
    out = []
    for n, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("$")
        if len(fields) < width:
            problems.append(FieldProblem(f"{name}:{n}", line[:80], f"at least {width} $-separated fields",
                                         f"{name} line {n}: has {len(fields)} $-separated fields, needs at least "
                                         f"{width} (MedDRA ASCII layout)"))
            continue
        out.append((n, fields))
    return out


def _code(name: str, n: int, field: str, value: str, problems: list[FieldProblem]) -> int | None:
    if ascii_digits(value) and len(value) == 8:
        return int(value)
    problems.append(FieldProblem(f"{name}:{n}:{field}", value, "an 8-digit MedDRA code",
                                 f"{name} line {n}: {field} {value!r} is not an 8-digit MedDRA code"))
    return None


def _names(name: str, lines: Iterable[str], problems: list[FieldProblem]) -> dict[int, tuple[str, str]]:
    """code -> (name, third field) of a term file (hlt, hlgt, soc)."""
    out: dict[int, tuple[str, str]] = {}
    for n, f in _rows(name, lines, 3, problems):
        code = _code(name, n, "code", f[0], problems)
        if code is not None:
            out[code] = (f[1].strip(), f[2].strip())
    return out


def parse_release(files: Mapping[str, Iterable[str]]) -> Release:
    """A whole release from its files (name -> lines). Raises MeddraFilesInvalid naming every problem."""
    p: list[FieldProblem] = []
    missing = [f for f in REQUIRED_FILES if f not in files]
    if missing:
        raise MeddraFilesInvalid([FieldProblem(f, None, "the MedDRA ASCII file " + f,
                                               f"{f}: is missing from the folder (needed: {', '.join(REQUIRED_FILES)})")
                                  for f in missing])
    hlts, hlgts, socs = (_names(f, files[f], p) for f in ("hlt.asc", "hlgt.asc", "soc.asc"))
    pt_names: dict[int, str] = {}
    for n, f in _rows("pt.asc", files["pt.asc"], 4, p):
        code = _code("pt.asc", n, "pt_code", f[0], p)
        if code is not None:
            pt_names[code] = f[1].strip()
    pts: dict[int, Pt] = {}
    for n, f in _rows("mdhier.asc", files["mdhier.asc"], 12, p):
        codes = [_code("mdhier.asc", n, k, v, p) for k, v in zip(("pt_code", "hlt_code", "hlgt_code", "soc_code"),
                                                                  f[:4], strict=True)]
        if None in codes or f[11].strip() != "Y":
            continue
        pt, hlt, hlgt, soc = (c for c in codes if c is not None)
        for field, code, known in (("pt_code", pt, pt_names), ("hlt_code", hlt, hlts), ("hlgt_code", hlgt, hlgts),
                                   ("soc_code", soc, socs)):
            if code not in known:
                p.append(FieldProblem(f"mdhier.asc:{n}:{field}", code, f"a code of {field[:-5]}.asc",
                                      f"mdhier.asc line {n}: {field} {code} is not in {field[:-5]}.asc"))
        if pt in pts:
            p.append(FieldProblem(f"mdhier.asc:{n}:primary_soc_fg", "Y", "one primary path per PT",
                                  f"mdhier.asc line {n}: PT {pt} has a second primary path"))
        if all(c in k for c, k in ((pt, pt_names), (hlt, hlts), (hlgt, hlgts), (soc, socs))):
            pts[pt] = Pt(pt, pt_names[pt], hlt, hlts[hlt][0], hlgt, hlgts[hlgt][0], soc, socs[soc][0], socs[soc][1])
    for code in sorted(set(pt_names) - set(pts)):
        p.append(FieldProblem(f"mdhier.asc:pt_code:{code}", code, "a primary path for every PT of pt.asc",
                              f"mdhier.asc: PT {code} ({pt_names[code]}) has no primary path (primary_soc_fg Y)"))
    p += _link_problems(files, pts)
    llts: list[Llt] = []
    for n, f in _rows("llt.asc", files["llt.asc"], 10, p):
        code, pt = _code("llt.asc", n, "llt_code", f[0], p), _code("llt.asc", n, "pt_code", f[2], p)
        if code is None or pt is None:
            continue
        if pt not in pt_names:
            p.append(FieldProblem(f"llt.asc:{n}:pt_code", pt, "a code of pt.asc",
                                  f"llt.asc line {n}: pt_code {pt} is not in pt.asc"))
            continue
        llts.append(Llt(code, f[1].strip(), pt, f[9].strip() != "N"))
    if p:
        raise MeddraFilesInvalid(p)
    version, language = "unknown", "unknown"
    if RELEASE_FILE in files:
        first = next((line.rstrip("\r\n").split("$") for line in files[RELEASE_FILE] if line.strip()), [])
        version = first[0].strip() if first and first[0].strip() else version
        language = first[1].strip() if len(first) > 1 and first[1].strip() else language
    return Release(version, language, tuple(llts), tuple(pts[c] for c in sorted(pts)))


def _link_problems(files: Mapping[str, Iterable[str]], pts: Mapping[int, Pt]) -> list[FieldProblem]:
    """The primary path of each PT must be one of the links the link files give (when they are given)."""
    p: list[FieldProblem] = []
    links: dict[str, set[tuple[int, int]]] = {}
    for name in LINK_FILES:
        if name in files:
            links[name] = set()
            for n, f in _rows(name, files[name], 2, p):
                a, b = _code(name, n, "parent", f[0], p), _code(name, n, "child", f[1], p)
                if a is not None and b is not None:
                    links[name].add((a, b))
    for pt in pts.values():
        for name, pair in (("hlt_pt.asc", (pt.hlt_code, pt.code)), ("hlgt_hlt.asc", (pt.hlgt_code, pt.hlt_code)),
                           ("soc_hlgt.asc", (pt.soc_code, pt.hlgt_code))):
            if name in links and pair not in links[name]:
                p.append(FieldProblem(f"{name}", f"{pair[0]}${pair[1]}", "the links of the primary path in mdhier.asc",
                                      f"{name}: has no line {pair[0]}${pair[1]}, which mdhier.asc's primary path of "
                                      f"PT {pt.code} needs"))
    return p


def auto_code(term: str, term_en: str | None, llts_by_key: Mapping[str, Llt]) -> Llt | None:
    """The lowest level term a verbatim term codes to by exact match (English translation first, then the
    verbatim term; case and runs of spaces ignored); None when neither matches one exactly."""
    for text in (term_en, term):
        hit = llts_by_key.get(term_key(text)) if text else None
        if hit is not None:
            return hit
    return None
