"""Wiring: a movie folder's Moviefile, blueprints, store and providers handed to the engine."""
