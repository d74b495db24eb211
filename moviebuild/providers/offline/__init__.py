"""Offline providers: real media made on this machine, deterministically, without keys."""
