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


def test_a_saved_page_leaves_nothing_holding_its_figure_when_the_memory_is_released(tmp_path) -> None:
    """Issue 25: the report releases memory after each page; a name still bound to the page's last figure (a loop
    variable) kept its canvas and data alive into the next page's peak. Saving a page must leave every figure
    of it free to be collected."""
    import gc
    import weakref

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from server.exports.report import _save_pages

    pngs: list[bytes] = []
    with PdfPages(tmp_path / "report.pdf") as pdf:
        for count in (1, 2):     # a page of one figure, then a page of two (a table continued)
            made = plt.figure(figsize=(2, 1)) if count == 1 else [plt.figure(figsize=(2, 1)) for _ in range(2)]
            figures = [weakref.ref(f) for f in (made if isinstance(made, list) else [made])]
            _save_pages(made, pdf, tmp_path, pngs)
            del made
            gc.collect()
            assert all(ref() is None for ref in figures)
    assert len(pngs) == 3 and (tmp_path / "page-3.png").read_bytes() == pngs[2]
