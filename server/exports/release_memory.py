"""Hand the heap's free pages back to the system between an export's stages (issue 25: the report's data stage
leaves ~40-50 MB of freed but fragmented heap that glibc keeps, and the pages' figures came on top of it)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    """glibc, or None elsewhere (musl, macOS: no malloc_trim; nothing to do there)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_free_memory() -> bool:
    """Collect garbage, then glibc ``malloc_trim(0)``; True when the heap was trimmed."""
    gc.collect()
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
