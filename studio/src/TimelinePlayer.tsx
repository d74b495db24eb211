// The studio's player: plays a revision's timeline.json in the page with plain <img>, <video>
// and <audio> elements, drawn by the same rules as both renderers (remotion/src/geometry.ts for
// the Ken Burns rectangle and the envelope, remotion/src/captions.ts for the caption box). It
// does not render or encode anything: a wall clock moves the frame, and each media element is
// started, stopped or moved when it drifts from where playback.ts says it should be. The
// controls sit under the picture, so a caption can never cover them.
import {type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState} from 'react';
import {captionLayout, highlightedWord} from '../../remotion/src/captions';
import type {ImageClip, Timeline, VideoClip} from '../../remotion/src/generated/props';
import {frameAt, kenBurnsRect, type Size} from '../../remotion/src/geometry';
import {CaptionBox, CardPanel, fill, Slate, Veil} from '../../remotion/src/layers';
import type {MediaFacts} from '../../remotion/src/measure';
import {cardAt, transitionAt, transitionLook} from '../../remotion/src/sequence';
import {
	captionAt,
	clockText,
	frameOfTime,
	mediaAt,
	movieFrames,
	shouldSeek,
	slateAt,
	type VisualClip,
	visualsAt,
} from './playback';

type Props = {
	timeline: Timeline;
	media: MediaFacts;
	/** asset id -> URL the page may load */
	url: (asset: string) => string;
	revision: number | null;
};

// `type` has a default in the schema, so it may be absent; only video clips must say so.
const isVideo = (clip: VisualClip): clip is VideoClip => clip.type === 'video';


const ImageLayer = ({clip, src, frame, timeline, size, left = 0, opacity = 1}: {
	clip: ImageClip;
	src: string;
	frame: number;
	timeline: Timeline;
	size: Size | undefined;
	/** Where a transition has moved the picture, in frame pixels, and how opaque it is. */
	left?: number;
	opacity?: number;
}) => {
	if (size === undefined) return null;
	const {width, height, fps} = timeline;
	const rect = kenBurnsRect(clip, {width, height}, size, frame - frameAt(clip.start_s, fps), fps);
	return (
		<div style={{...fill, left, opacity, overflow: 'hidden'}}>
			<img
				src={src}
				alt=""
				draggable={false}
				style={{position: 'absolute', left: rect.left, top: rect.top, width: rect.width, height: rect.height, maxWidth: 'none'}}
			/>
		</div>
	);
};

/** The stage's width on the page, followed as the page resizes. */
const useWidth = (): [RefObject<HTMLDivElement | null>, number] => {
	const ref = useRef<HTMLDivElement | null>(null);
	const [width, setWidth] = useState(0);
	useLayoutEffect(() => {
		const element = ref.current;
		if (element === null) return;
		setWidth(element.clientWidth);
		const observer = new ResizeObserver(() => setWidth(element.clientWidth));
		observer.observe(element);
		return () => observer.disconnect();
	}, []);
	return [ref, width];
};

