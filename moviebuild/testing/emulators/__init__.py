"""Local HTTP servers that speak the OpenAI, ElevenLabs, Replicate and fal wire protocols, for
testing the network adapters (and your own setup) without keys, money or the internet.

Layout: ``base`` (server, fault plan, counters), ``media`` (valid PNG/MP3/MP4 bytes), and one
module per provider. Each emulator listens on 127.0.0.1 on an ephemeral port; ``environment()``
gives the variables that point the matching adapter at it::

    with OpenAIEmulator() as openai:
        os.environ.update(openai.environment())
        openai.faults.add("chat", FaultKind.RATE_LIMIT, retry_after="3")
"""

from moviebuild.testing.emulators.base import Emulator, Fault, FaultKind, FaultPlan, RecordedRequest
from moviebuild.testing.emulators.elevenlabs import ElevenLabsEmulator
from moviebuild.testing.emulators.fal import FalEmulator
from moviebuild.testing.emulators.openai import OpenAIEmulator
from moviebuild.testing.emulators.replicate import ReplicateEmulator

__all__ = [
    "ElevenLabsEmulator",
    "Emulator",
    "FalEmulator",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "OpenAIEmulator",
    "RecordedRequest",
    "ReplicateEmulator",
]
