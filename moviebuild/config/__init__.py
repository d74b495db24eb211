"""Moviefile and blueprint loading and validation; the only home of pydantic and yaml."""
