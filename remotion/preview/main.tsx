// The preview page: loads movie/timeline.json and movie/assets.json from the server that
// `moviebuild preview` runs, validates them like the render does, and plays them in the Player.
// Query: `?frame=N` opens the Player paused at frame N; `controls=0` hides the controls and
// `captions=0` the captions (both for embedding and for the screenshot test). The page watches
// timeline.json and assets.json and reloads itself, at the frame it shows, after a rebuild.
import {Player, type PlayerRef} from '@remotion/player';
import {createRef} from 'react';
import {createRoot} from 'react-dom/client';
import {framesOf} from '../src/geometry';
import {measureMedia} from '../src/measure';
import {Movie, type MovieCompositionProps} from '../src/Movie';
import {parseMovieProps} from '../src/props';

const MOVIE_URL = new URL('movie/', window.location.href).href;

const element = (id: string): HTMLElement => {
	const found = document.getElementById(id);
	if (found === null) throw new Error(`the page has no #${id}`);
	return found;
};

const WATCH_INTERVAL_MS = 1500;
const loaded = new Map<string, string>();

const fetchText = async (name: string): Promise<string> => {
	const response = await fetch(new URL(name, MOVIE_URL), {cache: 'no-store'});
	if (!response.ok) {
		throw new Error(`could not load ${name} (HTTP ${response.status}); run \`moviebuild\` first`);
	}
	return response.text();
};

const fetchJson = async (name: string): Promise<unknown> => {
	const text = await fetchText(name);
	loaded.set(name, text);
	return JSON.parse(text);
};

// After a rebuild, out/ holds new documents: reload at the current frame (a failed fetch, as
// while out/ is being refreshed, just waits for the next look).
const watchForRebuild = (currentFrame: () => number) => {
	window.setInterval(async () => {
		try {
			for (const [name, text] of loaded) {
				if ((await fetchText(name)) !== text) {
					const url = new URL(window.location.href);
					url.searchParams.set('frame', String(currentFrame()));
					window.location.replace(url.href);
					return;
				}
			}
		} catch {
			// out/ is being rewritten; look again at the next tick.
		}
	}, WATCH_INTERVAL_MS);
};

const start = async () => {
	const query = new URLSearchParams(window.location.search);
	const movie = parseMovieProps({
		timeline: await fetchJson('timeline.json'),
		assets: await fetchJson('assets.json'),
		assetBaseUrl: MOVIE_URL,
		showCaptions: query.get('captions') !== '0',
	});
	const props: MovieCompositionProps = {...movie, media: await measureMedia(movie)};
	const {timeline} = movie;
	const durationInFrames = framesOf(timeline.duration_s, timeline.fps);
	const requested = Number(query.get('frame') ?? '0');
	const initialFrame = Math.min(Math.max(0, Math.floor(requested) || 0), durationInFrames - 1);
	element('title').textContent = timeline.title || 'Untitled movie';
	const gaps = timeline.gaps ?? [];
	element('notes').textContent =
		`${timeline.width}x${timeline.height}, ${timeline.fps} fps, ${timeline.duration_s.toFixed(1)} s` +
		(gaps.length > 0 ? `; ${gaps.length} gap(s): ${gaps.map((gap) => gap.reason).join(', ')}` : '');
	const player = createRef<PlayerRef>();
	createRoot(element('player')).render(
		<Player
			ref={player}
			component={Movie}
			inputProps={props}
			durationInFrames={durationInFrames}
			compositionWidth={timeline.width}
			compositionHeight={timeline.height}
			fps={timeline.fps}
			initialFrame={initialFrame}
			controls={query.get('controls') !== '0'}
			acknowledgeRemotionLicense
			style={{
				// As large as fits the window, width and height, whatever the aspect ratio.
				width: `min(100%, calc((100vh - 110px) * ${timeline.width} / ${timeline.height}))`,
				aspectRatio: `${timeline.width} / ${timeline.height}`,
				margin: '0 auto',
			}}
		/>,
	);
	watchForRebuild(() => player.current?.getCurrentFrame() ?? initialFrame);
	document.body.dataset.state = 'ready';
};

start().catch((error: unknown) => {
	const box = element('error');
	box.textContent = error instanceof Error ? error.message : String(error);
	box.style.display = 'block';
	element('title').textContent = 'The movie cannot be previewed';
	document.body.dataset.state = 'error';
});
