// The studio's only door to moviebuild: a typed client of the public HTTP API (/v1). The types
// mirror the server's pydantic models (moviebuild/server/models.py, /v1/openapi.json); nothing
// here knows about files, stores or the engine.
import type {Timeline} from '../../remotion/src/generated/props';

export type PromptState = {
	id: string;
	text: string;
	source: 'generated' | 'edited';
	file: string | null;
	generated?: string | null;
	generator_changed?: boolean;
};

export type JobStatus = 'current' | 'stale' | 'failed' | 'blocked' | 'skipped';

export type JobState = {
	id: string;
	producer: string;
	status: JobStatus;
	reason?: string | null;
	provider: string;
};

export type JobError = {
	job: string;
	kind: 'needs-attention' | 'retryable-exhausted' | 'blocked-by';
	message: string | null;
	attempts: number;
	blocks: string[];
	blocked_by: string[];
};

export type MovieState = {
	format_version: number;
	inquiry: string;
	title: string | null;
	revision: number | null;
	status: 'unbuilt' | 'complete' | 'incomplete' | 'interrupted';
	up_to_date: boolean;
	timeline: Timeline | null;
	assets: Record<string, string>;
	prompts: PromptState[];
	jobs: JobState[];
	errors: JobError[];
	cost: {estimated_usd: number; estimated_per_provider_usd: Record<string, number>; spent_usd: number};
	notices: string[];
};

export type PlannedJob = {
	id: string;
	producer: string;
	layer: number;
	provider: string;
	reason: string;
	subject?: string | null;
	old?: string | null;
	new?: string | null;
};

export type PlanProviderCost = {provider: string; calls: number; estimate_usd: number};

/** The server's PlanReport (`moviebuild schema plan`). */
export type PlanDocument = {
	inquiry: string;
	duration_s: number;
	segments: number;
	jobs: PlannedJob[];
	up_to_date: number;
	layers: number;
	critical_path_s: number;
	cost: {estimate_usd: number; providers: PlanProviderCost[]};
	missing_keys: string[];
};

export type BuildStatus =
	| 'queued'
	| 'running'
	| 'complete'
	| 'incomplete'
	| 'interrupted'
	| 'cancelled'
	| 'failed';

export type BuildDocument = {
	id: string;
	movie: string;
	status: BuildStatus;
	created: string;
	finished: string | null;
	revision: number | null;
	error: string | null;
	/** The finished build's BuildReport (`moviebuild schema build`). */
	report: BuildReport | null;
};

export type JobResult = {
	id: string;
	producer: string;
	provider: string;
	status: 'done' | 'failed' | 'blocked';
	attempts: number;
	error: string | null;
	hint: string | null;
	retryable: boolean | null;
};

export type BuildReport = {
	outcome: 'complete' | 'incomplete' | 'interrupted';
	revision: number | null;
	wrote_revision: boolean;
	jobs: JobResult[];
	ran: Record<string, number>;
	reused: number;
	skipped: number;
	cost: {
		estimate_usd: number;
		spent_usd: number;
		providers: {provider: string; calls: number; estimate_usd: number; spent_usd: number}[];
	};
	notices: string[];
};

export type Changes = {
	config?: Record<string, unknown>;
	/** A text pins its slot; null hands an edited slot back to its generator. */
	overrides?: Record<string, string | null>;
	redo?: string[];
	budget_usd?: number | null;
};

export type MovieSummary = {id: string; inquiry: string; revision: number | null; building: string | null};

export type RevisionEntry = {
	revision: number;
	name: string;
	created: string;
	current: boolean;
	calls: number;
	ran: Record<string, number>;
	reused: number;
	failed: number;
	blocked: number;
	interrupted: boolean;
	spent_usd: number;
};

export type RevisionDiff = {
	from: number;
	to: number;
	inputs: Record<string, unknown>;
	overrides: Record<string, unknown>;
	artifacts: Record<string, unknown>;
};

export type RevisionDocument = {
	revision: number;
	created: string;
	interrupted: boolean;
	moviefile: Record<string, unknown>;
	overrides: Record<string, string>;
	outputs: Record<string, string>;
	/** artifact id -> signed link to this revision's media file (not the timeline) */
	links: Record<string, string>;
	diff_from_previous: RevisionDiff | null;
};

/** An answer that is not a success: the server's Problem document, with the HTTP status. */
export class ApiProblem extends Error {
	constructor(
		readonly status: number,
		readonly kind: string,
		message: string,
		readonly hint: string | null,
		readonly where: string | null,
	) {
		super(message);
		this.name = 'ApiProblem';
	}
}

const asProblem = async (response: Response): Promise<ApiProblem> => {
	try {
		const body = (await response.json()) as {error?: string; message?: string; hint?: string; where?: string};
		return new ApiProblem(
			response.status,
			body.error ?? 'error',
			body.message ?? `HTTP ${response.status}`,
			body.hint ?? null,
			body.where ?? null,
		);
	} catch {
		return new ApiProblem(response.status, 'error', `the server answered HTTP ${response.status}`, null, null);
	}
};

/** One server and one credential. ``token`` is empty for `moviebuild studio`'s local server. */
export class Api {
	constructor(
		readonly baseUrl: string,
		private readonly token: string,
	) {}

	headers(extra: Record<string, string> = {}): Record<string, string> {
		return this.token ? {...extra, Authorization: `Bearer ${this.token}`} : extra;
	}

	url(path: string): string {
		return `${this.baseUrl}/v1${path}`;
	}

	async request<T>(method: string, path: string, body?: unknown): Promise<T> {
		const init: RequestInit = {method, headers: this.headers(), credentials: 'same-origin'};
		if (body !== undefined) {
			init.headers = this.headers({'Content-Type': 'application/json'});
			init.body = JSON.stringify(body);
		}
		let response: Response;
		try {
			response = await fetch(this.url(path), init);
		} catch (error) {
			throw new ApiProblem(0, 'unreachable', `the server cannot be reached (${String(error)})`, 'check that `moviebuild serve` runs', null);
		}
		if (!response.ok) throw await asProblem(response);
		return (await response.json()) as T;
	}

	/** The OpenAPI document's named schemas; the Moviefile's among them drives the controls. */
	async schemas(): Promise<Record<string, unknown>> {
		const document = await this.request<{components?: {schemas?: Record<string, unknown>}}>('GET', '/openapi.json');
		return document.components?.schemas ?? {};
	}

	movies(): Promise<{movies: MovieSummary[]; next_cursor: string | null}> {
		return this.request('GET', '/movies');
	}

	createMovie(moviefile: Record<string, unknown>): Promise<{id: string; build: BuildDocument | null}> {
		return this.request('POST', '/movies', {moviefile});
	}

	state(movie: string): Promise<MovieState> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}`);
	}

	dryRun(movie: string, changes: Changes): Promise<{plan: PlanDocument | null}> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/builds`, {...changes, dry_run: true});
	}

	build(movie: string, changes: Changes): Promise<{build: BuildDocument | null}> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/builds`, changes);
	}

	buildDocument(movie: string, build: string): Promise<BuildDocument> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}/builds/${encodeURIComponent(build)}`);
	}

	cancel(movie: string, build: string): Promise<BuildDocument> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/builds/${encodeURIComponent(build)}/cancel`, {});
	}

	revisions(movie: string): Promise<{revisions: RevisionEntry[]}> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}/revisions`);
	}

	revision(movie: string, revision: number): Promise<RevisionDocument> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}/revisions/${revision}`);
	}

	checkout(movie: string, revision: number, force = false): Promise<unknown> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/checkout`, {revision, force});
	}
}
