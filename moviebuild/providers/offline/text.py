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


def write_script(variables: Mapping[str, Any]) -> dict[str, Any]:
    inquiry, audience = str(variables["inquiry"]), str(variables["audience"])
    language = str(variables.get("language", "en"))
    topic = topic_of(inquiry, language)
    segments = int(variables["segments"])
    phrases = phrases_for(language)
    summary = (
        f"A short narrated explainer about {topic} for {audience}. It moves from the origins "
        f"of {topic} to its lasting consequences."
    ) if phrases is None else phrases.summary.format(topic=topic)  # fmt: skip
    return {
        "title": topic[:1].upper() + topic[1:],
        "summary": summary,
        "segments": [
            {"narration": narration(inquiry, audience, i, language)}
            for i in range(1, segments + 1)
        ],
    }


def image_prompt(narration_text: str, style: str, segment: int, image: int) -> str:
    words = _keywords(narration_text)
    subject = ", ".join(words[(image - 1 + k) % len(words)] for k in range(3))
    shot = _SHOTS[(image - 1) % len(_SHOTS)]
    return f"{shot} {subject}, scene {segment}.{image}, {style} style, soft light"


def answer(producer: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer an LLM would give ``producer`` for these template variables."""
    if producer == "ScriptProducer":
        return write_script(variables)
    if producer == "TranslationProducer":
        from moviebuild.providers.offline.translate import English, translate_script

        return translate_script(variables, English(_OPENING, _MIDDLE, _AUDIENCE_TAGS))
    if producer == "TextToMusicPromptProducer":
        mood = _MOODS.get(str(variables["audience"]), "warm and thoughtful")
        keys = ", ".join(_keywords(str(variables["summary"]))[:3])
        return {
            "music_prompt": f"{mood} instrumental underscore, piano and strings, evoking {keys}"
        }
    text, style = str(variables["narration"]), str(variables.get("image_style", "photorealistic"))
    segment = int(variables["segment"])
    if producer == "TextToImagePromptProducer":
        m = int(variables["images_per_segment"])
        return {"image_prompts": [image_prompt(text, style, segment, j) for j in range(1, m + 1)]}
    keys = ", ".join(_keywords(text)[:3])
    if producer == "TextToVideoPromptProducer":
        return {"direction_prompt": f"slow dolly shot through {keys}, {style} style, gentle motion"}
    if producer == "ImageToVideoPromptProducer":
        return {
            "starting_image_prompt": f"still scene of {keys}, {style} style, soft light",
            "direction_prompt": f"the scene comes alive: camera drifts forward over {keys}",
        }
    raise KeyError(producer)
