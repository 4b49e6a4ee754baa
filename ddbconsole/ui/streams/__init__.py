"""The Stream tab, a stream record's detail and an item's history (docs/ARCHITECTURE.md, Streams and undo)."""
