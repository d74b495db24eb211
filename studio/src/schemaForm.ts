// Turns the Moviefile's JSON Schema (`moviebuild schema moviefile`, copied into
// src/generated/ by `npm run build`) into the controls the studio shows for configuration fields:
// a select for an enum, a number field for a bounded integer, a checkbox for a boolean.
import schema from './generated/moviefile.schema.json';

export type Field =
	| {name: string; label: string; kind: 'enum'; options: string[]; fallback: unknown; nullable: boolean}
	| {name: string; label: string; kind: 'integer'; min: number; max: number; fallback: unknown}
	| {name: string; label: string; kind: 'boolean'; fallback: unknown; nullable: boolean}
	| {name: string; label: string; kind: 'string'; fallback: unknown};

type Node = {
	$ref?: string;
	anyOf?: Node[];
	enum?: string[];
	type?: string;
	minimum?: number;
	maximum?: number;
	default?: unknown;
	title?: string;
	properties?: Record<string, Node>;
};

const defs = (schema as {$defs: Record<string, Node>}).$defs;

const resolve = (node: Node): Node => {
	if (node.$ref) return defs[node.$ref.replace('#/$defs/', '')] ?? {};
	return node;
};

const labelOf = (name: string): string => {
	const words = name.replaceAll('_', ' ');
	return words.charAt(0).toUpperCase() + words.slice(1);
};

const fieldOf = (name: string, raw: Node): Field | null => {
	const options = (raw.anyOf ?? [raw]).map(resolve);
	const nullable = options.some((option) => option.type === 'null');
	const main = options.find((option) => option.type !== 'null') ?? {};
	const label = labelOf(name);
	const fallback = raw.default;
	if (main.enum) return {name, label, kind: 'enum', options: main.enum, fallback, nullable};
	if (main.type === 'integer') {
		return {name, label, kind: 'integer', min: main.minimum ?? 0, max: main.maximum ?? 1000, fallback};
	}
	if (main.type === 'boolean') return {name, label, kind: 'boolean', fallback, nullable};
	if (main.type === 'string') return {name, label, kind: 'string', fallback};
	return null;
};

/** The movie-wide configuration fields the studio edits, in this order. */
export const MOVIE_FIELDS = [
	'voice',
	'emotion',
	'image_style',
	'images_per_segment',
	'use_video',
	'image_to_video',
	'assembly',
	'size',
	'aspect_ratio',
	'audience',
];

const properties = (schema as {properties: Record<string, Node>}).properties;

export const movieFields = (): Field[] =>
	MOVIE_FIELDS.flatMap((name) => {
		const node = properties[name];
		const field = node ? fieldOf(name, node) : null;
		return field ? [field] : [];
	});

/** The per-segment settings (each may be left to the movie-wide value). */
export const segmentFields = (): Field[] =>
	Object.entries(defs.SegmentSettings?.properties ?? {}).flatMap(([name, node]) => {
		const field = fieldOf(name, node);
		return field ? [field] : [];
	});
