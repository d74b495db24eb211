"""Provider adapters: offline, openai, elevenlabs, replicate, fal (the only network clients)."""
