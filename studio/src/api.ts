// The studio's only door to moviebuild: a typed client of the public HTTP API (/v1). Its types
// are generated from the server's /v1/openapi.json (src/generated/api.ts, `npm run types`);
// nothing here knows about files, stores or the engine.
import type {
	BuildAccepted,
	BuildDocument,
	BuildRequest,
	CreatedMovie,
	MovieList,
	MovieState,
	Problem,
	RevisionDocument,
	RevisionList,
} from './generated/api';

export type {
	ArtifactInfo,
	CostState,
	JobError,
	JobState,
	MovieState,
	MovieSummary,
	PlanReport,
	PromptState,
	RevisionDocument,
	RevisionEntry,
} from './generated/api';

/** A build's changes: in `overrides` a text pins its slot and null hands an edited slot back to its generator. */
export type Changes = Omit<BuildRequest, 'dry_run'>;

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
		const body = (await response.json()) as Partial<Problem>;
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

	movies(): Promise<MovieList> {
		return this.request('GET', '/movies');
	}

	createMovie(moviefile: Record<string, unknown>): Promise<CreatedMovie> {
		return this.request('POST', '/movies', {moviefile});
	}

	state(movie: string): Promise<MovieState> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}`);
	}

	dryRun(movie: string, changes: Changes): Promise<BuildAccepted> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/builds`, {...changes, dry_run: true});
	}

	build(movie: string, changes: Changes): Promise<BuildAccepted> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/builds`, changes);
	}

	buildDocument(movie: string, build: string): Promise<BuildDocument> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}/builds/${encodeURIComponent(build)}`);
	}

	cancel(movie: string, build: string): Promise<BuildDocument> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/builds/${encodeURIComponent(build)}/cancel`, {});
	}

	revisions(movie: string): Promise<RevisionList> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}/revisions`);
	}

	revision(movie: string, revision: number): Promise<RevisionDocument> {
		return this.request('GET', `/movies/${encodeURIComponent(movie)}/revisions/${revision}`);
	}

	checkout(movie: string, revision: number, force = false): Promise<unknown> {
		return this.request('POST', `/movies/${encodeURIComponent(movie)}/checkout`, {revision, force});
	}
}
