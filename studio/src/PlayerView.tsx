// The Remotion Player playing the current revision with the same `Movie` component and
// measurements as `moviebuild preview` and the renderer (remotion/src). It remounts when the
// revision changes, so the page shows the new movie as soon as a build ends.
import {Player} from '@remotion/player';
import {useEffect, useState} from 'react';
import {framesOf} from '../../remotion/src/geometry';
import {measureMedia} from '../../remotion/src/measure';
import {Movie, type MovieCompositionProps} from '../../remotion/src/Movie';
import type {MovieProps} from '../../remotion/src/props';
import type {MovieState} from './api';

type Loaded = {props: MovieCompositionProps; frames: number} | {error: string} | null;

export const PlayerView = ({state}: {state: MovieState}) => {
	const [loaded, setLoaded] = useState<Loaded>(null);
	const [captions, setCaptions] = useState(true);
	const {timeline, assets, revision} = state;

	useEffect(() => {
		let live = true;
		setLoaded(null);
		if (timeline === null) return;
		const load = async () => {
			// The server's MovieState is already checked against the same timeline model, and
			// the validator compiles code at run time, which the page's CSP forbids.
			const movie: MovieProps = {timeline, assets: {assets}, assetBaseUrl: `${window.location.origin}/`, showCaptions: true};
			const props: MovieCompositionProps = {...movie, media: await measureMedia(movie)};
			if (live) setLoaded({props, frames: framesOf(timeline.duration_s, timeline.fps)});
		};
		load().catch((error: unknown) => {
			if (live) setLoaded({error: error instanceof Error ? error.message : String(error)});
		});
		return () => {
			live = false;
		};
	}, [timeline, assets]);

	if (timeline === null) {
		return <div className="player-slate">No revision yet: the first build makes one.</div>;
	}
	if (loaded === null) return <div className="player-slate">Loading revision r{revision}…</div>;
	if ('error' in loaded) return <pre className="problem">{loaded.error}</pre>;
	return (
		<div className="player" data-revision={revision ?? ''} data-testid="player">
			<Player
				component={Movie}
				inputProps={{...loaded.props, showCaptions: captions}}
				durationInFrames={loaded.frames}
				compositionWidth={timeline.width}
				compositionHeight={timeline.height}
				fps={timeline.fps}
				controls
				acknowledgeRemotionLicense
				style={{width: '100%', aspectRatio: `${timeline.width} / ${timeline.height}`}}
			/>
			<label className="inline">
				<input type="checkbox" checked={captions} onChange={(event) => setCaptions(event.target.checked)} />{' '}
				Captions
			</label>
			<span className="muted">
				{' '}
				r{revision} · {timeline.width}x{timeline.height} · {timeline.duration_s.toFixed(1)} s
			</span>
		</div>
	);
};
