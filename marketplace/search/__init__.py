"""Chinese-aware full-text search over listings: analysis, index, and the outbox feeding it."""
