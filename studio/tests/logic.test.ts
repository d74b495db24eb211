// The studio's logic without a browser (node:test): the SSE parser, progress from events, the
// comparison's choices and the schema-built controls. `npm test` bundles this file with esbuild and runs it.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {type Artifacts, comparableArtifacts, defaultArtifact, labelOf, mediaKind} from '../src/versions';
import {SseParser} from '../src/events';
import {advance, emptyProgress} from '../src/progress';
import {movieFields, type Schemas, segmentFields} from '../src/schemaForm';

test('an event split across chunks is parsed once its blank line arrives', () => {
	const parser = new SseParser();
	assert.deepEqual(parser.push('id: 1\nevent: job-started\ndata: {"id": 1, "type": "job-st'), []);
	const events = parser.push('arted", "job": "AudioProducer[2]"}\r\n\r\n: keepalive\n\n');
	assert.deepEqual(events, [{id: 1, type: 'job-started', job: 'AudioProducer[2]'}]);
});

test('a new build starts a fresh job table and build-finished ends it', () => {
	let progress = advance(emptyProgress(), {id: 1, type: 'job-finished', build: 'b1', job: 'ScriptProducer'});
	progress = advance(progress, {id: 2, type: 'build-started', build: 'b2'});
	assert.deepEqual(progress.jobs, {});
	assert.equal(progress.running, true);
	progress = advance(progress, {id: 3, type: 'job-failed', build: 'b2', job: 'AudioProducer[1]', message: 'HTTP 400'});
	progress = advance(progress, {id: 4, type: 'build-finished', build: 'b2', status: 'incomplete', revision: 3});
	assert.deepEqual(progress.jobs, {'AudioProducer[1]': {status: 'failed', message: 'HTTP 400'}});
	assert.deepEqual(progress.finished, {status: 'incomplete', revision: 3});
	assert.equal(progress.running, false);
	assert.equal(progress.lastEventId, 4);
});

test('controls come from the schema: enums, bounded integers, per-segment tri-state booleans', () => {
	const schemas: Schemas = {
		ImageStyle: {enum: ['photorealistic', 'watercolor'], type: 'string'},
		SegmentSettings: {properties: {use_video: {anyOf: [{type: 'boolean'}, {type: 'null'}], default: null}}},
		Moviefile: {
			properties: {
				image_style: {$ref: '#/components/schemas/ImageStyle', default: 'photorealistic'},
				images_per_segment: {type: 'integer', minimum: 1, maximum: 5, default: 3},
				segments: {additionalProperties: {$ref: '#/components/schemas/SegmentSettings'}},
			},
		},
	};
	assert.deepEqual(
		movieFields(schemas).map((field) => [field.name, field.kind]),
		[['image_style', 'enum'], ['images_per_segment', 'integer']],
	);
	const [useVideo] = segmentFields(schemas);
	assert.equal(useVideo?.kind, 'boolean');
	assert.equal(useVideo?.kind === 'boolean' && useVideo.nullable, true);
});

// As the server's state describes them: labels, kinds and reading order come from the blueprints.
const ARTIFACTS: Artifacts = {
	MusicTrack: {label: 'Music', kind: 'audio', segment: null, order: 3, out: 'out/music.mp3', prompts: 'prompts/music.mp3'},
	'SegmentAudio[1]': {label: 'Segment 1, narration audio', kind: 'audio', segment: 1, order: 10, out: null, prompts: null},
	'SegmentImage[1][1]': {label: 'Segment 1, image 1', kind: 'image', segment: 1, order: 12, out: null, prompts: null},
	'SegmentImage[2][1]': {label: 'Segment 2, image 1', kind: 'image', segment: 2, order: 20, out: null, prompts: null},
	'SegmentVideo[1]': {label: 'Segment 1, video', kind: 'video', segment: 1, order: 14, out: null, prompts: null},
};

test('a comparison offers every linked artifact in reading order and starts on the first picture that changed', () => {
	const links = {'SegmentImage[2][1]': 'l', 'SegmentImage[1][1]': 'l', 'SegmentAudio[1]': 'l'};
	const r1 = {outputs: {'SegmentImage[1][1]': 'a', 'SegmentImage[2][1]': 'b', 'SegmentAudio[1]': 'c'}, links};
	const r2 = {outputs: {...r1.outputs, 'SegmentImage[2][1]': 'B', 'SegmentAudio[1]': 'C'}, links};
	const r3 = {outputs: {...r1.outputs, MusicTrack: 'm'}, links: {...links, MusicTrack: 'l'}};
	assert.deepEqual(comparableArtifacts(r1, r3, ARTIFACTS), ['MusicTrack', 'SegmentAudio[1]', 'SegmentImage[1][1]', 'SegmentImage[2][1]']);
	assert.equal(defaultArtifact(r1, r2, ARTIFACTS), 'SegmentImage[2][1]');
	assert.equal(defaultArtifact(r1, r3, ARTIFACTS), 'MusicTrack');
	assert.equal(defaultArtifact(r1, r1, ARTIFACTS), 'SegmentImage[1][1]');
	assert.equal(defaultArtifact(null, null, ARTIFACTS), null);
	assert.deepEqual(['SegmentVideo[1]', 'SegmentAudio[1]', 'MusicTrack', 'SegmentImage[1][1]'].map((id) => mediaKind(id, ARTIFACTS)), ['video', 'audio', 'audio', 'image']);
	assert.equal(labelOf('SegmentImage[2][1]', ARTIFACTS), 'Segment 2, image 1');
	assert.equal(labelOf('StartingImage[9]', ARTIFACTS), 'StartingImage[9]');
});
