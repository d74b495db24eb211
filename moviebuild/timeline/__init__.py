"""The timeline: a versioned JSON document of clips on tracks, how it is assembled, how it renders.

Layout:
    model.py     the format (pydantic models, JSON Schema, canonical bytes, Ken Burns geometry)
    assemble.py  assembly strategies: artifacts and measured durations -> Timeline
    parts.py     the preview's parts (one per visual clip) and the cache keys of its pieces
    filters.py   ffmpeg argument lists for one part, the audio mix and the join (pure)
    jobs.py      making the parts and the mix the preview's cache lacks, in parallel
    render.py    the preview renderer: cached parts and mix, joined without re-encoding

This package is handed plain data; it never imports the engine, the store or the providers.
Its names are loaded when first used, so importing one module (the model, say) does not load
the renderer and ffmpeg.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moviebuild.timeline.assemble import (
        DUCK_RAMP_S,
        DUCKED_VOLUME,
        LEAD_OUT_S,
        MAX_PLAYBACK_RATE,
        MIN_PLAYBACK_RATE,
        MIN_SEGMENT_S,
        MUSIC_VOLUME,
        AssemblyMaterial,
        AssetRef,
        ExpectedAssets,
        SegmentMaterial,
        VisualKind,
        assemble_timeline,
        duck_envelope,
    )
    from moviebuild.timeline.model import (
        ASSET_MAP_FORMAT_VERSION,
        TIMELINE_FORMAT_VERSION,
        AssetMap,
        AudioClip,
        Caption,
        CaptionPosition,
        CaptionStyle,
        CaptionWord,
        Card,
        CardKind,
        Framing,
        Gap,
        GapReason,
        ImageClip,
        KenBurns,
        KenBurnsPreset,
        MusicClip,
        SegmentSpan,
        Source,
        SourceCredit,
        Timeline,
        Tracks,
        Transition,
        TransitionKind,
        VideoClip,
        VolumePoint,
        asset_map_json_schema,
        dump_asset_map,
        dump_timeline,
        load_asset_map,
        load_timeline,
        timeline_json_schema,
        timeline_notices,
    )
    from moviebuild.timeline.parts import RENDERER_VERSION, segment_clip_key
    from moviebuild.timeline.render import (
        ClipCache,
        DirectoryClipCache,
        RenderReport,
        SegmentRender,
        preview_size,
        render_preview,
    )

#: Each public name -> the module that defines it.
_WHERE = {
    "DUCK_RAMP_S": "assemble",
    "DUCKED_VOLUME": "assemble",
    "LEAD_OUT_S": "assemble",
    "MAX_PLAYBACK_RATE": "assemble",
    "MIN_PLAYBACK_RATE": "assemble",
    "MIN_SEGMENT_S": "assemble",
    "MUSIC_VOLUME": "assemble",
    "AssemblyMaterial": "assemble",
    "AssetRef": "assemble",
    "ExpectedAssets": "assemble",
    "SegmentMaterial": "assemble",
    "VisualKind": "assemble",
    "assemble_timeline": "assemble",
    "duck_envelope": "assemble",
    "ASSET_MAP_FORMAT_VERSION": "model",
    "TIMELINE_FORMAT_VERSION": "model",
    "AssetMap": "model",
    "AudioClip": "model",
    "Caption": "model",
    "CaptionPosition": "model",
    "CaptionStyle": "model",
    "CaptionWord": "model",
    "Card": "model",
    "CardKind": "model",
    "Framing": "model",
    "Source": "model",
    "SourceCredit": "model",
    "Transition": "model",
    "TransitionKind": "model",
    "Gap": "model",
    "GapReason": "model",
    "ImageClip": "model",
    "KenBurns": "model",
    "KenBurnsPreset": "model",
    "MusicClip": "model",
    "SegmentSpan": "model",
    "Timeline": "model",
    "Tracks": "model",
    "VideoClip": "model",
    "VolumePoint": "model",
    "asset_map_json_schema": "model",
    "dump_asset_map": "model",
    "dump_timeline": "model",
    "load_asset_map": "model",
    "load_timeline": "model",
    "timeline_notices": "model",
    "timeline_json_schema": "model",
    "RENDERER_VERSION": "parts",
    "segment_clip_key": "parts",
    "ClipCache": "render",
    "DirectoryClipCache": "render",
    "RenderReport": "render",
    "SegmentRender": "render",
    "preview_size": "render",
    "render_preview": "render",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'moviebuild.timeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"moviebuild.timeline.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ASSET_MAP_FORMAT_VERSION",
    "DUCKED_VOLUME",
    "DUCK_RAMP_S",
    "LEAD_OUT_S",
    "MAX_PLAYBACK_RATE",
    "MIN_PLAYBACK_RATE",
    "MIN_SEGMENT_S",
    "MUSIC_VOLUME",
    "RENDERER_VERSION",
    "TIMELINE_FORMAT_VERSION",
    "AssemblyMaterial",
    "AssetMap",
    "AssetRef",
    "AudioClip",
    "Caption",
    "CaptionPosition",
    "CaptionStyle",
    "CaptionWord",
    "Card",
    "CardKind",
    "ClipCache",
    "DirectoryClipCache",
    "ExpectedAssets",
    "Framing",
    "Gap",
    "GapReason",
    "ImageClip",
    "KenBurns",
    "KenBurnsPreset",
    "MusicClip",
    "RenderReport",
    "SegmentMaterial",
    "SegmentRender",
    "SegmentSpan",
    "Source",
    "SourceCredit",
    "Timeline",
    "Tracks",
    "Transition",
    "TransitionKind",
    "VideoClip",
    "VisualKind",
    "VolumePoint",
    "assemble_timeline",
    "asset_map_json_schema",
    "duck_envelope",
    "dump_asset_map",
    "dump_timeline",
    "load_asset_map",
    "load_timeline",
    "preview_size",
    "render_preview",
    "segment_clip_key",
    "timeline_json_schema",
    "timeline_notices",
]
