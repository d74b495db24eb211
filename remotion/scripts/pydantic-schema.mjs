// What the TypeScript generators (remotion/'s props types, studio/'s API types) do to pydantic's
// JSON Schemas before json-schema-to-typescript reads them. Imports nothing, so either project
// can use it whichever node_modules exists.

// Pydantic titles every property ("Start S"); the generator would turn each title into a type
// alias. Titles of named definitions stay: they become the interface names.
export const dropPropertyTitles = (schema) => {
	if (Array.isArray(schema)) return schema.map(dropPropertyTitles);
	if (schema === null || typeof schema !== 'object') return schema;
	const copy = {};
	for (const [key, value] of Object.entries(schema)) {
		if (key === 'properties') {
			copy.properties = Object.fromEntries(
				Object.entries(value).map(([name, property]) => {
					const {title: _title, ...rest} = property;
					return [name, dropPropertyTitles(rest)];
				}),
			);
		} else {
			copy[key] = dropPropertyTitles(value);
		}
	}
	return copy;
};
