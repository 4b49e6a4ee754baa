"""Paging through Scan/Query/PartiQL results one request per page, with bounded memory.

A `Pager` remembers the start key (or NextToken) of every page it has seen — a few bytes each — and
keeps the items of only the last `cache_pages` pages. Going forward costs one request; going back to
a cached page costs nothing, and to an evicted one costs one request (its start key is known).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from ddbconsole.models import ConsumedCapacity, Page

# Given the start of a page (None for the first), fetch it (one request; see `read_on`).
Fetch = Callable[[Any], Awaitable[Page]]

# A filtered read stops reading on at whichever comes first: the page size matched, this much
# capacity consumed, or this many requests (when the endpoint reports no capacity).
READ_ON_CAPACITY = 100.0
READ_ON_REQUESTS = 25


def read_on(
    fetch: Fetch,
    want: int | None,
    *,
    capacity: float = READ_ON_CAPACITY,
    max_requests: int = READ_ON_REQUESTS,
) -> Fetch:
    """A page of a filtered Scan/Query: request after request until `want` items matched, the
    capacity budget is spent, `max_requests` were sent or the results end; one page, whose
    `requests`, `scanned_count` and `consumed` add up every request (shown to the user). Without
    it, a filter matching little shows pages of "Count 0"."""

    async def gather(start: Any) -> Page:
        items: list[dict[str, Any]] = []
        count = scanned = requests = 0
        total: float | None = None
        indexes: dict[str, float] = {}
        while True:
            page = await fetch(start)
            requests += 1
            items.extend(page.items)
            count += page.count
            scanned += page.scanned_count or 0
            if page.consumed is not None and page.consumed.total is not None:
                total = (total or 0.0) + page.consumed.total
                for name, cu in page.consumed.indexes.items():
                    indexes[name] = indexes.get(name, 0.0) + cu
            start = page.last_evaluated_key
            spent = total is not None and total >= capacity
            if start is None or (want and count >= want) or spent or requests >= max_requests:
                break
        consumed = ConsumedCapacity(total=total, indexes=indexes) if total is not None else None
        return Page(tuple(items), count, scanned, start, None, consumed, requests)

    return gather


class Pager:
    def __init__(self, fetch: Fetch, *, cache_pages: int = 8) -> None:
        if cache_pages < 1:
            raise ValueError("cache_pages must be at least 1")
        self._fetch = fetch
        self._cache_pages = cache_pages
        self._starts: list[Any] = [None]  # _starts[n] = where page n begins
        self._cache: OrderedDict[int, Page] = OrderedDict()
        self._end: int | None = None  # index of the last page, once known
        self.index = -1  # the current page; -1 before the first fetch
        self.requests = 0

    @property
    def current(self) -> Page | None:
        return self._cache.get(self.index)

    @property
    def has_next(self) -> bool:
        return self.index < 0 or self._end is None or self.index < self._end

    @property
    def has_prev(self) -> bool:
        return self.index > 0

    @property
    def cached_pages(self) -> int:
        return len(self._cache)

    async def _load(self, index: int) -> Page:
        page = self._cache.get(index)
        if page is None:
            page = await self._fetch(self._starts[index])
            self.requests += 1
            self._cache[index] = page
            while len(self._cache) > self._cache_pages:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(index)
        nxt = page.last_evaluated_key if page.last_evaluated_key is not None else page.next_token
        if nxt is None:
            self._end = index
        elif index + 1 == len(self._starts):
            self._starts.append(nxt)
        self.index = index
        return page

    async def first(self) -> Page:
        return await self._load(0)

    async def next(self) -> Page | None:
        """The next page (one request unless cached), or None at the end."""
        if not self.has_next:
            return None
        return await self._load(self.index + 1)

    async def prev(self) -> Page | None:
        if not self.has_prev:
            return None
        return await self._load(self.index - 1)

    async def reload(self) -> Page:
        """Fetch the current page again (after an edit or delete)."""
        index = max(self.index, 0)
        self._cache.pop(index, None)
        del self._starts[index + 1 :]
        self._end = None
        return await self._load(index)
