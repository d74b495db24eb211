// The movie page: title, summary, the Player, configuration, one row per segment, errors and
// history. Every change goes through a dry run the user confirms; progress streams from the
// events endpoint and the page reloads the state (and so the Player) when a build ends.
import type React from 'react';
import {useCallback, useEffect, useRef, useState} from 'react';
import {type Api, ApiProblem, type Changes, type MovieState, type PlanReport, type RevisionDocument} from './api';
import {type Patch, ConfigPanel} from './Config';
import {DryRunDialog} from './DryRun';
import {ErrorsPanel} from './Errors';
import {followEvents, type StreamEvent} from './events';
import {History} from './History';
import {usd} from './money';
import {PlayerView} from './PlayerView';
import {type Progress, advance, emptyProgress, loadProgress, saveProgress} from './progress';
import type {Schemas} from './schemaForm';
import {Segments} from './Segments';
import {Spending} from './Spending';
import {type Drafts, EditableText, JobBadge} from './Texts';

type Pending = {what: string; changes: Changes; plan: PlanReport};

type Tab = 'segments' | 'history';
const TABS: [Tab, string][] = [
	['segments', 'Segments'],
	['history', 'History'],
];

/** Whether a request changes the movie itself, not only builds what is stale. */
const applies = (changes: Changes): boolean =>
	Object.keys(changes.overrides ?? {}).length + Object.keys(changes.config ?? {}).length + (changes.redo ?? []).length > 0;

const describeProblem = (error: unknown): string => {
	if (error instanceof ApiProblem) {
		return `${error.message}${error.where ? ` (at ${error.where})` : ''}${error.hint ? `\n${error.hint}` : ''}`;
	}
	return error instanceof Error ? error.message : String(error);
};

