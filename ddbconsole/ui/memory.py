"""The garbage collector and the console (see docs/ARCHITECTURE.md, Memory and the garbage
collector).

CPython frees most objects by reference counting; its cycle collector only has to find garbage in
reference cycles, but a full collection walks every tracked object, and while it runs the event
loop waits. Two things made the Stream tab stall for up to a second at 1,000 records a second:

- Textual's LRUCache is a ring of linked lists; `clear()` drops the ring whole, so every cleared
  cache (a DataTable clears its render caches each time its rows are replaced, up to 10,000 cells
  of rendered segments) became cyclic garbage that only a full collection could free, and made
  full collections come often. `release_cleared_caches` makes `clear()` unlink the ring first, so
  reference counting frees it at once.
- The objects made at start-up (modules, classes, styles, botocore's service models: over
  100,000) live as long as the process, yet every full collection walked them again.
  `settle()` freezes them (`gc.freeze()`) once the first screen is drawn, once per process (a
  screen frozen and later closed could never be collected).
- Python's default thresholds (700, 10, 10) collect the youngest generation after every 700 net
  allocations: at 1,000 records a second (about 70 container objects each, parsed, decoded and
  drawn) that is 100 collections a second, and anything living a few tens of milliseconds (a
  GetRecords page being decoded) is promoted until a full collection looks at it. THRESHOLDS
  lets short-lived objects die young (5,000), keeps the middle generation's collections small
  (every 10 young ones), and asks for a full collection only after 100 middle ones (Python also
  waits until a quarter of the old generation is new): with the cycles above gone, what reaches
  the old generation is mostly the stream's ring, freed by reference counting, not garbage.
"""

from __future__ import annotations

import gc
from typing import Any

THRESHOLDS = (5_000, 10, 100)  # gc.set_threshold: see above

_patched = False
_settled = False


def release_cleared_caches() -> None:
    """Make Textual's LRUCache.clear() unlink its ring before dropping it (once per process)."""
    global _patched
    if _patched:
        return
    from textual.cache import LRUCache

    original = LRUCache.clear

    def clear(self: Any) -> None:
        links = getattr(self, "_cache", None)
        if isinstance(links, dict):
            for link in links.values():
                if isinstance(link, list):
                    link.clear()  # [prev, next, key, value]: no cycle left behind
        original(self)

    clear.__doc__ = original.__doc__
    LRUCache.clear = clear  # type: ignore[method-assign]
    _patched = True


def settle() -> None:
    """Freeze what start-up made, so later collections no longer walk it, and set THRESHOLDS
    (when the first screen is up; once per process). Garbage is collected first, so none of it
    is kept for good."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
