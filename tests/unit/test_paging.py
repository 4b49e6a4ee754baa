from __future__ import annotations

from typing import Any

from ddbconsole.models import Page
from ddbconsole.services.paging import Pager


class FakeTable:
    """A paginated source with 10 pages of 3 items; counts requests like a server would."""

    def __init__(self, pages: int = 10, per_page: int = 3) -> None:
        self.pages = pages
        self.per_page = per_page
        self.calls: list[Any] = []

    async def fetch(self, start: Any) -> Page:
        self.calls.append(start)
        n = 0 if start is None else int(start["k"]["N"])
        items = tuple({"k": {"N": str(n + i)}} for i in range(self.per_page))
        last = n + self.per_page
        more = last < self.pages * self.per_page
        return Page(
            items=items,
            count=len(items),
            last_evaluated_key={"k": {"N": str(last)}} if more else None,
        )


async def test_forward_costs_one_request_per_page_and_memory_is_bounded() -> None:
    source = FakeTable()
    pager = Pager(source.fetch, cache_pages=3)
    page = await pager.first()
    assert page.items[0] == {"k": {"N": "0"}}
    for expected in range(1, 10):
        page = await pager.next()  # type: ignore[assignment]
        assert page is not None and page.items[0] == {"k": {"N": str(expected * 3)}}
        assert pager.cached_pages <= 3
    assert len(source.calls) == 10 == pager.requests
    assert not pager.has_next and await pager.next() is None


async def test_back_uses_cache_then_one_request_for_evicted_pages() -> None:
    source = FakeTable()
    pager = Pager(source.fetch, cache_pages=2)
    await pager.first()
    for _ in range(4):
        await pager.next()
    assert pager.index == 4
    calls = len(source.calls)
    page = await pager.prev()  # page 3 is cached
    assert page is not None and page.items[0] == {"k": {"N": "9"}}
    assert len(source.calls) == calls
    page = await pager.prev()  # page 2 was evicted: exactly one request, from its known start
    assert page is not None and page.items[0] == {"k": {"N": "6"}}
    assert len(source.calls) == calls + 1 and source.calls[-1] == {"k": {"N": "6"}}
    assert await pager.prev() is not None and await pager.prev() is not None
    assert not pager.has_prev and await pager.prev() is None


async def test_reload_refetches_current_page() -> None:
    source = FakeTable(pages=2)
    pager = Pager(source.fetch)
    await pager.first()
    await pager.reload()
    assert source.calls == [None, None] and pager.index == 0
