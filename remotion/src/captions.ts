// Caption layout, as docs/timeline.md#captions defines it and moviebuild/timeline/captions.py
// draws it for the ffmpeg preview: the same constants, lines and highlighted word. Pure data,
// no React.
import type {Caption, CaptionStyle} from './generated/props';
import {frameAt} from './geometry';

export const MARGIN = 0.07;
// A portrait frame is laid out for short-video apps, clear of their controls (the bottom fifth,
// the top 15 %, the buttons at the right edge); the same numbers as captions.py.
export const PORTRAIT_SAFE_BOTTOM = 0.2;
export const PORTRAIT_SAFE_TOP = 0.15;
export const PORTRAIT_FONT_SCALE = 0.75;
export const LINE_HEIGHT_EM = 1.25;
export const PAD_X_EM = 0.5;
export const PAD_Y_EM = 0.25;
export const RADIUS_EM = 0.25;
export const TEXT_COLOR = 'rgb(255, 255, 255)';
export const HIGHLIGHT_COLOR = 'rgb(255, 214, 64)';
export const BOX_COLOR = `rgba(0, 0, 0, ${158 / 255})`;
// The fonts the preview draws with (Debian's fonts-dejavu-core and fonts-noto-cjk).
export const LATIN_FONT = "'DejaVu Sans', sans-serif";
export const CJK_FONT = "'Noto Sans CJK JP', 'DejaVu Sans', sans-serif";

export type CaptionLayout = {
	fontPx: number;
	linePx: number;
	padX: number;
	padY: number;
	radius: number;
	/** The box's top edge in frame pixels; it is centred horizontally. */
	top: number;
	/** Each line's words, with their index in the caption. */
	lines: {text: string; index: number}[][];
};

export const captionLayout = (
	caption: Caption,
	style: CaptionStyle | undefined,
	width: number,
	height: number,
): CaptionLayout => {
	const size = style?.size ?? 0.05;
	const portrait = height > width;
	const emBase = portrait ? height * PORTRAIT_FONT_SCALE : height;
	const fontPx = Math.max(6, Math.round(size * emBase));
	const linePx = Math.round(LINE_HEIGHT_EM * fontPx);
	const padX = Math.round(PAD_X_EM * fontPx);
	const padY = Math.round(PAD_Y_EM * fontPx);
	const words = caption.words ?? [];
	const count = words.length === 0 ? 1 : 1 + Math.max(...words.map((word) => word.line));
	const lines = Array.from({length: count}, (_, line) =>
		words
			.map((word, index) => ({text: word.text, index, line: word.line}))
			.filter((word) => word.line === line),
	);
	if (words.length === 0) lines[0] = [{text: caption.text, index: -1, line: 0}];
	const boxH = count * linePx + 2 * padY;
	const top =
		(style?.position ?? 'bottom') === 'top'
			? Math.round(height * (portrait ? PORTRAIT_SAFE_TOP : MARGIN))
			: Math.round(height * (1 - (portrait ? PORTRAIT_SAFE_BOTTOM : MARGIN))) - boxH;
	return {fontPx, linePx, padX, padY, radius: Math.round(RADIUS_EM * fontPx), top, lines};
};

/** The word lit at movie frame `frame`: the last one begun (the first from the caption's start). */
export const highlightedWord = (caption: Caption, frame: number, fps: number): number | null => {
	const words = caption.words ?? [];
	let current: number | null = null;
	words.forEach((word, index) => {
		if (index === 0 || frameAt(word.start_s, fps) <= frame) current = index;
	});
	return current;
};
