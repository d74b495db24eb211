// Validates the composition's input props against the same JSON Schemas the types are generated
// from (schema/*.schema.json), and resolves asset ids to URLs. It never draws anything.
import Ajv2020, {type ErrorObject} from 'ajv/dist/2020';
import assetMapSchema from '../schema/asset-map.schema.json';
import propsSchema from '../schema/props.schema.json';
import timelineSchema from '../schema/timeline.schema.json';
import type {MovieProps, Timeline} from './generated/props';

export type {MovieProps} from './generated/props';

/** Thrown when the props are not a timeline and asset map this composition can play. */
export class InvalidPropsError extends Error {
	constructor(problems: readonly string[]) {
		super(
			`moviebuild composition: the input props are invalid:\n  ${problems.join('\n  ')}\n` +
				'Pass {"timeline": <out/timeline.json>, "assets": <out/assets.json>} as written by ' +
				'`moviebuild`; if the timeline comes from another moviebuild version, run ' +
				'`moviebuild` again to reassemble it.',
		);
		this.name = 'InvalidPropsError';
	}
}

const makeValidator = () => {
	const ajv = new Ajv2020({allErrors: false, strict: true});
	// Pydantic's OpenAPI-style "discriminator" is an annotation here; oneOf does the checking.
	ajv.addVocabulary(['discriminator']);
	ajv.addSchema(timelineSchema, 'timeline.schema.json');
	ajv.addSchema(assetMapSchema, 'asset-map.schema.json');
	return ajv.compile<MovieProps>(propsSchema);
};

let validator: ReturnType<typeof makeValidator> | null = null;

const describe = (error: ErrorObject): string => {
	const where = error.instancePath
		.split('/')
		.slice(1)
		.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replaceAll('~1', '/')}`))
		.join('')
		.replace(/^\./, '');
	const {params} = error;
	const detail =
		error.keyword === 'additionalProperties'
			? `unknown field '${String(params.additionalProperty)}'`
			: error.keyword === 'const'
				? `must be ${JSON.stringify(params.allowedValue)}`
				: error.keyword === 'enum'
					? `must be one of ${JSON.stringify(params.allowedValues)}`
					: (error.message ?? error.keyword);
	return `${where || '(props)'}: ${detail}`;
};

/** The asset ids a timeline plays (gaps name ids that are missing on purpose). */
export const referencedAssets = (timeline: Timeline): string[] => {
	const {tracks} = timeline;
	const ids = [
		...(tracks.visual ?? []).map((clip) => clip.asset),
		...(tracks.narration ?? []).map((clip) => clip.asset),
		...(tracks.music ?? []).map((clip) => clip.asset),
	];
	return [...new Set(ids)];
};

/** Checks `input` and returns it typed; throws InvalidPropsError naming every problem found. */
export const parseMovieProps = (input: unknown): MovieProps => {
	validator ??= makeValidator();
	if (!validator(input)) {
		const errors = validator.errors ?? [];
		throw new InvalidPropsError(errors.slice(0, 5).map(describe));
	}
	const unmapped = referencedAssets(input.timeline).filter(
		(id) => input.assets.assets[id] === undefined,
	);
	if (unmapped.length > 0) {
		throw new InvalidPropsError(
			unmapped.map((id) => `assets.assets: no path or URL for '${id}'`),
		);
	}
	return input;
};

const ABSOLUTE = /^([a-z][a-z0-9+.-]*:|\/)/i;

/** The URL of asset `id`: map entries that are URLs are kept, relative paths join the base. */
export const assetUrl = (props: MovieProps, id: string): string => {
	const entry = props.assets.assets[id];
	if (entry === undefined) {
		throw new InvalidPropsError([`assets.assets: no path or URL for '${id}'`]);
	}
	if (ABSOLUTE.test(entry)) return entry;
	const encoded = entry.split('/').map(encodeURIComponent).join('/');
	return `${props.assetBaseUrl ?? ''}${encoded}`;
};
