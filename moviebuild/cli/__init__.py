"""The command line: one module per command, one top-level error handler; the only home of click
and rich."""
