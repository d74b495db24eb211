// The composition: draws a validated timeline frame by frame (docs/timeline.md). Layout comes
// from geometry.ts; this file only places layers in time. It does not load or validate props.
import type React from 'react';
import {
	AbsoluteFill,
	Freeze,
	Html5Audio,
	Img,
	OffthreadVideo,
	Sequence,
	useCurrentFrame,
	useVideoConfig,
} from 'remotion';
import {
	BOX_COLOR,
	CJK_FONT,
	captionLayout,
	HIGHLIGHT_COLOR,
	highlightedWord,
	LATIN_FONT,
	TEXT_COLOR,
} from './captions';
import type {
	Caption,
	CaptionStyle,
	Gap,
	ImageClip,
	MusicClip,
	VideoClip,
} from './generated/props';
import {frameAt, framesOf, kenBurnsRect, lastPlayingFrame, volumeAt} from './geometry';
import type {MediaFacts} from './measure';
import {assetUrl, type MovieProps} from './props';

/**
 * The props the component receives: the input props plus what calculateMetadata measured.
 * (Pick turns the generated interface into a mapped type, which Remotion's
 * Record<string, unknown> constraint accepts.)
 */
export type MovieCompositionProps = Pick<MovieProps, keyof MovieProps> & {media?: MediaFacts};

// `type` has a default in the schema, so it may be absent; only video clips must say so.
const isVideo = (clip: ImageClip | VideoClip): clip is VideoClip => clip.type === 'video';

const ImageLayer: React.FC<{clip: ImageClip; props: MovieCompositionProps}> = ({clip, props}) => {
	const frame = useCurrentFrame();
	const {width, height, fps} = useVideoConfig();
	const size = props.media?.imageSizes[clip.asset];
	if (size === undefined) {
		throw new Error(`moviebuild composition: the size of ${clip.asset} was not measured`);
	}
	const rect = kenBurnsRect(clip, {width, height}, size, frame, fps);
	// Absolute box from the documented formula; no objectFit or CSS transform (their rounding
	// and origin rules differ from the ffmpeg preview's).
	return (
		<Img
			src={assetUrl(props, clip.asset)}
			style={{
				position: 'absolute',
				left: rect.left,
				top: rect.top,
				width: rect.width,
				height: rect.height,
				maxWidth: 'none',
			}}
		/>
	);
};

const VideoLayer: React.FC<{clip: VideoClip; props: MovieCompositionProps}> = ({clip, props}) => {
	const {fps} = useVideoConfig();
	const rate = clip.playback_rate ?? 1;
	const sourceS = props.media?.videoDurationsS[clip.asset];
	const hold = sourceS === undefined ? Infinity : lastPlayingFrame(sourceS, rate, fps);
	// Cover and centre is exactly objectFit: cover; there is no transform to disagree with.
	return (
		<Freeze frame={Number.isFinite(hold) ? hold : 0} active={(f) => f > hold}>
			<OffthreadVideo
				src={assetUrl(props, clip.asset)}
				muted
				playbackRate={rate}
				style={{width: '100%', height: '100%', objectFit: 'cover'}}
			/>
		</Freeze>
	);
};

const Slate: React.FC<{gap: Gap}> = ({gap}) => {
	const {height} = useVideoConfig();
	const missing = gap.missing.length > 0 ? gap.missing.join(', ') : 'visual';
	return (
		<AbsoluteFill
			style={{
				backgroundColor: 'rgb(20, 20, 24)',
				alignItems: 'center',
				justifyContent: 'center',
				fontFamily: 'sans-serif',
			}}
		>
			<div style={{color: 'rgb(200, 200, 200)', fontSize: Math.max(12, height / 10)}}>
				Segment {gap.segment}
			</div>
			<div style={{color: 'rgb(140, 140, 140)', fontSize: Math.max(8, height / 28)}}>
				missing: {missing}
			</div>
		</AbsoluteFill>
	);
};

const CaptionBox: React.FC<{caption: Caption; style: CaptionStyle | undefined; from: number}> = ({
	caption,
	style,
	from,
}) => {
	const frame = useCurrentFrame();
	const {width, height, fps} = useVideoConfig();
	const layout = captionLayout(caption, style, width, height);
	const lit = highlightedWord(caption, from + frame, fps);
	const joiner = caption.spaced === false ? '' : ' ';
	return (
		<AbsoluteFill style={{alignItems: 'center'}}>
			<div
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
		</AbsoluteFill>
	);
};

const Music: React.FC<{clip: MusicClip; props: MovieCompositionProps}> = ({clip, props}) => {
	const {fps} = useVideoConfig();
	// The callback's frame counts from the music clip's start, like the envelope's time_s.
	return (
		<Html5Audio
			src={assetUrl(props, clip.asset)}
			volume={(frame) => volumeAt(clip.envelope, frame / fps)}
		/>
	);
};

const span = (startS: number, durationS: number, fps: number) => ({
	from: frameAt(startS, fps),
	durationInFrames: framesOf(durationS, fps),
});

export const Movie: React.FC<MovieCompositionProps> = (props) => {
	const {fps} = useVideoConfig();
	const {tracks, gaps = []} = props.timeline;
	const slates = gaps.filter((gap) => gap.reason === 'visual-missing' && gap.segment !== null);
	return (
		<AbsoluteFill style={{backgroundColor: 'black', overflow: 'hidden'}}>
			{(tracks.visual ?? []).map((clip) => (
				<Sequence
					key={`${clip.asset}@${clip.start_s}`}
					name={clip.asset}
					premountFor={fps}
					{...span(clip.start_s, clip.duration_s, fps)}
				>
					{isVideo(clip) ? (
						<VideoLayer clip={clip} props={props} />
					) : (
						<ImageLayer clip={clip} props={props} />
					)}
				</Sequence>
			))}
			{slates.map((gap) => (
				<Sequence
					key={`slate-${gap.segment}`}
					name={`Segment ${gap.segment} (missing)`}
					{...span(gap.start_s, gap.end_s - gap.start_s, fps)}
				>
					<Slate gap={gap} />
				</Sequence>
			))}
			{(tracks.narration ?? []).map((clip) => (
				<Sequence
					key={clip.asset}
					name={clip.asset}
					layout="none"
					{...span(clip.start_s, clip.duration_s, fps)}
				>
					<Html5Audio src={assetUrl(props, clip.asset)} />
				</Sequence>
			))}
			{(tracks.music ?? []).map((clip) => (
				<Sequence
					key={clip.asset}
					name={clip.asset}
					layout="none"
					{...span(clip.start_s, clip.duration_s, fps)}
				>
					<Music clip={clip} props={props} />
				</Sequence>
			))}
			{props.showCaptions === false || props.timeline.caption_style?.enabled === false
				? null
				: (tracks.captions ?? []).map((caption) => (
						<Sequence
							key={`${caption.segment}@${caption.start_s}`}
							name="Caption"
							from={frameAt(caption.start_s, fps)}
							durationInFrames={Math.max(
								1,
								frameAt(caption.end_s, fps) - frameAt(caption.start_s, fps),
							)}
						>
							<CaptionBox
								caption={caption}
								style={props.timeline.caption_style}
								from={frameAt(caption.start_s, fps)}
							/>
						</Sequence>
					))}
		</AbsoluteFill>
	);
};