export const TimelinePlayer = ({timeline, media, url, revision}: Props) => {
	const durationS = movieFrames(timeline) / timeline.fps;
	const [time, setTime] = useState(0);
	const [playing, setPlaying] = useState(false);
	const [captions, setCaptions] = useState(true);
	const [stageRef, stageWidth] = useWidth();
	const clock = useRef({time: 0, wallMs: 0});
	const elements = useRef(new Map<string, HTMLMediaElement>());

	const seek = useCallback(
		(timeS: number) => {
			const to = Math.min(Math.max(0, timeS), durationS);
			clock.current = {time: to, wallMs: performance.now()};
			setTime(to);
		},
		[durationS],
	);

	// While playing, the time is the wall clock since the last play or seek.
	useEffect(() => {
		if (!playing) return;
		clock.current = {time: clock.current.time, wallMs: performance.now()};
		let request = 0;
		const tick = () => {
			const now = clock.current.time + (performance.now() - clock.current.wallMs) / 1000;
			if (now >= durationS) {
				clock.current = {time: durationS, wallMs: performance.now()};
				setTime(durationS);
				setPlaying(false);
				return;
			}
			setTime(now);
			request = requestAnimationFrame(tick);
		};
		request = requestAnimationFrame(tick);
		return () => {
			cancelAnimationFrame(request);
			const {time: from, wallMs} = clock.current;
			clock.current = {time: Math.min(durationS, from + (performance.now() - wallMs) / 1000), wallMs: performance.now()};
		};
	}, [playing, durationS]);

	// Each media element follows the movie's time.
	useEffect(() => {
		for (const target of mediaAt(timeline, time, media.videoDurationsS)) {
			const element = elements.current.get(target.key);
			if (element === undefined) continue;
			const run = playing && target.active;
			if (target.kind !== 'video') element.volume = target.volume;
			if (element.playbackRate !== target.rate) element.playbackRate = target.rate;
			const held = target.kind === 'video' && element.duration > 0 && target.sourceS >= element.duration - 0.5 / timeline.fps;
			if ((run || target.kind === 'video') && shouldSeek(element.currentTime, target.sourceS, run && !held, timeline.fps)) {
				element.currentTime = target.sourceS;
			}
			if (run && !held && element.paused) {
				// A browser may refuse to start sound before the user has clicked; the picture goes on.
				element.play().catch(() => undefined);
			} else if ((!run || held) && !element.paused) {
				element.pause();
			}
		}
	}, [timeline, media, time, playing]);

	// Stop every element when the player goes away (a new revision remounts it).
	useEffect(() => {
		const owned = elements.current;
		return () => {
			for (const element of owned.values()) element.pause();
		};
	}, []);

	const keep = (key: string) => (element: HTMLMediaElement | null) => {
		if (element === null) elements.current.delete(key);
		else elements.current.set(key, element);
	};

	const toggle = () => {
		if (playing) {
			setPlaying(false);
			return;
		}
		if (time >= durationS - 0.5 / timeline.fps) seek(0);
		setPlaying(true);
	};

	const frame = frameOfTime(timeline, time);
	const shown = new Set(visualsAt(timeline, frame));
	const slate = slateAt(timeline, frame);
	const card = cardAt(timeline, frame);
	const caption = captions ? captionAt(timeline, frame) : undefined;
	const now = transitionAt(timeline, frame);
	const look = transitionLook(now, timeline.width);
	// A held outgoing video is its own element, paused at its end; an image is drawn again.
	const outgoing = now !== undefined && look.outgoingOpacity > 0 ? now.outgoing : undefined;
	const scale = stageWidth / timeline.width;
	const lastFrame = movieFrames(timeline) - 1;

	return (
		<div className="player" data-testid="player" data-revision={revision ?? ''}>
			<div
				ref={stageRef}
				className="player-stage"
				style={{aspectRatio: `${timeline.width} / ${timeline.height}`}}
				onClick={toggle}
				data-frame={frame}
				data-playing={playing ? 'yes' : 'no'}
			>
				<div
					data-testid="player-picture"
					style={{
						position: 'absolute',
						left: 0,
						top: 0,
						width: timeline.width,
						height: timeline.height,
						overflow: 'hidden',
						backgroundColor: 'black',
						transform: `scale(${scale})`,
						transformOrigin: '0 0',
					}}
				>
					{(timeline.tracks.visual ?? []).map((clip) =>
						isVideo(clip) ? (
							<video
								key={`${clip.asset}@${clip.start_s}`}
								ref={keep(`video:${clip.asset}@${clip.start_s}`)}
								src={url(clip.asset)}
								muted
								playsInline
								preload="auto"
								style={{
									...fill,
									width: '100%',
									height: '100%',
									objectFit: 'cover',
									left: clip === outgoing ? look.outgoingLeft : look.incomingLeft,
									opacity: clip === outgoing ? look.outgoingOpacity : 1,
									zIndex: clip === outgoing ? 1 : 0,
									visibility: shown.has(clip) || clip === outgoing ? 'visible' : 'hidden',
								}}
							/>
						) : shown.has(clip) ? (
							<ImageLayer
								key={`${clip.asset}@${clip.start_s}`}
								clip={clip}
								src={url(clip.asset)}
								frame={frame}
								timeline={timeline}
								size={media.imageSizes[clip.asset]}
								left={look.incomingLeft}
							/>
						) : null,
					)}
					{outgoing !== undefined && now !== undefined && !isVideo(outgoing) ? (
						<ImageLayer
							clip={outgoing}
							src={url(outgoing.asset)}
							frame={frameAt(outgoing.start_s, timeline.fps) + now.outgoingFrame}
							timeline={timeline}
							size={media.imageSizes[outgoing.asset]}
							left={look.outgoingLeft}
							opacity={look.outgoingOpacity}
						/>
					) : null}
					<div style={{...fill, zIndex: 2}}>
						<Veil color={look.veilColor} opacity={look.veilOpacity} />
						{slate === undefined ? null : <Slate gap={slate} height={timeline.height} />}
						{card === undefined ? null : <CardPanel card={card} height={timeline.height} />}
						{caption === undefined ? null : (
							<CaptionBox
								caption={caption}
								layout={captionLayout(caption, timeline.caption_style, timeline.width, timeline.height)}
								lit={highlightedWord(caption, frame, timeline.fps)}
							/>
						)}
					</div>
				</div>
				{(timeline.tracks.narration ?? []).map((clip) => (
					<audio key={`n-${clip.asset}@${clip.start_s}`} ref={keep(`narration:${clip.asset}@${clip.start_s}`)} src={url(clip.asset)} preload="auto" />
				))}
				{(timeline.tracks.music ?? []).map((clip) => (
					<audio key={`m-${clip.asset}@${clip.start_s}`} ref={keep(`music:${clip.asset}@${clip.start_s}`)} src={url(clip.asset)} preload="auto" />
				))}
			</div>
			<div className="player-controls">
				<button type="button" onClick={toggle} aria-label={playing ? 'Pause' : 'Play'}>
					{playing ? '❚❚' : '▶'}
				</button>
				<input
					type="range"
					aria-label="Position"
					min={0}
					max={lastFrame}
					step={1}
					value={frame}
					onChange={(event) => seek(Number(event.target.value) / timeline.fps)}
				/>
				<span className="clock" data-testid="clock">
					{clockText(time)} / {clockText(durationS)}
				</span>
				<label className="inline">
					<input type="checkbox" checked={captions} onChange={(event) => setCaptions(event.target.checked)} /> Captions
				</label>
			</div>
			<div className="muted player-facts">
				r{revision} · {timeline.width}x{timeline.height} · {timeline.fps} fps · {durationS.toFixed(1)} s
			</div>
		</div>
	);
};
