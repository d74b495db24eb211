// The progress of a movie's builds as the events stream tells it: each job's last event in the
// running build. Kept in sessionStorage with the last event id (neither is a secret), so a page
// reloaded mid-build resumes the stream from `Last-Event-ID` with what it had already seen.
import type {StreamEvent} from './events';

export type JobProgress = {
	status: 'running' | 'done' | 'failed' | 'retrying' | 'blocked';
	message?: string;
};

export type Progress = {
	lastEventId: number;
	build: string | null;
	running: boolean;
	jobs: Record<string, JobProgress>;
	finished: {status: string; revision: number | null} | null;
};

export const emptyProgress = (): Progress => ({
	lastEventId: 0,
	build: null,
	running: false,
	jobs: {},
	finished: null,
});

const JOB_STATUS: Record<string, JobProgress['status']> = {
	'job-started': 'running',
	'job-finished': 'done',
	'job-failed': 'failed',
	'job-retrying': 'retrying',
	'job-blocked': 'blocked',
};

/** The progress after one more event. A new build's first event starts a fresh job table. */
export const advance = (progress: Progress, event: StreamEvent): Progress => {
	const next: Progress = {...progress, lastEventId: event.id};
	const build = typeof event.build === 'string' ? event.build : null;
	if (build !== null && build !== progress.build) {
		next.build = build;
		next.jobs = {};
		next.finished = null;
	}
	if (event.type === 'build-started') {
		next.running = true;
	} else if (event.type === 'build-finished') {
		next.running = false;
		next.finished = {status: String(event.status ?? 'complete'), revision: (event.revision as number | null) ?? null};
	} else {
		const status = JOB_STATUS[event.type];
		if (status && event.job) {
			next.running = true;
			const entry: JobProgress = {status};
			if (event.message) entry.message = event.message;
			next.jobs = {...next.jobs, [event.job]: entry};
		}
	}
	return next;
};

const key = (movie: string): string => `moviebuild-studio-progress:${movie}`;

export const loadProgress = (movie: string): Progress => {
	try {
		const text = window.sessionStorage.getItem(key(movie));
		return text ? {...emptyProgress(), ...(JSON.parse(text) as Progress)} : emptyProgress();
	} catch {
		return emptyProgress();
	}
};

export const saveProgress = (movie: string, progress: Progress): void => {
	try {
		window.sessionStorage.setItem(key(movie), JSON.stringify(progress));
	} catch {
		// A full or disabled storage only costs a longer replay after a reload.
	}
};
