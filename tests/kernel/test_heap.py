"""A web process settles its heap once the app is loaded (kernel/heap.py)."""

from __future__ import annotations

import gc
import importlib
import weakref

import pytest

from kernel import heap


@pytest.fixture
def collector():
    """Puts the collector back as the test found it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settling_freezes_what_is_loaded_and_raises_the_young_threshold(settings, collector):
    settings.WEB_GC_THRESHOLD = 12_345
    _young, middle, oldest = gc.get_threshold()
    gc.unfreeze()
    heap.settle()
    assert gc.get_freeze_count() > 10_000  # the loaded app, out of the collector's way
    assert gc.get_threshold() == (12_345, middle, oldest)


def test_a_threshold_of_zero_keeps_pythons_own(settings, collector):
    settings.WEB_GC_THRESHOLD = 0
    before = gc.get_threshold()
    heap.settle()
    assert gc.get_threshold() == before


def test_cycles_made_after_settling_are_still_freed(settings, collector):
    settings.WEB_GC_THRESHOLD = 12_345
    heap.settle()

    class Node:
        pass

    node = Node()
    node.me = node  # a cycle only the collector can free
    gone = weakref.ref(node)
    del node
    gc.collect()
    assert gone() is None


def test_the_wsgi_application_settles_the_heap_when_it_is_loaded(monkeypatch):
    import radicals.wsgi

    settled = []
    monkeypatch.setattr(heap, "settle", lambda: settled.append(True))
    importlib.reload(radicals.wsgi)
    assert settled == [True]
    assert callable(radicals.wsgi.application)
