// Configuration controls built from the Moviefile's JSON Schema (from /v1/openapi.json): the movie-wide fields and, per
// segment, the settings that may override them. Changes become a Moviefile patch (a draft until
// the dry run is confirmed).
import {type Field, movieFields, type Schemas, segmentFields} from './schemaForm';

export type Patch = Record<string, unknown>;

type Props = {
	schemas: Schemas;
	moviefile: Record<string, unknown> | null;
	patch: Patch;
	segments: number;
	onPatch: (patch: Patch) => void;
};

const Control = ({field, value, onChange, id}: {field: Field; value: unknown; onChange: (value: unknown) => void; id: string}) => {
	const shown = value ?? field.fallback;
	switch (field.kind) {
		case 'enum':
			return (
				<select id={id} value={shown === null || shown === undefined ? '' : String(shown)} onChange={(event) => onChange(event.target.value === '' ? null : event.target.value)}>
					{field.nullable && <option value="">(default)</option>}
					{field.options.map((option) => (
						<option key={option} value={option}>
							{option}
						</option>
					))}
				</select>
			);
		case 'integer':
			return <input id={id} type="number" min={field.min} max={field.max} value={Number(shown ?? field.min)} onChange={(event) => onChange(Number(event.target.value))} />;
		case 'boolean':
			if (field.nullable) {
				return (
					<select id={id} value={shown === null || shown === undefined ? '' : String(shown)} onChange={(event) => onChange(event.target.value === '' ? null : event.target.value === 'true')}>
						<option value="">as the movie</option>
						<option value="true">yes</option>
						<option value="false">no</option>
					</select>
				);
			}
			return <input id={id} type="checkbox" checked={Boolean(shown)} onChange={(event) => onChange(event.target.checked)} />;
		default:
			return <input id={id} type="text" value={String(shown ?? '')} onChange={(event) => onChange(event.target.value)} />;
	}
};

export const ConfigPanel = ({schemas, moviefile, patch, segments, onPatch}: Props) => {
	const current = (name: string): unknown => (name in patch ? patch[name] : moviefile?.[name]);
	const segmentPatch = (patch.segments ?? {}) as Record<string, Record<string, unknown>>;
	const savedSegments = (moviefile?.segments ?? {}) as Record<string, Record<string, unknown>>;
	const set = (name: string, value: unknown) => onPatch({...patch, [name]: value});
	const setSegment = (segment: number, name: string, value: unknown) => {
		const key = String(segment);
		onPatch({...patch, segments: {...segmentPatch, [key]: {...(segmentPatch[key] ?? {}), [name]: value}}});
	};
	return (
		<details className="config">
			<summary>Configuration</summary>
			<div className="fields">
				{movieFields(schemas).map((field) => (
					<div key={field.name} className="field">
						<label htmlFor={`config-${field.name}`}>{field.label}</label>
						<Control id={`config-${field.name}`} field={field} value={current(field.name)} onChange={(value) => set(field.name, value)} />
					</div>
				))}
			</div>
			<table className="segment-config">
				<caption>Per segment</caption>
				<thead>
					<tr>
						<th scope="col">Segment</th>
						{segmentFields(schemas).map((field) => (
							<th key={field.name} scope="col">
								{field.label}
							</th>
						))}
					</tr>
				</thead>
				<tbody>
					{Array.from({length: segments}, (_, index) => index + 1).map((segment) => (
						<tr key={segment}>
							<th scope="row">{segment}</th>
							{segmentFields(schemas).map((field) => {
								const key = String(segment);
								const value = segmentPatch[key] && field.name in segmentPatch[key] ? segmentPatch[key][field.name] : savedSegments[key]?.[field.name];
								return (
									<td key={field.name}>
										<Control id={`config-${segment}-${field.name}`} field={field} value={value} onChange={(next) => setSegment(segment, field.name, next)} />
									</td>
								);
							})}
						</tr>
					))}
				</tbody>
			</table>
		</details>
	);
};
