"""server.exports.release_memory: on glibc the freed heap goes back to the system (issue 25: the report's peak)."""

from __future__ import annotations

import platform

from server.exports.release_memory import release_free_memory


def test_freed_heap_is_trimmed_on_glibc_and_nothing_breaks_elsewhere() -> None:
    junk = [bytes(200) for _ in range(200_000)]      # ~50 MB of small blocks, then freed
    del junk
    trimmed = release_free_memory()
    if platform.libc_ver()[0] == "glibc":
        assert trimmed is True
    else:
        assert trimmed is False
