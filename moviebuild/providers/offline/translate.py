"""The offline translator: turns a script the offline writer wrote in English into the same
script in Spanish, German, French or Japanese, sentence for sentence, from the phrase tables the
writer uses (phrases.py). The topic (the inquiry's subject) stays as written. Text the writer did
not write (an edited narration) cannot be looked up and comes back marked with the target
language, ``[es] ...``, so a demo shows which texts a real translator would have changed.

It owns matching sentences only; the English sentences and the answer's shape are text.py's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from moviebuild.providers.offline.phrases import phrases_for


@dataclass(frozen=True)
class English:
    """The offline writer's English sentences (text.py passes its own)."""

    opening: str
    middles: tuple[str, ...]
    tags: Mapping[str, tuple[str, ...]]


@cache
def _template(sentence: str) -> re.Pattern[str]:
    head, _, tail = sentence.partition("{topic}")
    pattern = re.escape(head) + r"(?P<topic>.+?)" + re.escape(tail) if tail or head else ".*"
    # The writer capitalises a sentence that opens with the topic.
    return re.compile(pattern, re.IGNORECASE if not head else 0)


def _english_tags(english: English) -> list[tuple[str, int, str]]:
    return [
        (audience, index, tag)
        for audience, tags in english.tags.items()
        for index, tag in enumerate(tags)
        if tag
    ]


def translate(
    sentence: str, source: str, target: str, english: English, audience: str = "adults"
) -> str:
    """``sentence`` in ``target``: the phrase table's sentence when the offline writer wrote it
    in English, else the text marked ``[target]``."""
    phrases = phrases_for(target)
    found = _lookup(sentence.strip(), audience, english) if source == "en" and phrases else None
    if found is None or phrases is None:
        return sentence if source == target else f"[{target}] {sentence.strip()}"
    which, topic, tag = found
    body = phrases.opening if which < 0 else phrases.middles[which]
    body = body.format(topic=topic)
    body = body[:1].upper() + body[1:]
    if tag is None:
        return body
    tag_audience, index = tag
    tags = phrases.tags.get(tag_audience, phrases.tags["adults"])
    joiner = "" if target == "ja" else " "
    return f"{body}{joiner}{tags[index % len(tags)]}"


def _lookup(
    sentence: str, audience: str, english: English
) -> tuple[int, str, tuple[str, int] | None] | None:
    """(which sentence: -1 the opening, else the middle's index; the topic; the closing tag's
    audience and index) of an English narration the writer made, or None."""
    tail: tuple[str, int] | None = None
    body = sentence
    tags = sorted(_english_tags(english), key=lambda t: (t[0] != audience, -len(t[2])))
    for tag_audience, index, tag in tags:
        if sentence.endswith(" " + tag):
            body, tail = sentence[: -len(tag) - 1], (tag_audience, index)
            break
    candidates = [(-1, english.opening), *enumerate(english.middles)]
    for which, template in candidates:
        match = _template(template).fullmatch(body)
        if match:
            topic = match.group("topic")
            if template.startswith("{topic}"):
                topic = topic[:1].lower() + topic[1:] if topic[:4] in ("The ", "A ") else topic
            return which, topic, tail
    return None


def translate_script(variables: Mapping[str, Any], english: English) -> dict[str, Any]:
    """The TranslationProducer's answer: the title and every narration in ``language``."""
    source = str(variables.get("translate_from") or "en")
    target = str(variables["language"])
    audience = str(variables.get("audience", "adults"))
    narrations: Sequence[str] = variables["narrations"]
    return {
        "title": translate(str(variables["title"]), source, target, english, audience)
        if phrases_for(target) is None
        else str(variables["title"]),
        "segments": [
            {"narration": translate(n, source, target, english, audience)} for n in narrations
        ],
    }