export const MoviePage = ({api, movie, onBack}: {api: Api; movie: string; onBack: () => void}) => {
	const [state, setState] = useState<MovieState | null>(null);
	const [moviefile, setMoviefile] = useState<RevisionDocument['moviefile'] | null>(null);
	const [problem, setProblem] = useState<string | null>(null);
	const [drafts, setDrafts] = useState<Drafts>({});
	const [patch, setPatch] = useState<Patch>({});
	const [pending, setPending] = useState<Pending | null>(null);
	const [progress, setProgress] = useState<Progress>(() => loadProgress(movie));
	const [connected, setConnected] = useState(false);
	const [tab, setTab] = useState<Tab>('segments');
	const [budget, setBudget] = useState('');
	const [schemas, setSchemas] = useState<Schemas>({});
	const progressRef = useRef(progress);

	const refresh = useCallback(async () => {
		try {
			const next = await api.state(movie);
			setState(next);
			if (next.revision !== null) setMoviefile((await api.revision(movie, next.revision)).moviefile);
			setProblem(null);
		} catch (error) {
			setProblem(describeProblem(error));
		}
	}, [api, movie]);

	useEffect(() => {
		void refresh();
	}, [refresh]);

	useEffect(() => {
		api
			.schemas()
			.then((found) => setSchemas(found as Schemas))
			.catch((error: unknown) => setProblem(describeProblem(error)));
	}, [api]);

	useEffect(() => {
		const abort = new AbortController();
		const onEvent = (event: StreamEvent) => {
			const next = advance(progressRef.current, event);
			progressRef.current = next;
			saveProgress(movie, next);
			setProgress(next);
			if (event.type === 'build-finished') {
				const build = event.status === 'failed' && typeof event.build === 'string' ? event.build : null;
				// A build that could not run (a budget refusal, an invalid patch) says why.
				void refresh()
					.then(() => (build === null ? null : api.buildDocument(movie, build)))
					.then((failed) => failed && setProblem(`The build did not run: ${failed.error ?? 'no reason given'}`))
					.catch(() => undefined);
			}
		};
		void followEvents(api, movie, progressRef.current.lastEventId, onEvent, abort.signal, setConnected);
		return () => abort.abort();
	}, [api, movie, refresh]);

	const budgetUsd = budget.trim() === '' ? null : Number(budget);
	const ask = async (what: string, request: Changes) => {
		const changes = {...request, budget_usd: budgetUsd};
		try {
			const answer = await api.dryRun(movie, changes);
			if (answer.plan) setPending({what, changes, plan: answer.plan});
		} catch (error) {
			setProblem(describeProblem(error));
		}
	};

	const confirm = async () => {
		if (pending === null) return;
		const {changes} = pending;
		setPending(null);
		try {
			await api.build(movie, changes);
			setDrafts({});
			setPatch({});
			setProblem(null);
		} catch (error) {
			setProblem(describeProblem(error));
		}
	};

	const checkout = async (revision: number, force = false) => {
		try {
			await api.checkout(movie, revision, force);
			await refresh();
		} catch (error) {
			if (error instanceof ApiProblem && error.status === 409 && !force) {
				if (window.confirm(`${error.message}\n\nDiscard those edits and check out r${revision}?`)) {
					await checkout(revision, true);
				}
				return;
			}
			setProblem(describeProblem(error));
		}
	};

	const onDraft = (id: string, text: string | null) =>
		setDrafts((current) => {
			const next = {...current};
			if (text === null) delete next[id];
			else next[id] = text;
			return next;
		});

	// The tabs follow the ARIA pattern: one tab stop, arrow keys move between them.
	const onTabKey = (event: React.KeyboardEvent) => {
		if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
		const at = TABS.findIndex(([name]) => name === tab);
		const [next] = TABS[(at + (event.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length] ?? TABS[0] ?? ['segments'];
		setTab(next);
		window.setTimeout(() => document.getElementById(`tab-${next}`)?.focus(), 0);
	};

	// Only the reset goes in: other drafts stay drafts for their own review.
	const artifactLabel = (id: string) => state?.artifacts[id]?.label ?? id;
	const reset = (id: string) => void ask(`reset of ${artifactLabel(id)} to the generator's text`, {overrides: {[id]: null}});

	const editPrompt = (prompt: string) => {
		setTab('segments');
		window.setTimeout(() => document.getElementById(`text-${prompt}`)?.focus(), 0);
	};

	if (state === null) {
		return <main>{problem ? <pre className="problem">{problem}</pre> : <p>Loading the movie…</p>}</main>;
	}

	const busy = progress.running;
	const editCount = Object.keys(drafts).length + Object.keys(patch).length;
	const movieWide = state.prompts.filter((prompt) => prompt.segment === null).sort((a, b) => a.order - b.order);
	const movieJobs = state.jobs.filter((job) => job.segment === null);
	const jobLabel = (id: string) => state.jobs.find((job) => job.id === id)?.label ?? id;
	const summary = state.prompts.find((prompt) => prompt.id === 'MovieSummary')?.text;
	const segments = Math.max(0, ...state.prompts.map((prompt) => prompt.segment ?? 0));
	const ranJobs = Object.entries(progress.jobs);
	return (
		<main data-movie={movie} data-revision={state.revision ?? ''} data-status={state.status} data-building={busy ? 'yes' : 'no'}>
			<nav>
				<button type="button" className="link" onClick={onBack}>
					← All movies
				</button>
			</nav>
			<header>
				<h1>{state.title ?? state.inquiry}</h1>
				{summary && <p className="summary">{summary}</p>}
				<p className="muted">
					{state.revision === null ? 'not built yet' : `revision r${state.revision}`} · {state.status}
					{state.up_to_date ? ' · up to date' : ` · has stale jobs (about ${usd(state.cost.estimated_usd)} to build now)`} · spent in all{' '}
					{usd(state.cost.total_spent_usd)}
				</p>
			</header>
			{problem && (
				<pre className="problem" role="alert">
					{problem}
				</pre>
			)}
			<ErrorsPanel errors={state.errors} jobLabel={jobLabel} busy={busy} onRetry={() => void ask('retry', {})} onEditPrompt={editPrompt} />
			<div className="layout">
				<div className="left">
					<PlayerView state={state} />
					<section className="build-status" aria-live="polite" aria-labelledby="build-heading">
						<h2 id="build-heading">
							{busy ? 'Building…' : progress.finished ? `Last build: ${progress.finished.status}` : 'Build'}
							{!connected && <span className="badge stale">events reconnecting</span>}
						</h2>
						{ranJobs.length > 0 && (
							<div className="jobs" data-testid="build-jobs">
								{ranJobs.map(([job, live]) => (
									<JobBadge key={job} job={{id: job, label: jobLabel(job), status: live.status}} live={live} />
								))}
							</div>
						)}
						<div className="actions">
							<button type="button" className="primary" disabled={busy || editCount === 0} onClick={() => void ask(`${editCount} edit${editCount === 1 ? '' : 's'}`, {overrides: drafts, config: patch})}>
								Review {editCount} edit{editCount === 1 ? '' : 's'}
							</button>
							<button type="button" disabled={busy} onClick={() => void ask('build', {})}>
								Build
							</button>
							{busy && progress.build && (
								<button type="button" onClick={() => void api.cancel(movie, progress.build ?? '').catch((error: unknown) => setProblem(describeProblem(error)))}>
									Cancel build
								</button>
							)}
						</div>
						<label htmlFor="budget">Budget per build (USD, optional)</label>
						<input id="budget" className="budget" type="number" min={0} step={0.1} value={budget} onChange={(event) => setBudget(event.target.value)} />
						<Spending cost={state.cost} />
					</section>
					<section aria-labelledby="texts-heading">
						<h2 id="texts-heading">Movie</h2>
						{movieWide.map((prompt) => (
							<EditableText key={prompt.id} prompt={prompt} drafts={drafts} onDraft={onDraft} rows={prompt.id === 'MovieTitle' ? 1 : 3} onReset={reset} busy={busy} />
						))}
						<div className="jobs" aria-label="Jobs of the whole movie">
							{movieJobs.map((job) => (
								<JobBadge key={job.id} job={job} live={busy ? progress.jobs[job.id] : undefined} />
							))}
						</div>
						<ConfigPanel schemas={schemas} moviefile={moviefile} patch={patch} segments={segments} onPatch={setPatch} />
					</section>
				</div>
				<div className="right">
					<div role="tablist" aria-label="Views" className="tabs" onKeyDown={onTabKey}>
						{TABS.map(([name, label]) => (
							<button
								key={name}
								type="button"
								role="tab"
								id={`tab-${name}`}
								aria-controls="tab-panel"
								aria-selected={tab === name}
								tabIndex={tab === name ? 0 : -1}
								onClick={() => setTab(name)}
							>
								{label}
							</button>
						))}
					</div>
					<div role="tabpanel" id="tab-panel" aria-labelledby={`tab-${tab}`}>
						{tab === 'segments' ? (
							<Segments
								state={state}
								progress={busy ? progress : emptyProgress()}
								drafts={drafts}
								onDraft={onDraft}
								onNewTake={(id) => void ask(`new take of ${artifactLabel(id)}`, {redo: [id]})}
								onReset={reset}
								busy={busy}
							/>
						) : (
							<History api={api} movie={movie} revisionNow={state.revision} busy={busy} onCheckout={(revision) => void checkout(revision)} artifacts={state.artifacts} />
						)}
					</div>
				</div>
			</div>
			{pending && <DryRunDialog plan={pending.plan} jobLabel={jobLabel} what={pending.what} budgetUsd={budgetUsd} applies={applies(pending.changes)} onConfirm={() => void confirm()} onCancel={() => setPending(null)} />}
		</main>
	);
};
