// Reads the one printed form of node ids (`SegmentImage[3][2]`) for display: which segment a
// prompt, job or asset belongs to, and which prompt a failed job reads.

export type ParsedId = {name: string; indices: number[]};

const ID = /^([A-Za-z][A-Za-z0-9_]*)((?:\[[1-9][0-9]*\])*)$/;

export const parseId = (id: string): ParsedId | null => {
	const match = ID.exec(id);
	if (match === null) return null;
	const indices = [...(match[2] ?? '').matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
	return {name: match[1] ?? '', indices};
};

/** The segment (1-based) an id belongs to, or null for movie-wide ids. */
export const segmentOf = (id: string): number | null => {
	return parseId(id)?.indices[0] ?? null;
};

/** The editable text a job reads, for "edit the prompt" on a failed job. */
const PROMPT_OF: Record<string, string> = {
	AudioProducer: 'SegmentNarration',
	TextToImageProducer: 'SegmentImagePrompt',
	TextToVideoProducer: 'TextToMovieDirectionPrompt',
	StartingImageProducer: 'StartingImagePrompt',
	ImageToVideoProducer: 'ImageToMovieDirectionPrompt',
	MusicProducer: 'MusicPrompt',
	TextToImagePromptProducer: 'SegmentNarration',
	TextToVideoPromptProducer: 'SegmentNarration',
	ImageToVideoPromptProducer: 'SegmentNarration',
	TextToMusicPromptProducer: 'MovieSummary',
};

export const promptOfJob = (job: string): string | null => {
	const parsed = parseId(job);
	const prompt = parsed ? PROMPT_OF[parsed.name] : undefined;
	if (parsed === null || prompt === undefined) return null;
	// A prompt writer reads its segment's narration: one index, whatever the job has.
	const indices = prompt === 'SegmentNarration' ? parsed.indices.slice(0, 1) : parsed.indices;
	return prompt + indices.map((index) => `[${index}]`).join('');
};

/** Human labels for the editable texts. */
const LABELS: Record<string, string> = {
	MovieTitle: 'Title',
	MovieSummary: 'Summary',
	MusicPrompt: 'Music prompt',
	SegmentNarration: 'Narration',
	SegmentImagePrompt: 'Image prompt',
	TextToMovieDirectionPrompt: 'Video prompt',
	StartingImagePrompt: 'Starting image prompt',
	ImageToMovieDirectionPrompt: 'Video direction prompt',
};

export const labelOf = (id: string): string => {
	const parsed = parseId(id);
	if (parsed === null) return id;
	const label = LABELS[parsed.name] ?? parsed.name;
	return parsed.name === 'SegmentImagePrompt' ? `${label} ${parsed.indices[1] ?? ''}`.trim() : label;
};

const ORDER = [
	'MovieTitle',
	'MovieSummary',
	'MusicPrompt',
	'SegmentNarration',
	'SegmentImagePrompt',
	'TextToMovieDirectionPrompt',
	'StartingImagePrompt',
	'ImageToMovieDirectionPrompt',
];

/** Sorts ids as a person reads a movie: title, summary, music, then narration before prompts. */
export const byReadingOrder = (a: string, b: string): number => {
	const rank = (id: string) => {
		const parsed = parseId(id);
		const at = ORDER.indexOf(parsed?.name ?? '');
		return [at < 0 ? ORDER.length : at, ...(parsed?.indices ?? [])];
	};
	const [left, right] = [rank(a), rank(b)];
	for (let index = 0; index < Math.max(left.length, right.length); index++) {
		const difference = (left[index] ?? 0) - (right[index] ?? 0);
		if (difference !== 0) return difference;
	}
	return 0;
};
