// The timeline's arithmetic, as docs/timeline.md defines it: frames of a clip, the Ken Burns
// rectangle and the music envelope. Pure functions, no React; the ffmpeg preview implements the
// same rules in moviebuild/timeline/filters.py.
import type {Framing, ImageClip, VolumePoint} from './generated/props';

export type Size = {width: number; height: number};

export type Rect = {left: number; top: number; width: number; height: number};

/** The frame a time falls on; times are frame-aligned up to microsecond rounding. */
export const frameAt = (timeS: number, fps: number): number => Math.round(timeS * fps);

/** A clip of `durationS` covers round(durationS * fps) frames (at least one). */
export const framesOf = (durationS: number, fps: number): number =>
	Math.max(1, Math.round(durationS * fps));

const lerp = (start: number, end: number, p: number): number => start + (end - start) * p;

const framingAt = (clip: ImageClip, p: number): Required<Framing> => {
	const {start, end} = clip.ken_burns;
	return {
		scale: lerp(start.scale, end.scale, p),
		offset_x: lerp(start.offset_x ?? 0, end.offset_x ?? 0, p),
		offset_y: lerp(start.offset_y ?? 0, end.offset_y ?? 0, p),
	};
};

/**
 * Where the image of `clip` sits at the clip's `clipFrame`-th frame, in frame pixels.
 *
 * Cover by c = max(W / w, H / h), scale by s about the frame centre, then move by
 * (offset_x * W, offset_y * H). p = t / D with t = clipFrame / fps, so the end framing is
 * reached one frame after the clip's last frame.
 */
export const kenBurnsRect = (
	clip: ImageClip,
	frame: Size,
	image: Size,
	clipFrame: number,
	fps: number,
): Rect => {
	const p = clipFrame / fps / clip.duration_s;
	const {scale, offset_x, offset_y} = framingAt(clip, p);
	const cover = Math.max(frame.width / image.width, frame.height / image.height);
	const width = image.width * cover * scale;
	const height = image.height * cover * scale;
	return {
		left: frame.width / 2 - width / 2 + offset_x * frame.width,
		top: frame.height / 2 - height / 2 + offset_y * frame.height,
		width,
		height,
	};
};

/**
 * The envelope's gain `timeS` seconds after the music clip's start: linear between points, the
 * first point's volume before it, the last point's after it (MusicClip.volume_at in Python).
 */
export const volumeAt = (envelope: readonly VolumePoint[], timeS: number): number => {
	const first = envelope[0];
	if (first === undefined) return 1;
	if (timeS <= first.time_s) return first.volume;
	for (let i = 0; i + 1 < envelope.length; i++) {
		const before = envelope[i]!;
		const after = envelope[i + 1]!;
		if (before.time_s <= timeS && timeS < after.time_s) {
			const fraction = (timeS - before.time_s) / (after.time_s - before.time_s);
			return before.volume + (after.volume - before.volume) * fraction;
		}
	}
	return envelope[envelope.length - 1]!.volume;
};

/**
 * The last frame of a video clip at which the source still has a picture: the clip's k-th frame
 * shows source time k / fps * rate, and from the first k past the source's end the picture holds.
 */
export const lastPlayingFrame = (
	sourceDurationS: number,
	playbackRate: number,
	fps: number,
): number => Math.max(0, Math.ceil((sourceDurationS * fps) / playbackRate - 1e-6) - 1);
