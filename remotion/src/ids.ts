// Names shared by the bundle, the render script and the preview page.

/** The id of the one composition (selectComposition, `remotion render src/index.ts Movie`). */
export const COMPOSITION_ID = 'Movie';
