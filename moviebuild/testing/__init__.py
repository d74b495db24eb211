"""Test doubles for moviebuild and for code that embeds it: an in-memory result lookup, a
scripted fake adapter with fault injection, and a manual clock so tests never sleep."""
