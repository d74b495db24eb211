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
import {captionLayout, highlightedWord} from './captions';
import type {Caption, CaptionStyle, ImageClip, MusicClip, VideoClip} from './generated/props';
import {frameAt, framesOf, kenBurnsRect, lastPlayingFrame, volumeAt} from './geometry';
import {CaptionBox, CardPanel, fill, Slate, Veil} from './layers';
import type {MediaFacts} from './measure';
import {assetUrl, type MovieProps} from './props';
import {type TransitionNow, transitionAt, transitionLook, transitionWindows} from './sequence';

/**
 * The props the component receives: the input props plus what calculateMetadata measured.
 * (Pick turns the generated interface into a mapped type, which Remotion's
 * Record<string, unknown> constraint accepts.)
 */
export type MovieCompositionProps = Pick<MovieProps, keyof MovieProps> & {media?: MediaFacts};

// `type` has a default in the schema, so it may be absent; only video clips must say so.
const isVideo = (clip: ImageClip | VideoClip): clip is VideoClip => clip.type === 'video';

/** An image at its clip's frame `at` (default: the current frame of its sequence). */
const ImageLayer: React.FC<{clip: ImageClip; props: MovieCompositionProps; at?: number}> = ({clip, props, at}) => {
	const current = useCurrentFrame();
	const {width, height, fps} = useVideoConfig();
	const size = props.media?.imageSizes[clip.asset];
	if (size === undefined) {
		throw new Error(`moviebuild composition: the size of ${clip.asset} was not measured`);
	}
	const rect = kenBurnsRect(clip, {width, height}, size, at ?? current, fps);
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

/** A video; `at` holds its clip's frame `at` (the last frame of an outgoing clip). */
const VideoLayer: React.FC<{clip: VideoClip; props: MovieCompositionProps; at?: number}> = ({clip, props, at}) => {
	const {fps} = useVideoConfig();
	const rate = clip.playback_rate ?? 1;
	const sourceS = props.media?.videoDurationsS[clip.asset];
	const hold = sourceS === undefined ? Infinity : lastPlayingFrame(sourceS, rate, fps);
	const frozen = at === undefined ? hold : Math.min(hold, at);
	// Cover and centre is exactly objectFit: cover; there is no transform to disagree with.
	return (
		<Freeze frame={Number.isFinite(frozen) ? frozen : 0} active={(f) => at !== undefined || f > hold}>
			<OffthreadVideo
				src={assetUrl(props, clip.asset)}
				muted
				playbackRate={rate}
				style={{width: '100%', height: '100%', objectFit: 'cover'}}
			/>
		</Freeze>
	);
};

/** A clip's picture, moved aside while a slide brings it in. */
const Incoming: React.FC<{from: number; props: MovieCompositionProps; children: React.ReactNode}> = ({
	from,
	props,
	children,
}) => {
	const frame = useCurrentFrame() + from;
	const {width} = useVideoConfig();
	const look = transitionLook(transitionAt(props.timeline, frame), width);
	return <div style={{...fill, left: look.incomingLeft, overflow: 'hidden'}}>{children}</div>;
};

/** The outgoing clip's last frame over the incoming one, and the colour veil over both. */
const Outgoing: React.FC<{window: Omit<TransitionNow, 'p'>; props: MovieCompositionProps}> = ({window, props}) => {
	const {width} = useVideoConfig();
	const frame = useCurrentFrame() + window.from;
	const look = transitionLook(transitionAt(props.timeline, frame), width);
	const clip = window.outgoing;
	return (
		<>
			{look.outgoingOpacity > 0 ? (
				<div style={{...fill, left: look.outgoingLeft, opacity: look.outgoingOpacity, overflow: 'hidden'}}>
					{isVideo(clip) ? (
						<VideoLayer clip={clip} props={props} at={window.outgoingFrame} />
					) : (
						<ImageLayer clip={clip} props={props} at={window.outgoingFrame} />
					)}
				</div>
			) : null}
			<Veil color={look.veilColor} opacity={look.veilOpacity} />
		</>
	);
};

const CaptionLayer: React.FC<{caption: Caption; style: CaptionStyle | undefined; from: number}> = ({
	caption,
	style,
	from,
}) => {
	const frame = useCurrentFrame();
	const {width, height, fps} = useVideoConfig();
	return (
		<CaptionBox
			caption={caption}
			layout={captionLayout(caption, style, width, height)}
			lit={highlightedWord(caption, from + frame, fps)}
		/>
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
	const {fps, height} = useVideoConfig();
	const {tracks, gaps = [], cards = []} = props.timeline;
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
					<Incoming from={frameAt(clip.start_s, fps)} props={props}>
						{isVideo(clip) ? (
							<VideoLayer clip={clip} props={props} />
						) : (
							<ImageLayer clip={clip} props={props} />
						)}
					</Incoming>
				</Sequence>
			))}
			{transitionWindows(props.timeline).map((window) => (
				<Sequence
					key={`transition-${window.transition.segment}`}
					name={`Transition into segment ${window.transition.segment}`}
					premountFor={fps}
					from={window.from}
					durationInFrames={window.frames}
				>
					<Outgoing window={window} props={props} />
				</Sequence>
			))}
			{slates.map((gap) => (
				<Sequence
					key={`slate-${gap.segment}`}
					name={`Segment ${gap.segment} (missing)`}
					{...span(gap.start_s, gap.end_s - gap.start_s, fps)}
				>
					<Slate gap={gap} height={height} />
				</Sequence>
			))}
			{cards.map((card) => (
				<Sequence key={`card-${card.kind}`} name={`${card.kind} card`} {...span(card.start_s, card.duration_s, fps)}>
					<CardPanel card={card} height={height} />
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
							<CaptionLayer
								caption={caption}
								style={props.timeline.caption_style}
								from={frameAt(caption.start_s, fps)}
							/>
						</Sequence>
					))}
		</AbsoluteFill>
	);
};
