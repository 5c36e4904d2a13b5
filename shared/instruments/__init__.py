"""The instrument library: data files (``files/<id>-<version>.toml``) found by id and version."""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.errors import UnknownInstrument
from shared.instruments.loader import installed_instruments, load_instrument, parse_instrument
from shared.instruments.model import Choice, Instrument, Item, ResponseType, Score, ScoreMethod, Text


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


@cache
def _index() -> dict[tuple[str, str | None], Instrument]:
    """(id, version) -> instrument, and (id, None) -> its newest version: every record's check looks here."""
    out: dict[tuple[str, str | None], Instrument] = {}
    for inst in sorted(installed_instruments(), key=lambda i: _version_key(i.version)):
        out[(inst.id, inst.version)] = out[(inst.id, None)] = inst
    return out


def get_instrument(instrument_id: str, version: str | None = None) -> Instrument:
    """The instrument ``instrument_id`` at ``version`` (the newest one when None).

    Raises UnknownInstrument naming what is defined.
    """
    hit = _index().get((instrument_id, version))
    if hit is not None:
        return hit
    known = ", ".join(f"{i.id} {i.version}" for i in installed_instruments())
    raise UnknownInstrument(
        f"Instrument {instrument_id!r} version {version!r} is not defined; defined are: {known}.",
        details={"instrument_id": instrument_id, "version": version})


@cache
def _versions(instrument_id: str, version: str) -> tuple[Instrument, ...]:
    return tuple(i for i in installed_instruments() if i.id == instrument_id and i.version != version)


def other_versions(instrument: Instrument) -> tuple[Instrument, ...]:
    """The other installed versions of ``instrument``, oldest first."""
    return _versions(instrument.id, instrument.version)


def export_items(instrument: Instrument) -> tuple[Item, ...]:
    """What exports give a column or an ItemDef: the study version's items, then the items only its other
    installed versions have (a dosing diary 1.0 record keeps its counts after the study moved to 2.0)."""
    seen = {it.id for it in instrument.items}
    extra = []
    for other in other_versions(instrument):
        for it in other.items:
            if it.id not in seen:
                seen.add(it.id)
                extra.append(it)
    return instrument.items + tuple(extra)


def export_score_names(instrument: Instrument) -> tuple[str, ...]:
    """The study version's score names, then those only its other installed versions declare."""
    names = list(instrument.score_names)
    for other in other_versions(instrument):
        names += [n for n in other.score_names if n not in names]
    return tuple(names)


def all_instruments() -> tuple[Instrument, ...]:
    """Every installed instrument (each id at each version)."""
    return installed_instruments()


def __getattr__(name: str) -> Any:
    """``ALL_INSTRUMENTS``, loaded on first use rather than at import time."""
    if name == "ALL_INSTRUMENTS":
        return installed_instruments()
    raise AttributeError(name)


__all__ = ["ALL_INSTRUMENTS", "Choice", "Instrument", "Item", "ResponseType", "Score", "ScoreMethod", "Text",
           "all_instruments", "export_items", "export_score_names", "get_instrument", "load_instrument",
           "other_versions", "parse_instrument"]
