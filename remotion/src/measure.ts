// Measures what the timeline does not say but the layout needs: each image's pixel size (for the
// Ken Burns cover factor) and each video's length (to hold its last frame). Runs in the browser,
// from calculateMetadata when rendering and before mounting the Player in the preview page.
import type {Size} from './geometry';
import type {MovieProps} from './props';
import {assetUrl} from './props';

export type MediaFacts = {
	imageSizes: Record<string, Size>;
	videoDurationsS: Record<string, number>;
};

export class MediaLoadError extends Error {
	constructor(kind: string, id: string, url: string, reason: string) {
		super(
			`moviebuild composition: could not load the ${kind} ${id} from ${url} (${reason}). ` +
				'Check that the asset map points at the movie folder and that it is being served.',
		);
		this.name = 'MediaLoadError';
	}
}

const imageSize = async (id: string, url: string): Promise<Size> => {
	const image = new Image();
	image.src = url;
	try {
		await image.decode();
	} catch (error) {
		throw new MediaLoadError('image', id, url, String(error));
	}
	return {width: image.naturalWidth, height: image.naturalHeight};
};

const videoDurationS = (id: string, url: string): Promise<number> =>
	new Promise((resolve, reject) => {
		const video = document.createElement('video');
		video.preload = 'metadata';
		video.muted = true;
		video.onloadedmetadata = () => {
			const {duration} = video;
			video.removeAttribute('src');
			video.load();
			if (Number.isFinite(duration) && duration > 0) resolve(duration);
			else reject(new MediaLoadError('video', id, url, `duration ${duration}`));
		};
		video.onerror = () => {
			reject(new MediaLoadError('video', id, url, video.error?.message || 'media error'));
		};
		video.src = url;
	});

/** Image sizes and video lengths of every visual clip's asset, loaded in parallel. */
export const measureMedia = async (props: MovieProps): Promise<MediaFacts> => {
	const images = new Set<string>();
	const videos = new Set<string>();
	for (const clip of props.timeline.tracks.visual ?? []) {
		(clip.type === 'video' ? videos : images).add(clip.asset);
	}
	const [sizes, durations] = await Promise.all([
		Promise.all([...images].map(async (id) => [id, await imageSize(id, assetUrl(props, id))] as const)),
		Promise.all(
			[...videos].map(async (id) => [id, await videoDurationS(id, assetUrl(props, id))] as const),
		),
	]);
	return {imageSizes: Object.fromEntries(sizes), videoDurationsS: Object.fromEntries(durations)};
};
