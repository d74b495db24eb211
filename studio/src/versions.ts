// Choosing what to compare across two revisions: the artifacts either one links, in reading
// order, and the first picture whose file differs between them (what a user most likely wants
// to see).
import {byReadingOrder, parseId} from './ids';

type Versions = {outputs: Record<string, string>; links: Record<string, string>};

export type MediaKind = 'image' | 'video' | 'audio';

/** The artifacts with a file in either revision, in reading order. */
export const comparableArtifacts = (left: Versions | null, right: Versions | null): string[] =>
	[...new Set([...Object.keys(left?.links ?? {}), ...Object.keys(right?.links ?? {})])].sort(byReadingOrder);

/** The first image or clip that differs between the revisions, else the first artifact that
 * differs, else the first image, else the first artifact. */
export const defaultArtifact = (left: Versions | null, right: Versions | null): string | null => {
	const artifacts = comparableArtifacts(left, right);
	const changed = artifacts.filter((id) => left?.outputs[id] !== right?.outputs[id]);
	return (
		changed.find((id) => mediaKind(id) !== 'audio') ??
		changed[0] ??
		artifacts.find((id) => mediaKind(id) === 'image') ??
		artifacts[0] ??
		null
	);
};

export const mediaKind = (id: string): MediaKind => {
	const name = parseId(id)?.name ?? '';
	if (name === 'SegmentVideo') return 'video';
	if (name === 'SegmentAudio' || name === 'MusicTrack') return 'audio';
	return 'image';
};
