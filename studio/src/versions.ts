// Choosing what to compare across two revisions: the artifacts either one links, in reading
// order, and the first picture whose file differs between them (what a user most likely wants
// to see). Labels, kinds and reading order come from the server's state (`artifacts`).
import type {ArtifactInfo} from './api';

type Versions = {outputs: Record<string, string>; links: Record<string, string>};

export type Artifacts = Record<string, ArtifactInfo>;

export type MediaKind = 'image' | 'video' | 'audio';

/** The artifacts with a file in either revision, in reading order. */
export const comparableArtifacts = (left: Versions | null, right: Versions | null, artifacts: Artifacts): string[] => {
	const order = (id: string) => artifacts[id]?.order ?? Number.MAX_SAFE_INTEGER;
	return [...new Set([...Object.keys(left?.links ?? {}), ...Object.keys(right?.links ?? {})])].sort((a, b) => order(a) - order(b));
};

/** The first image or clip that differs between the revisions, else the first artifact that
 * differs, else the first image, else the first artifact. */
export const defaultArtifact = (left: Versions | null, right: Versions | null, artifacts: Artifacts): string | null => {
	const ids = comparableArtifacts(left, right, artifacts);
	const changed = ids.filter((id) => left?.outputs[id] !== right?.outputs[id]);
	const kind = (id: string) => mediaKind(id, artifacts);
	return changed.find((id) => kind(id) !== 'audio') ?? changed[0] ?? ids.find((id) => kind(id) === 'image') ?? ids[0] ?? null;
};

export const mediaKind = (id: string, artifacts: Artifacts): MediaKind => {
	const kind = artifacts[id]?.kind;
	return kind === 'video' || kind === 'audio' ? kind : 'image';
};

/** What a person calls an artifact; its id when the state does not know it (an older revision's). */
export const labelOf = (id: string, artifacts: Artifacts): string => artifacts[id]?.label ?? id;
