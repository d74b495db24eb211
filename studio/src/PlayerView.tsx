// The current revision in the studio's own player (TimelinePlayer.tsx): it measures the images
// and videos the timeline names, then plays the timeline. It remounts when the revision changes,
// so the page shows the new movie as soon as a build ends.
import {useEffect, useState} from 'react';
import {type MediaFacts, measureMedia} from '../../remotion/src/measure';
import type {MovieProps} from '../../remotion/src/props';
import {assetUrl} from '../../remotion/src/props';
import type {MovieState} from './api';
import {TimelinePlayer} from './TimelinePlayer';

type Loaded = {movie: MovieProps; media: MediaFacts} | {error: string} | null;

export const PlayerView = ({state}: {state: MovieState}) => {
	const [loaded, setLoaded] = useState<Loaded>(null);
	const {timeline, assets, revision} = state;

	useEffect(() => {
		let live = true;
		setLoaded(null);
		if (timeline === null) return;
		const load = async () => {
			// The server's MovieState is already checked against the same timeline model, and
			// the validator compiles code at run time, which the page's CSP forbids.
			const movie: MovieProps = {timeline, assets: {assets}, assetBaseUrl: `${window.location.origin}/`};
			const media = await measureMedia(movie);
			if (live) setLoaded({movie, media});
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
	const {movie, media} = loaded;
	return (
		<TimelinePlayer
			key={revision ?? 'none'}
			timeline={movie.timeline}
			media={media}
			url={(asset) => assetUrl(movie, asset)}
			revision={revision}
		/>
	);
};
