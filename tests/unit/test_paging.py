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


async def test_a_filtered_read_reads_on_until_enough_matches_or_the_budget() -> None:
    from ddbconsole.models import ConsumedCapacity, Page
    from ddbconsole.services.paging import read_on

    sent: list[object] = []

    async def fetch(start: object) -> Page:
        """100 items scanned per request, 1 match in every other request, 10 requests in all."""
        n = 0 if start is None else int(str(start))
        sent.append(start)
        match = ({"k": {"N": str(n)}},) if n % 2 else ()
        return Page(match, len(match), 100, None if n == 9 else {"n": n + 1},  # type: ignore[arg-type]
                    consumed=ConsumedCapacity(total=12.5))  # fmt: skip

    async def keyed(start: object) -> Page:
        page = await fetch(None if start is None else start["n"])  # type: ignore[index]
        return page

    page = await read_on(keyed, 3)(None)
    assert page.count == 3 and page.requests == 6 and page.scanned_count == 600
    assert page.consumed is not None and page.consumed.total == 75.0
    assert page.last_evaluated_key == {"n": 6}  # the next page starts where reading stopped
    sent.clear()
    budget = await read_on(keyed, 100, capacity=30.0)(None)  # 3 requests spend 37.5 CU
    assert budget.requests == 3 and len(sent) == 3 and budget.last_evaluated_key == {"n": 3}
    end = await read_on(keyed, 100)({"n": 7})
    assert end.requests == 3 and end.last_evaluated_key is None and end.count == 2
