"""A request-serving worker runs the cyclic garbage collector less often and never walks what start-up made
(server.commands.run.tune_collector, called by each gunicorn worker of `trialpro-server serve`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from server.commands.run import GC_THRESHOLDS, tune_collector


@pytest.fixture
def collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_a_worker_freezes_its_start_up_objects_and_collects_young_ones_less_often(collector: None) -> None:
    assert gc.get_threshold() != GC_THRESHOLDS
    tune_collector()
    assert gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[0] >= 10_000
    assert gc.get_freeze_count() > 0
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1   # cycles are still collected
