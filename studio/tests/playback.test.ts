// The studio player's timing without a browser: which clip, slate and caption a frame shows and
// where each audio and video element should be, by the renderers' frame rules.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Timeline} from '../../remotion/src/generated/props';
import {captionAt, clockText, frameOfTime, mediaAt, movieFrames, shouldSeek, slateAt, visualsAt} from '../src/playback';

const framing = {scale: 1, offset_x: 0, offset_y: 0};
const timeline = {
	version: 1,
	fps: 30,
	width: 854,
	height: 480,
	duration_s: 6,
	segments: [],
	tracks: {
		visual: [
			{asset: 'SegmentImage[1][1]', segment: 1, start_s: 0, duration_s: 2, ken_burns: {start: framing, end: framing}},
			{type: 'video', asset: 'SegmentVideo[2]', segment: 2, start_s: 2, duration_s: 2, playback_rate: 0.5},
		],
		narration: [{asset: 'SegmentAudio[1]', segment: 1, start_s: 0.5, duration_s: 1.5}],
		music: [
			{asset: 'MusicTrack', start_s: 0, duration_s: 6, envelope: [{time_s: 0, volume: 0.2}, {time_s: 2, volume: 1}]},
		],
		captions: [{segment: 1, start_s: 0.5, end_s: 2, text: 'Hello there'}],
	},
	gaps: [{reason: 'visual-missing', segment: 3, start_s: 4, end_s: 6, missing: ['SegmentImage[3][1]']}],
} as unknown as Timeline;

test('a frame shows the clip, slate and caption that cover it, cut on whole frames', () => {
	assert.equal(movieFrames(timeline), 180);
	assert.deepEqual(visualsAt(timeline, 59).map((clip) => clip.asset), ['SegmentImage[1][1]']);
	assert.deepEqual(visualsAt(timeline, 60).map((clip) => clip.asset), ['SegmentVideo[2]']);
	assert.equal(slateAt(timeline, 119), undefined);
	assert.equal(slateAt(timeline, 120)?.segment, 3);
	assert.equal(captionAt(timeline, 14), undefined);
	assert.equal(captionAt(timeline, 15)?.text, 'Hello there');
	assert.equal(captionAt(timeline, 60), undefined);
	const off = {...timeline, caption_style: {enabled: false}} as unknown as Timeline;
	assert.equal(captionAt(off, 15), undefined);
});

test('the time maps to the frame shown, and the end holds the last frame', () => {
	assert.equal(frameOfTime(timeline, 0), 0);
	assert.equal(frameOfTime(timeline, 1 / 30), 1);
	assert.equal(frameOfTime(timeline, 6), 179);
	assert.equal(frameOfTime(timeline, -1), 0);
});

test('each element is told where to be: narration from its start, music through its envelope', () => {
	const at = (timeS: number, durations = {}) =>
		Object.fromEntries(mediaAt(timeline, timeS, durations).map((target) => [target.kind, target]));
	assert.equal(at(0.25).narration?.active, false);
	assert.equal(at(1).narration?.active, true);
	assert.ok(Math.abs(at(1).narration!.sourceS - 0.5) < 1e-9);
	assert.equal(at(2.5).narration?.active, false);
	assert.ok(Math.abs(at(1).music!.volume - 0.6) < 1e-9);
	assert.equal(at(3).music?.volume, 1);
	// Half speed: one second into the clip shows the source's half second...
	assert.ok(Math.abs(at(3).video!.sourceS - 0.5) < 1e-9);
	assert.equal(at(3).video?.rate, 0.5);
	assert.equal(at(1).video?.active, false);
	// ...and a 0.4 s source holds its last playing frame (clip frame 23 shows 23/30*0.5 s).
	assert.ok(Math.abs(at(3.9, {'SegmentVideo[2]': 0.4}).video!.sourceS - (23 / 30) * 0.5) < 1e-9);
});

test('a playing element is moved only when it drifts; a paused one shows the exact frame', () => {
	assert.equal(shouldSeek(1.0, 1.1, true, 30), false);
	assert.equal(shouldSeek(1.0, 1.3, true, 30), true);
	assert.equal(shouldSeek(1.0, 1.1, false, 30), true);
	assert.equal(shouldSeek(1.0, 1.01, false, 30), false);
});

test('the clock reads minutes, seconds and tenths', () => {
	assert.equal(clockText(0), '0:00.0');
	assert.equal(clockText(65.27), '1:05.2');
	assert.equal(clockText(0.3), '0:00.3');
});
