"""The history read a page at a time through the store interface (``history_page``, what
the history screen uses on a store that serves pages): the pages, read on to the end, are
the whole history, newest first; filtered, exactly what the whole history filtered gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from triage_tui import readmodel
from triage_tui.readmodel import RowPages, filter_rows, load_rows
from triage_tui.storage import HistoryStore
from triage_tui.storage.demo import demo_assessments

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path) -> HistoryStore:  # noqa: ANN001
    items = demo_assessments(250, NOW)
    items[7] = replace(items[7], account="Straße GmbH")
    s = HistoryStore(tmp_path / "history.json")
    s.add_many(items)
    return s


def _read_all(pages: RowPages) -> list[int]:
    for _ in range(1000):
        if pages.done:
            return [r.id for r in pages.rows]
        pages.more()
    raise AssertionError("never reached the end")


def test_the_pages_are_the_whole_history_newest_first(store: HistoryStore) -> None:
    pages = RowPages(store)
    first = pages.more()
    assert len(first) == readmodel.PAGE and not pages.done
    assert _read_all(pages) == [r.id for r in load_rows(store)]


@pytest.mark.parametrize("query", ["north", "strasse", "immediately", "march", "2026-0",
                                   "handle it", "zz-nothing"])
def test_filtered_pages_are_the_history_filtered(store: HistoryStore, query: str,
                                                 monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(readmodel, "SCAN_FIRST", 10)
    monkeypatch.setattr(readmodel, "SCAN", 40)
    assert _read_all(RowPages(store, query)) == \
        [r.id for r in filter_rows(load_rows(store), query)]
