// `node dist/probe.mjs`: answers what the composition would do with a timeline, without a
// browser, for moviebuild's contract tests. Reads one JSON request on stdin:
//   {"props": {...input props...}, "volume_times_s": [..], "rects": [{"clip": i, "frame": k,
//    "image": {"width": w, "height": h}}]}
// and prints {"ok": true, "durationInFrames", "volumes", "rects"} or {"ok": false, "error"}.
import {readFileSync} from 'node:fs';
import type {ImageClip} from '../src/generated/props';
import {framesOf, kenBurnsRect, type Size, volumeAt} from '../src/geometry';
import {parseMovieProps} from '../src/props';

type Request = {
	props: unknown;
	volume_times_s?: number[];
	rects?: {clip: number; frame: number; image: Size}[];
};

const answer = (): unknown => {
	const request = JSON.parse(readFileSync(0, 'utf8')) as Request;
	let props;
	try {
		props = parseMovieProps(request.props);
	} catch (error) {
		return {ok: false, error: error instanceof Error ? error.message : String(error)};
	}
	const {timeline} = props;
	const music = timeline.tracks.music?.[0];
	const frame = {width: timeline.width, height: timeline.height};
	return {
		ok: true,
		durationInFrames: framesOf(timeline.duration_s, timeline.fps),
		volumes: (request.volume_times_s ?? []).map((t) =>
			music === undefined ? null : volumeAt(music.envelope, t),
		),
		rects: (request.rects ?? []).map(({clip, frame: k, image}) => {
			const visual = timeline.tracks.visual?.[clip];
			if (visual === undefined || visual.type === 'video') return null;
			return kenBurnsRect(visual as ImageClip, frame, image, k, timeline.fps);
		}),
	};
};

process.stdout.write(`${JSON.stringify(answer())}\n`);
