"""Test doubles for moviebuild and for code that embeds it: an in-memory result lookup and
recorder, a scripted fake adapter with fault injection, a call-counting wrapper for real adapters,
a manual clock so tests never sleep, a scripted executor and ``ScriptedBuild`` to drive the
scheduler call by call (``testing.scheduling``), and emulators (``testing.emulators``) that speak
the OpenAI, ElevenLabs, Replicate and fal wire protocols on 127.0.0.1."""
