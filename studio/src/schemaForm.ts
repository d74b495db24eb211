// Turns the Moviefile's JSON Schema, as the HTTP API publishes it in /v1/openapi.json
// (components.schemas.Moviefile), into the controls the studio shows for configuration fields:
// a select for an enum, a number field for a bounded integer, a checkbox for a boolean.

export type Field =
	| {name: string; label: string; kind: 'enum'; options: string[]; fallback: unknown; nullable: boolean}
	| {name: string; label: string; kind: 'integer'; min: number; max: number; fallback: unknown}
	| {name: string; label: string; kind: 'boolean'; fallback: unknown; nullable: boolean}
	| {name: string; label: string; kind: 'string'; fallback: unknown};

export type SchemaNode = {
	$ref?: string;
	anyOf?: SchemaNode[];
	enum?: string[];
	type?: string;
	minimum?: number;
	maximum?: number;
	default?: unknown;
	title?: string;
	properties?: Record<string, SchemaNode>;
	additionalProperties?: SchemaNode | boolean;
};

/** The OpenAPI document's named schemas (`components.schemas`). */
export type Schemas = Record<string, SchemaNode>;

const resolve = (schemas: Schemas, node: SchemaNode): SchemaNode =>
	node.$ref ? (schemas[node.$ref.split('/').pop() ?? ''] ?? {}) : node;

const labelOf = (name: string): string => {
	const words = name.replaceAll('_', ' ');
	return words.charAt(0).toUpperCase() + words.slice(1);
};

const fieldOf = (schemas: Schemas, name: string, raw: SchemaNode): Field | null => {
	const options = (raw.anyOf ?? [raw]).map((option) => resolve(schemas, option));
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

/** The movie-wide configuration fields the studio edits, in this order (when the schema has them). */
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

export const movieFields = (schemas: Schemas): Field[] => {
	const properties = schemas.Moviefile?.properties ?? {};
	return MOVIE_FIELDS.flatMap((name) => {
		const node = properties[name];
		const field = node ? fieldOf(schemas, name, node) : null;
		return field ? [field] : [];
	});
};

/** The per-segment settings (each may be left to the movie-wide value). */
export const segmentFields = (schemas: Schemas): Field[] => {
	const segments = schemas.Moviefile?.properties?.segments?.additionalProperties;
	const settings = typeof segments === 'object' ? resolve(schemas, segments) : {};
	return Object.entries(settings.properties ?? {}).flatMap(([name, node]) => {
		const field = fieldOf(schemas, name, node);
		return field ? [field] : [];
	});
};
