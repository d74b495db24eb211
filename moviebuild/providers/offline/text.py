"""The offline script writer: deterministic answers in exactly the JSON shapes the LLM producers
return, built from the inquiry, audience, style, the segment's narration and its index.

Narration i does not depend on the number of segments, and image prompt j does not depend on the
number of images, so lengthening a movie or adding images keeps what already exists. It writes
in the Moviefile's language where the offline voices speak it (English, and Spanish, German,
French and Japanese from phrases.py), else in English. Image, video and music prompts are
always English, made of the narration's longest words (in text without spaces: its runs of
kanji and katakana), as a captioned storyboard card shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import xxhash

from moviebuild.providers.offline.phrases import phrases_for

_LEADS = re.compile(
    r"^(please\s+)?(tell me about|tell me|explain|teach me about|what (is|was|are|were)|"
    r"describe|a movie about|show me|i want to learn about|learn about)\s+",
    re.IGNORECASE,
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "their",
        "there",
        "they",
        "them",
        "we",
        "you",
        "your",
        "our",
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "during",
        "between",
        "through",
        "each",
        "one",
        "nobody",
        "still",
        "so",
        "than",
        "then",
        "just",
        "very",
        "more",
        "most",
        "much",
        "many",
        "some",
        "any",
        "every",
        "next",
        "minute",
        "look",
        "back",
        "people",
        "also",
    ]
)
_OPENING = (
    "Welcome. In the next few moments we explore {topic}: where it came from, why it mattered "
    "then, and why people still talk about it today."
)
_MIDDLE = (
    "Picture the world around {topic}: the places, the people and the pressures of the time, each "
    "one pushing events toward a turning point.",
    "At the heart of {topic} were choices made by ordinary people and powerful leaders, and each "
    "choice closed some doors while opening others.",
    "Step by step, {topic} changed how people lived and worked, reshaping towns, families and the "
    "ideas they carried into the future.",
    "Not everyone agreed about {topic}. Arguments grew louder, alliances shifted, and small "
    "events suddenly carried enormous weight for everyone involved.",
    "Look closer at {topic} and surprising details appear: inventions, letters, maps and "
    "everyday objects that tell the story in a quieter voice.",
    "The consequences of {topic} spread far beyond its first days, rippling outward through "
    "laws, borders, beliefs and the memories of later generations.",
)
# Closing sentences per audience; consecutive segments never end with the same one.
_AUDIENCE_TAGS = {
    "kids": ("Imagine being there yourself!", "What would you have done?",
             "Can you picture it?", "Keep that in mind for what comes next!"),
    "teens": ("Think about what you would do.", "It was messier than the textbooks admit.",
              "That choice still echoes today.", "Not bad for a few short years."),
    "adults": ("It is worth a closer look.", "The effects would last for decades.",
               "Few saw how much was about to change.", "That tension shaped everything after."),
    "academic": ("Historians still debate the evidence.", "The sources disagree on the details.",
                 "The archival record is uneven here.", "Interpretations have shifted over time."),
    "enthusiasts": ("The details reward careful study.", "Collectors prize the records it left.",
                    "Every artifact adds a piece to the puzzle.", "There is always more to find."),
}  # fmt: skip
_SHOTS = (
    "wide establishing shot of",
    "close-up detail of",
    "portrait of the people behind",
    "dramatic aerial view of",
    "symbolic still life about",
)
_MOODS = {
    "kids": "playful and bright",
    "teens": "energetic and modern",
    "adults": "warm and thoughtful",
    "academic": "calm and measured",
    "enthusiasts": "rich and cinematic",
}


_CJK_WORD = re.compile(r"[\u4e00-\u9fff\u30a0-\u30ff]{2,}")


def topic_of(inquiry: str, language: str = "en") -> str:
    """The subject of an inquiry: 'Tell me about the Civil War' -> 'the Civil War',
    '灯台の歴史について教えてください' -> '灯台の歴史'."""
    phrases = phrases_for(language)
    topic = _LEADS.sub("", inquiry.strip()).strip()
    if phrases is not None:
        topic = phrases.leads.sub("", topic).strip()
    topic = topic.rstrip("?.!？。！¿¡")
    return topic or inquiry.strip()


def _pick(seed: str, count: int) -> int:
    return int(xxhash.xxh3_64_intdigest(seed.encode("utf-8")) % count)


def _keywords(text: str) -> list[str]:
    if _CJK_WORD.search(text):
        return sorted(dict.fromkeys(_CJK_WORD.findall(text)), key=lambda word: -len(word))
    words = [w.strip(".,:;!?'\"()").lower() for w in text.split()]
    seen: dict[str, None] = {}
    for word in words:
        # Past tenses, adverbs and gerunds rarely name something a picture can show.
        if word.endswith(("ed", "ly", "ing")):
            continue
        if len(word) > 3 and word not in _STOP and word.isalpha():
            seen.setdefault(word, None)
    # Longer words tend to carry the subject ("lighthouse"), short ones the connective tissue.
    ranked = sorted(seen, key=lambda word: -len(word))
    return ranked or ["story"]


def narration(inquiry: str, audience: str, segment: int, language: str = "en") -> str:
    topic = topic_of(inquiry, language)
    phrases = phrases_for(language)
    opening, middles = (_OPENING, _MIDDLE) if phrases is None else (
        phrases.opening, phrases.middles)  # fmt: skip
    if segment == 1:
        body = opening.format(topic=topic)
    else:
        body = middles[(segment - 2 + _pick(inquiry, len(middles))) % len(middles)].format(
            topic=topic
        )
    body = body[:1].upper() + body[1:]  # a topic that opens the sentence
    tags: tuple[str, ...]
    if phrases is None:
        tags = _AUDIENCE_TAGS.get(audience, ("",))
    else:
        tags = phrases.tags.get(audience, phrases.tags["adults"])
    joiner = "" if _CJK_WORD.search(body) else " "
    return f"{body}{joiner}{tags[(segment - 1) % len(tags)]}".strip()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_NOTE = re.compile(r"^- (.+) \[(\d+)\]$", re.MULTILINE)
_SOURCE_HEAD = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)
_SENTENCES_PER_SOURCE = 3
_MAX_NOTE_WORDS = 32


def research_notes(inquiry: str, sources: str, language: str = "en") -> str:
    """Extractive notes: each source's key sentences (those richest in the words the source
    repeats, and in the inquiry's words), in the source's order, each cited as [n]."""
    topic_words = frozenset(_keywords(topic_of(inquiry, language)))
    heads = list(_SOURCE_HEAD.finditer(sources))
    lines = [f"# Research notes: {topic_of(inquiry, language)}", ""]
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(sources)
        for sentence in _key_sentences(sources[head.end() : end], topic_words):
            words = sentence.split()
            cut = len(words) > _MAX_NOTE_WORDS
            text = " ".join(words[:_MAX_NOTE_WORDS]) + ("..." if cut else "")
            lines.append(f"- {text} [{head.group(1)}]")
    return "\n".join(lines)


def _key_sentences(body: str, topic_words: frozenset[str]) -> list[str]:
    sentences = [
        " ".join(part.split())
        for paragraph in re.split(r"\n\s*\n", body)
        for part in _SENTENCE_END.split(paragraph.strip())
        if len(part.split()) >= 5
    ]
    counts: dict[str, int] = {}
    for sentence in sentences:
        for word in set(_keywords(sentence)):
            counts[word] = counts.get(word, 0) + 1

    def score(item: tuple[int, str]) -> tuple[float, int]:
        words = set(_keywords(item[1]))
        weight = sum(counts.get(w, 0) for w in words) + 3 * len(words & topic_words)
        # Divided by the root of the length, so a long sentence does not win by size alone.
        return -weight / (1 + len(item[1].split()) ** 0.5), item[0]

    chosen = sorted(sorted(enumerate(sentences), key=score)[:_SENTENCES_PER_SOURCE])
    return [sentence for _, sentence in chosen]


def _cited_narration(notes: str, segment: int) -> str | None:
    """Segment 2 onwards retells the notes, one source after another, with their citations."""
    by_source: dict[str, list[tuple[str, str]]] = {}
    for text, number in _NOTE.findall(notes):
        by_source.setdefault(number, []).append((text, number))
    rounds = max((len(notes_of) for notes_of in by_source.values()), default=0)
    found = [
        notes_of[k] for k in range(rounds) for notes_of in by_source.values() if k < len(notes_of)
    ]
    if segment < 2 or segment - 2 >= len(found):
        return None
    text, number = found[segment - 2]
    return f"{text} [{number}]"


def write_script(variables: Mapping[str, Any]) -> dict[str, Any]:
    inquiry, audience = str(variables["inquiry"]), str(variables["audience"])
    language = str(variables.get("language", "en"))
    topic = topic_of(inquiry, language)
    segments = int(variables["segments"])
    notes = str(variables.get("research", ""))
    phrases = phrases_for(language)
    summary = (
        f"A short narrated explainer about {topic} for {audience}. It moves from the origins "
        f"of {topic} to its lasting consequences."
    ) if phrases is None else phrases.summary.format(topic=topic)  # fmt: skip
    return {
        "title": topic[:1].upper() + topic[1:],
        "summary": summary,
        "segments": [
            {"narration": _cited_narration(notes, i) or narration(inquiry, audience, i, language)}
            for i in range(1, segments + 1)
        ],
    }


def image_prompt(narration_text: str, style: str, segment: int, image: int) -> str:
    words = _keywords(narration_text)
    subject = ", ".join(words[(image - 1 + k) % len(words)] for k in range(3))
    shot = _SHOTS[(image - 1) % len(_SHOTS)]
    return f"{shot} {subject}, scene {segment}.{image}, {style} style, soft light"


def _named_references(narration_text: str, references: str) -> str:
    """``, with Ada and the Lamp``: the sheets (``- Name: description`` lines) the narration
    names, so the prompt names them as a writer told about them would."""
    names = [line[2:].split(":", 1)[0] for line in references.splitlines() if line.startswith("- ")]
    named = [
        name for name in names
        if re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", narration_text, re.IGNORECASE)
    ]  # fmt: skip
    return ", with " + " and ".join(named) if named else ""


def answer(producer: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer an LLM would give ``producer`` for these template variables."""
    if producer == "ScriptProducer":
        return write_script(variables)
    if producer == "TranslationProducer":
        from moviebuild.providers.offline.translate import English, translate_script

        return translate_script(variables, English(_OPENING, _MIDDLE, _AUDIENCE_TAGS))
    if producer == "ResearchProducer":
        return {
            "notes": research_notes(
                str(variables["inquiry"]), str(variables["sources"]),
                str(variables.get("language", "en")),
            )
        }
    if producer == "TextToMusicPromptProducer":
        mood = _MOODS.get(str(variables["audience"]), "warm and thoughtful")
        keys = ", ".join(_keywords(str(variables["summary"]))[:3])
        return {
            "music_prompt": f"{mood} instrumental underscore, piano and strings, evoking {keys}"
        }
    text, style = str(variables["narration"]), str(variables.get("image_style", "photorealistic"))
    segment = int(variables["segment"])
    named = _named_references(text, str(variables.get("references", "")))
    if producer == "TextToImagePromptProducer":
        m = int(variables["images_per_segment"])
        return {
            "image_prompts": [
                image_prompt(text, style, segment, j) + named for j in range(1, m + 1)
            ]
        }
    keys = ", ".join(_keywords(text)[:3])
    if producer == "TextToVideoPromptProducer":
        return {
            "direction_prompt": f"slow dolly shot through {keys}, {style} style, gentle motion"
            + named
        }
    if producer == "ImageToVideoPromptProducer":
        return {
            "starting_image_prompt": f"still scene of {keys}, {style} style, soft light{named}",
            "direction_prompt": f"the scene comes alive: camera drifts forward over {keys}",
        }
    raise KeyError(producer)
