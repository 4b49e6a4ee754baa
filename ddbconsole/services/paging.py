"""Paging through Scan/Query/PartiQL results one request per page, with bounded memory.

A `Pager` remembers the start key (or NextToken) of every page it has seen — a few bytes each — and
keeps the items of only the last `cache_pages` pages. Going forward costs one request; going back to
a cached page costs nothing, and to an evicted one costs one request (its start key is known).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from ddbconsole.models import Page

# Given the start of a page (None for the first), fetch it with exactly one request.
Fetch = Callable[[Any], Awaitable[Page]]


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
