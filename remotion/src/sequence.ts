// What is on screen at a frame of the timeline, as pure data: the visual clips, the slate, the
// caption page, the card, and the transition with its progress and how each side is drawn
// (docs/timeline.md). The Remotion composition (Movie.tsx) and the studio's player
// (studio/src/TimelinePlayer.tsx) both place their layers by it, so they cut, dissolve and slide
// on the same frames as the ffmpeg preview (moviebuild/timeline/parts.py, filters.py).
// No React, no Remotion.
import type {Caption, Card, Gap, ImageClip, Timeline, Transition, VideoClip} from './generated/props';
import {frameAt, framesOf} from './geometry';

export type VisualClip = ImageClip | VideoClip;

/** The movie's length in frames, as the renderers count it. */
export const movieFrames = (timeline: Timeline): number => framesOf(timeline.duration_s, timeline.fps);

/** Whether a stretch from `startS` for `durationS` covers `frame`. */
export const covers = (startS: number, durationS: number, frame: number, fps: number): boolean => {
	const from = frameAt(startS, fps);
	return from <= frame && frame < from + framesOf(durationS, fps);
};

/** The visual clips on screen at `frame`, in track order (a later clip draws over an earlier). */
export const visualsAt = (timeline: Timeline, frame: number): VisualClip[] =>
	(timeline.tracks.visual ?? []).filter((clip) => covers(clip.start_s, clip.duration_s, frame, timeline.fps));

/** The slate (a segment whose picture is missing) on screen at `frame`, if any. */
export const slateAt = (timeline: Timeline, frame: number): Gap | undefined =>
	(timeline.gaps ?? []).find(
		(gap) =>
			gap.reason === 'visual-missing' &&
			gap.segment !== null &&
			covers(gap.start_s, gap.end_s - gap.start_s, frame, timeline.fps),
	);

/** The caption page on screen at `frame`, unless captions are off for the movie. */
export const captionAt = (timeline: Timeline, frame: number): Caption | undefined => {
	if (timeline.caption_style?.enabled === false) return undefined;
	const {fps} = timeline;
	return (timeline.tracks.captions ?? []).find((caption) => {
		const from = frameAt(caption.start_s, fps);
		return from <= frame && frame < Math.max(from + 1, frameAt(caption.end_s, fps));
	});
};

/** The card on screen at `frame`, if any (the later one when two overlap). */
export const cardAt = (timeline: Timeline, frame: number): Card | undefined =>
	[...(timeline.cards ?? [])].reverse().find((card) => covers(card.start_s, card.duration_s, frame, timeline.fps));

/** A transition under way: the held outgoing clip and the progress p = (k + 0.5) / n. */
export type TransitionNow = {
	transition: Transition;
	/** The previous segment's last clip, shown at its last frame. */
	outgoing: VisualClip;
	/** That frame, counted from the outgoing clip's start. */
	outgoingFrame: number;
	/** The window's first frame in the movie. */
	from: number;
	frames: number;
	p: number;
};

/** Every transition's window: its first movie frame, its length and the held clip. */
export const transitionWindows = (timeline: Timeline): Omit<TransitionNow, 'p'>[] => {
	const {fps} = timeline;
	const windows: Omit<TransitionNow, 'p'>[] = [];
	for (const transition of timeline.transitions ?? []) {
		const span = timeline.segments[transition.segment - 1];
		if (span === undefined) continue;
		const from = frameAt(span.start_s, fps);
		const outgoing = (timeline.tracks.visual ?? []).find(
			(clip) => clip.segment === transition.segment - 1 && covers(clip.start_s, clip.duration_s, from - 1, fps),
		);
		const incoming = (timeline.tracks.visual ?? []).find(
			(clip) => clip.segment === transition.segment && covers(clip.start_s, clip.duration_s, from, fps),
		);
		if (outgoing === undefined || incoming === undefined) continue;
		const incomingEnd = frameAt(incoming.start_s, fps) + framesOf(incoming.duration_s, fps);
		const frames = Math.min(framesOf(transition.duration_s, fps), incomingEnd - from);
		windows.push({transition, outgoing, outgoingFrame: framesOf(outgoing.duration_s, fps) - 1, from, frames});
	}
	return windows;
};

/** The transition under way at `frame`, if any. */
export const transitionAt = (timeline: Timeline, frame: number): TransitionNow | undefined => {
	const window = transitionWindows(timeline).find((item) => item.from <= frame && frame < item.from + item.frames);
	return window === undefined ? undefined : {...window, p: (frame - window.from + 0.5) / window.frames};
};

/** How the two sides of a transition are drawn: the outgoing side over the incoming one. */
export type TransitionLook = {
	/** The outgoing picture's opacity (0: not drawn) and left edge in frame pixels. */
	outgoingOpacity: number;
	outgoingLeft: number;
	/** The incoming picture's left edge in frame pixels. */
	incomingLeft: number;
	/** A layer of the transition's colour over both, and its opacity. */
	veilOpacity: number;
	veilColor: string;
};

export const NO_TRANSITION: TransitionLook = {
	outgoingOpacity: 0,
	outgoingLeft: 0,
	incomingLeft: 0,
	veilOpacity: 0,
	veilColor: '#000000',
};

/** docs/timeline.md#transitions, for a frame `width` pixels wide. */
export const transitionLook = (now: TransitionNow | undefined, width: number): TransitionLook => {
	if (now === undefined) return NO_TRANSITION;
	const {p, transition} = now;
	const veilColor = transition.color ?? '#000000';
	switch (transition.kind) {
		case 'dissolve':
			return {...NO_TRANSITION, outgoingOpacity: 1 - p};
		case 'fade':
			return p < 0.5
				? {...NO_TRANSITION, outgoingOpacity: 1, veilOpacity: 2 * p, veilColor}
				: {...NO_TRANSITION, veilOpacity: 2 - 2 * p, veilColor};
		case 'slide': {
			// Whole pixels, as the preview's crop of the side-by-side pair moves.
			const shift = Math.floor(width * p);
			return {...NO_TRANSITION, outgoingOpacity: 1, outgoingLeft: -shift, incomingLeft: width - shift};
		}
	}
};
