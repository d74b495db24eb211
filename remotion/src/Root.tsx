// Registers the one composition. Its size, fps and length come from the timeline through
// calculateMetadata, which also validates the props and measures the media.
import type React from 'react';
import {type CalculateMetadataFunction, Composition} from 'remotion';
import {framesOf} from './geometry';
import {COMPOSITION_ID} from './ids';
import {measureMedia} from './measure';
import {Movie, type MovieCompositionProps} from './Movie';
import {parseMovieProps} from './props';

// Shown in the Studio until real props are given: one black second.
const placeholder: MovieCompositionProps = {
	timeline: {
		format_version: 1,
		title: 'No timeline given',
		fps: 30,
		width: 1280,
		height: 720,
		duration_s: 1,
		segments: [{index: 1, start_s: 0, duration_s: 1}],
		tracks: {},
		gaps: [],
	},
	assets: {format_version: 1, assets: {}},
	assetBaseUrl: '',
	showCaptions: true,
};

export const calculateMovieMetadata: CalculateMetadataFunction<MovieCompositionProps> = async ({
	props,
}) => {
	const {media: _ignored, ...input} = props;
	const movie = parseMovieProps(input);
	const {fps, width, height, duration_s} = movie.timeline;
	return {
		fps,
		width,
		height,
		durationInFrames: framesOf(duration_s, fps),
		props: {...movie, media: await measureMedia(movie)},
	};
};

export const RemotionRoot: React.FC = () => (
	<Composition
		id={COMPOSITION_ID}
		component={Movie}
		defaultProps={placeholder}
		calculateMetadata={calculateMovieMetadata}
	/>
);
