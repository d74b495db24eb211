// The layers both players draw the same way: the caption box, the slate of a segment with no
// picture, a title or end card, and a transition's colour veil. Plain React and CSS, no
// Remotion, so the studio's open player shares them with the composition (Movie.tsx); where and
// when each is drawn comes from sequence.ts, the layout from captions.ts and cards.ts.
import type {CSSProperties} from 'react';
import {
	BOX_COLOR,
	CJK_FONT,
	type CaptionLayout,
	HIGHLIGHT_COLOR,
	LATIN_FONT,
	TEXT_COLOR,
} from './captions';
import {CARD_COLOR, cardLines} from './cards';
import type {Caption, Card, Gap} from './generated/props';

export const fill: CSSProperties = {position: 'absolute', left: 0, top: 0, width: '100%', height: '100%'};

// The characters moviebuild/media/fonts.py draws with Noto Sans CJK.
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]/;

export const CaptionBox = ({caption, layout, lit}: {caption: Caption; layout: CaptionLayout; lit: number | null}) => {
	const joiner = caption.spaced === false ? '' : ' ';
	return (
		<div style={{...fill, display: 'flex', justifyContent: 'center'}}>
			<div
				data-testid="caption"
				style={{
					position: 'absolute',
					top: layout.top,
					padding: `${layout.padY}px ${layout.padX}px`,
					borderRadius: layout.radius,
					backgroundColor: BOX_COLOR,
					color: TEXT_COLOR,
					fontFamily: caption.spaced === false ? CJK_FONT : LATIN_FONT,
					fontWeight: 'bold',
					fontSize: layout.fontPx,
					lineHeight: `${layout.linePx}px`,
					textAlign: 'center',
					whiteSpace: 'pre',
				}}
			>
				{layout.lines.map((words, line) => (
					<div key={line}>
						{words.map((word, at) => (
							<span key={word.index} style={word.index === lit ? {color: HIGHLIGHT_COLOR} : undefined}>
								{at > 0 ? joiner : ''}
								{word.text}
							</span>
						))}
					</div>
				))}
			</div>
		</div>
	);
};

export const Slate = ({gap, height}: {gap: Gap; height: number}) => (
	<div
		style={{
			...fill,
			backgroundColor: 'rgb(20, 20, 24)',
			display: 'flex',
			flexDirection: 'column',
			alignItems: 'center',
			justifyContent: 'center',
			fontFamily: 'sans-serif',
		}}
	>
		<div style={{color: 'rgb(200, 200, 200)', fontSize: Math.max(12, height / 10)}}>Segment {gap.segment}</div>
		<div style={{color: 'rgb(140, 140, 140)', fontSize: Math.max(8, height / 28)}}>
			missing: {gap.missing.length > 0 ? gap.missing.join(', ') : 'visual'}
		</div>
	</div>
);

export const CardPanel = ({card, height}: {card: Card; height: number}) => (
	<div data-testid="card" style={{...fill, backgroundColor: card.color ?? CARD_COLOR}}>
		{cardLines(card, height).map((line, index) => (
			<div
				key={index}
				style={{
					position: 'absolute',
					left: 0,
					width: '100%',
					top: line.top,
					height: line.linePx,
					lineHeight: `${line.linePx}px`,
					fontSize: line.fontPx,
					fontFamily: CJK.test(line.text) ? CJK_FONT : LATIN_FONT,
					fontWeight: 'bold',
					color: line.color,
					textAlign: 'center',
					whiteSpace: 'pre',
				}}
			>
				{line.text}
			</div>
		))}
	</div>
);

export const Veil = ({color, opacity}: {color: string; opacity: number}) =>
	opacity > 0 ? <div style={{...fill, backgroundColor: color, opacity}} /> : null;
