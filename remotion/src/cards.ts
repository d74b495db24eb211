// Title and end card layout, as docs/timeline.md#cards defines it and moviebuild/timeline/cards.py
// draws it for the ffmpeg preview: the same sizes, lines and colours. Pure data, no React.
import {LINE_HEIGHT_EM} from './captions';
import type {Card, Source} from './generated/props';

export const TITLE_EM = 0.09;
export const SUBTITLE_EM = 0.05;
export const SOURCE_EM = 0.035;
export const MAX_SOURCES = 8;
export const TITLE_COLOR = 'rgb(255, 255, 255)';
export const CARD_TEXT_COLOR = 'rgb(200, 200, 200)';
export const CARD_COLOR = '#101014';

export type CardLine = {text: string; fontPx: number; linePx: number; top: number; color: string};

export const sourceText = (source: Source): string => {
	const where = source.url ?? source.file;
	return where ? `${source.title} — ${where}` : source.title;
};

/** The card's lines, top to bottom, centred as one block in a frame `height` pixels high. */
export const cardLines = (card: Card, height: number): CardLine[] => {
	const wanted: [string, number, string][] = [[card.title, TITLE_EM, TITLE_COLOR]];
	if (card.subtitle) wanted.push([card.subtitle, SUBTITLE_EM, CARD_TEXT_COLOR]);
	const sources = card.sources ?? [];
	for (const source of sources.slice(0, MAX_SOURCES)) wanted.push([sourceText(source), SOURCE_EM, CARD_TEXT_COLOR]);
	if (sources.length > MAX_SOURCES) wanted.push([`and ${sources.length - MAX_SOURCES} more`, SOURCE_EM, CARD_TEXT_COLOR]);
	const sized = wanted.map(([text, em, color]) => {
		const fontPx = Math.max(6, Math.round(em * height));
		return {text, fontPx, linePx: Math.round(LINE_HEIGHT_EM * fontPx), color};
	});
	let top = Math.round((height - sized.reduce((sum, line) => sum + line.linePx, 0)) / 2);
	return sized.map((line) => {
		const placed = {...line, top};
		top += line.linePx;
		return placed;
	});
};
