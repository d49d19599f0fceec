"""Function workers: one process per concurrent invocation, handler imported once, then warm."""
