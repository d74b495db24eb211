"""Piper speech in this process: voice models found in installed packages, one warm ONNX session
per model shared by every worker thread, and the time of every word from piper's alignments.

Loading a voice takes about a second, so each model is loaded once per process. Piper's models
draw Gaussian noise inside the graph (two RandomNormalLike nodes) from a generator that runs on
from call to call; the loaded graph takes that noise as inputs instead, drawn from a generator
seeded by the take, so every call gives the same samples as the first call of a fresh process.
It does not choose engines or voices (speech.py does) nor encode audio.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moviebuild.errors import MediaError

_PHONEMIZE_LOCK = threading.Lock()
"""Piper phonemizes through espeak-ng, whose state is global."""
_LOAD_LOCK = threading.Lock()
_NOISE_OP = "RandomNormalLike"
_NOISE_PER_ID = (4_096, 65_536)
"""Noise values drawn per phoneme id: enough for 21 frames of 192 channels (0.25 s a phoneme),
then, if the model asks for more, for 341 frames (piper's longest pause is well under that)."""
# Phonemes that are not part of a word: sentence start and end, and punctuation.
_NOT_SPOKEN = frozenset("^$_,.!?;:—–-…\"'()«»¡¿")
# Marks that belong to a word but are no sound of their own (stress, length, palatalisation).
_MARKS = frozenset("ˈˌːˑʲ")


@dataclass(frozen=True)
class PiperModel:
    """A piper voice model (.onnx with its .onnx.json) found inside an installed package."""

    model_path: Path
    config_path: Path
    language: str
    sample_rate_hz: int
    speaker_count: int


@dataclass(frozen=True)
class PiperSpeech:
    """16-bit mono PCM and, per sentence, its words' (start s, end s, sounds), or None."""

    pcm: bytes
    sample_rate_hz: int
    sentences: list[list[tuple[float, float, int]]] | None


@functools.cache
def find_piper_models() -> tuple[PiperModel, ...]:
    """Piper voice models shipped inside installed packages; empty when piper-tts is missing."""
    try:
        importlib.metadata.version("piper-tts")
    except importlib.metadata.PackageNotFoundError:
        return ()
    if importlib.util.find_spec("piper") is None:
        return ()
    models = []
    for dist in importlib.metadata.distributions():
        # Every plan asks which engine speaks (it is in the key): read each package's RECORD as
        # text and parse the file list only of packages that ship a model (~10 ms, not ~300).
        record = dist.read_text("RECORD")
        if record is not None and ".onnx.json" not in record:
            continue
        for file in dist.files or ():
            if file.name.endswith(".onnx.json"):
                model = _read_piper_model(Path(str(dist.locate_file(file))))
                if model is not None:
                    models.append(model)
    return tuple(sorted(set(models), key=lambda m: str(m.model_path)))


def _read_piper_model(config_path: Path) -> PiperModel | None:
    model_path = config_path.with_suffix("")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        language = config.get("language", {}).get("code") or config["espeak"]["voice"]
        sample_rate_hz = int(config["audio"]["sample_rate"])
        speaker_count = int(config.get("num_speakers", 1))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if "phoneme_id_map" not in config or not model_path.is_file():
        return None
    return PiperModel(model_path, config_path, str(language), sample_rate_hz, speaker_count)


def piper_speak(
    text: str, model: PiperModel, *, length_scale: float, speaker: int | None, seed: int
) -> PiperSpeech:
    """``text`` read by ``model``; the same arguments give the same samples in any process."""
    import numpy as np

    voice, noise = _loaded(model)
    pcm: list[bytes] = []
    chunks = []
    try:
        with _PHONEMIZE_LOCK:
            sentence_phonemes = voice.phonemize(text)
        for number, phonemes in enumerate(sentence_phonemes):
            if not phonemes:
                continue
            ids = voice.phonemes_to_ids(phonemes)
            audio, samples_per_id = _run(voice, noise, (seed, number), ids, length_scale, speaker)
            data = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
            pcm.append(data)
            chunks.append(_alignments(voice, phonemes, ids, samples_per_id, len(data) // 2))
    except Exception as exc:  # onnxruntime raises its own classes for a bad graph or input
        if isinstance(exc, MediaError):
            raise
        raise MediaError(f"piper failed to synthesise speech: {exc}") from exc
    if not pcm:
        raise MediaError("piper said nothing", hint="check the narration's text")
    return PiperSpeech(b"".join(pcm), model.sample_rate_hz,
                       piper_word_times(chunks, model.sample_rate_hz))  # fmt: skip


def _run(
    voice: Any, noise: list[str], seed: tuple[int, int], ids: list[int], length_scale: float,
    speaker: int | None,
) -> tuple[Any, Any]:
    """Audio (peak-normalised, as piper does) and samples per phoneme id for one sentence, as
    piper's phoneme_ids_to_audio computes them, with the sentence's noise fed in: drawn from a
    generator seeded by the take and the sentence's number (again, and more of it, in the rare
    case that the model needs more than the first draw)."""
    import numpy as np
    import onnxruntime

    config = voice.config
    feeds = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array(
            [config.noise_scale, length_scale, config.noise_w_scale], dtype=np.float32
        ),
    }
    if config.num_speakers > 1:
        feeds["sid"] = np.array([speaker or 0], dtype=np.int64)
    for per_id in _NOISE_PER_ID:
        rng = np.random.default_rng(seed)
        for name in noise:
            feeds[name] = rng.standard_normal(len(ids) * per_id, dtype=np.float32)
        try:
            result = voice.session.run(None, feeds)
            break
        except onnxruntime.capi.onnxruntime_pybind11_state.Fail:  # the noise was too short
            if per_id == _NOISE_PER_ID[-1]:
                raise
    audio = result[0].squeeze()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    audio = audio / peak if peak >= 1e-8 else np.zeros_like(audio)
    if len(result) < 2:
        return audio, None
    return audio, (result[1].squeeze() * config.hop_length).astype(np.int64)


def _alignments(
    voice: Any, phonemes: list[str], ids: list[int], samples_per_id: Any, samples: int
) -> dict[str, Any]:
    """Per sentence: its sample count and each phoneme's samples, as piper computes them."""
    if samples_per_id is None or len(samples_per_id) != len(ids):
        return {"samples": samples, "alignments": None}
    id_map = voice.config.phoneme_id_map
    pad = id_map.get("_", [])
    at = 0
    found = []
    for phoneme in ["^", *phonemes, "$"]:
        expected = list(id_map.get(phoneme, []))
        check = expected if phoneme == "$" else [*expected, *pad]
        if ids[at : at + len(check)] != check:
            return {"samples": samples, "alignments": None}
        found.append([phoneme, int(sum(samples_per_id[at : at + len(check)]))])
        at += len(check)
    return {"samples": samples, "alignments": found}


@functools.cache
def _loaded_cached(model: PiperModel) -> tuple[Any, list[str]]:
    import onnx
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig
    from piper.patch_voice_with_alignment import add_alignment_output

    graph = onnx.load(str(model.model_path))
    with contextlib.suppress(ValueError):  # a model that is already patched
        add_alignment_output(graph)
    names = _noise_as_inputs(graph)
    options = onnxruntime.SessionOptions()
    # One thread per synthesis: the scheduler runs one narration per core, and a fixed thread
    # count keeps every sum in the same order in every process.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 4  # a noise draw too short is retried, not an error to print
    session = onnxruntime.InferenceSession(
        graph.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
    )
    config = PiperConfig.from_dict(json.loads(model.config_path.read_text(encoding="utf-8")))
    from piper.phonemize_espeak import ESPEAK_DATA_DIR

    voice = PiperVoice(config=config, session=session, espeak_data_dir=Path(ESPEAK_DATA_DIR))
    return voice, names


def _loaded(model: PiperModel) -> tuple[Any, list[str]]:
    with _LOAD_LOCK:
        return _loaded_cached(model)


def _noise_as_inputs(graph: Any) -> list[str]:
    """Replace each RandomNormalLike(x) by the first size(x) values of a new float input,
    shaped like x; the names of the new inputs, in graph order."""
    from onnx import TensorProto, helper

    names: list[str] = []
    nodes = []
    for node in graph.graph.node:
        if node.op_type != _NOISE_OP:
            nodes.append(node)
            continue
        like, out, k = node.input[0], node.output[0], len(names)
        name = f"moviebuild_noise_{k}"
        names.append(name)
        graph.graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n"]))
        p = f"moviebuild_noise_{k}_"
        nodes += [
            helper.make_node("Shape", [like], [p + "shape"]),
            helper.make_node("Size", [like], [p + "size"]),
            helper.make_node("Constant", [], [p + "one"],
                             value=helper.make_tensor(p + "one_v", TensorProto.INT64, [1], [1])),
            helper.make_node("Constant", [], [p + "zero"],
                             value=helper.make_tensor(p + "zero_v", TensorProto.INT64, [1], [0])),
            helper.make_node("Reshape", [p + "size", p + "one"], [p + "end"]),
            helper.make_node("Slice", [name, p + "zero", p + "end"], [p + "flat"]),
            helper.make_node("Reshape", [p + "flat", p + "shape"], [out]),
        ]  # fmt: skip
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)
    return names


SpokenWord = tuple[float, float, int]
"""A word as the speech engine said it: start and end in seconds, and how many sounds."""


def piper_word_times(chunks: Any, sample_rate_hz: int) -> list[list[SpokenWord]] | None:
    """Per sentence piper spoke, its words' (start, end, sounds), from piper's phoneme
    alignments: a word is the phonemes between spaces, without punctuation; stress and length
    marks are not sounds. None when a sentence has no alignment or the data is malformed."""
    sentences: list[list[SpokenWord]] = []
    offset = 0
    try:
        for chunk in chunks:
            alignments, samples = chunk["alignments"], int(chunk["samples"])
            if alignments is None:
                return None
            words: list[SpokenWord] = []
            cursor, start, sounds = offset, None, 0
            for phoneme, count in [*alignments, [" ", 0]]:
                if phoneme == " " or phoneme in _NOT_SPOKEN:
                    if start is not None:
                        words.append((start / sample_rate_hz, cursor / sample_rate_hz, sounds))
                        start, sounds = None, 0
                else:
                    start = cursor if start is None else start
                    sounds += phoneme not in _MARKS
                cursor += int(count)
            sentences.append([(round(a, 4), round(b, 4), n) for a, b, n in words])
            offset += samples
    except (TypeError, KeyError, ValueError):
        return None
    return sentences if any(sentences) else None
