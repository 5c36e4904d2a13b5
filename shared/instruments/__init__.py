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


def all_instruments() -> tuple[Instrument, ...]:
    """Every installed instrument (each id at each version)."""
    return installed_instruments()


def __getattr__(name: str) -> Any:
    """``ALL_INSTRUMENTS``, loaded on first use rather than at import time."""
    if name == "ALL_INSTRUMENTS":
        return installed_instruments()
    raise AttributeError(name)


__all__ = ["ALL_INSTRUMENTS", "Choice", "Instrument", "Item", "ResponseType", "Score", "ScoreMethod", "Text",
           "all_instruments", "get_instrument", "load_instrument", "parse_instrument"]
