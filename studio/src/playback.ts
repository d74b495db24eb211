// What the studio's timeline player plays at a moment, as pure data: where each audio or video
// element should be (its source time, volume, rate) at a time, and the frame a time falls on.
// What is on screen at a frame (clips, slate, caption, card, transition) is
// remotion/src/sequence.ts's, shared with the composition, so the player cuts where both
// renderers cut. No React, no DOM.
import type {Timeline, VideoClip} from '../../remotion/src/generated/props';
import {frameAt, lastPlayingFrame, volumeAt} from '../../remotion/src/geometry';
import {covers, movieFrames} from '../../remotion/src/sequence';

export {captionAt, movieFrames, slateAt, type VisualClip, visualsAt} from '../../remotion/src/sequence';

/** The frame shown at `timeS` seconds (the last frame once the movie has ended). */
export const frameOfTime = (timeline: Timeline, timeS: number): number =>
	Math.min(movieFrames(timeline) - 1, Math.max(0, Math.floor(timeS * timeline.fps + 1e-6)));

export type MediaKind = 'narration' | 'music' | 'video';

/** Where one audio or video element should be at a moment of the movie. */
export type MediaTarget = {
	key: string;
	kind: MediaKind;
	asset: string;
	/** Inside its clip at this moment (else it is paused). */
	active: boolean;
	/** The source time it should show or play, in seconds. */
	sourceS: number;
	volume: number;
	rate: number;
};

/**
 * Every audio and video element of the movie and where it should be at `timeS`; a video whose
 * length is in `videoDurationsS` holds its last frame once its source has ended.
 */
export const mediaAt = (
	timeline: Timeline,
	timeS: number,
	videoDurationsS: Readonly<Record<string, number>> = {},
): MediaTarget[] => {
	const {fps} = timeline;
	const frame = frameOfTime(timeline, timeS);
	const targets: MediaTarget[] = [];
	for (const clip of timeline.tracks.narration ?? []) {
		const local = timeS - frameAt(clip.start_s, fps) / fps;
		targets.push({
			key: `narration:${clip.asset}@${clip.start_s}`,
			kind: 'narration',
			asset: clip.asset,
			active: covers(clip.start_s, clip.duration_s, frame, fps),
			sourceS: Math.max(0, local),
			volume: 1,
			rate: 1,
		});
	}
	for (const clip of timeline.tracks.music ?? []) {
		const local = Math.max(0, timeS - frameAt(clip.start_s, fps) / fps);
		targets.push({
			key: `music:${clip.asset}@${clip.start_s}`,
			kind: 'music',
			asset: clip.asset,
			active: covers(clip.start_s, clip.duration_s, frame, fps),
			sourceS: local,
			// The envelope's time counts from the music clip's start, as in both renderers.
			volume: Math.min(1, Math.max(0, volumeAt(clip.envelope, local))),
			rate: 1,
		});
	}
	for (const clip of timeline.tracks.visual ?? []) {
		if (clip.type !== 'video') continue;
		targets.push(videoTarget(clip, timeline, timeS, videoDurationsS[clip.asset]));
	}
	return targets;
};

/** A video element's place at `timeS`; `sourceDurationS`, once known, holds its last frame. */
export const videoTarget = (
	clip: VideoClip,
	timeline: Timeline,
	timeS: number,
	sourceDurationS?: number,
): MediaTarget => {
	const {fps} = timeline;
	const rate = clip.playback_rate ?? 1;
	const clipFrame = frameOfTime(timeline, timeS) - frameAt(clip.start_s, fps);
	const hold = sourceDurationS === undefined ? Infinity : lastPlayingFrame(sourceDurationS, rate, fps);
	const shown = Math.max(0, Math.min(clipFrame, hold));
	return {
		key: `video:${clip.asset}@${clip.start_s}`,
		kind: 'video',
		asset: clip.asset,
		active: covers(clip.start_s, clip.duration_s, frameOfTime(timeline, timeS), fps),
		sourceS: (shown / fps) * rate,
		volume: 0,
		rate,
	};
};

/**
 * Whether an element at `currentS` must be moved to `targetS`. Playing elements keep their own
 * clock and are moved only when they drift past `tolerance` (a seek every frame would stutter);
 * a paused element shows the exact frame.
 */
export const shouldSeek = (currentS: number, targetS: number, playing: boolean, fps: number): boolean =>
	Math.abs(currentS - targetS) > (playing ? 0.25 : 0.5 / fps);

/** `m:ss.d`, the player's clock. */
export const clockText = (timeS: number): string => {
	const tenths = Math.max(0, Math.floor(timeS * 10 + 1e-6));
	const minutes = Math.floor(tenths / 600);
	const seconds = ((tenths % 600) / 10).toFixed(1).padStart(4, '0');
	return `${minutes}:${seconds}`;
};
