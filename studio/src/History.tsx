// The revisions, what changed in each (its diff from the previous one), checkout of an earlier
// one, and a side-by-side of one artifact's versions in two revisions.
import {useEffect, useState} from 'react';
import type {Api, RevisionDocument, RevisionEntry} from './api';
import {Compare} from './Compare';
import {type Artifacts, labelOf} from './versions';

type Props = {
	api: Api;
	movie: string;
	revisionNow: number | null;
	busy: boolean;
	onCheckout: (revision: number) => void;
	/** Labels and reading order of the movie's artifacts, from its state. */
	artifacts: Artifacts;
};

const changedKeys = (doc: RevisionDocument | null, artifacts: Artifacts): string[] => {
	const diff = doc?.diff_from_previous;
	if (!diff) return [];
	return [
		...Object.keys(diff.inputs).map((key) => `input ${key}`),
		...Object.keys(diff.overrides).map((key) => `edit ${labelOf(key, artifacts)}`),
		...Object.keys(diff.artifacts).map((key) => `artifact ${labelOf(key, artifacts)}`),
	];
};

export const History = ({api, movie, revisionNow, busy, onCheckout, artifacts}: Props) => {
	const [entries, setEntries] = useState<RevisionEntry[]>([]);
	const [selected, setSelected] = useState<number | null>(null);
	const [doc, setDoc] = useState<RevisionDocument | null>(null);
	const [problem, setProblem] = useState<string | null>(null);

	useEffect(() => {
		api
			.revisions(movie)
			.then((list) => setEntries([...list.revisions].reverse()))
			.catch((error: unknown) => setProblem(String(error)));
	}, [api, movie, revisionNow]);

	useEffect(() => {
		if (selected === null) return;
		setDoc(null);
		api
			.revision(movie, selected)
			.then(setDoc)
			.catch((error: unknown) => setProblem(String(error)));
	}, [api, movie, selected]);

	const changes = changedKeys(doc, artifacts);
	return (
		<section aria-labelledby="history-heading" className="history">
			<h2 id="history-heading">History</h2>
			{problem && <p className="problem">{problem}</p>}
			{entries.length > 1 && <Compare key={entries[0]?.revision} api={api} movie={movie} entries={entries} artifacts={artifacts} />}
			<ol className="revisions">
				{entries.map((entry) => (
					<li key={entry.revision} data-revision={entry.revision} className={entry.current ? 'current' : ''}>
						<button type="button" className="link" aria-expanded={selected === entry.revision} onClick={() => setSelected(selected === entry.revision ? null : entry.revision)}>
							{entry.name}
						</button>{' '}
						{entry.current && <span className="badge">current</span>} {new Date(entry.created).toLocaleString()} · {entry.calls} call
						{entry.calls === 1 ? '' : 's'} · {entry.reused} reused
						{entry.failed > 0 && ` · ${entry.failed} failed`}
						{entry.blocked > 0 && ` · ${entry.blocked} blocked`}
						{entry.interrupted && ' · interrupted'}
						{!entry.current && (
							<button type="button" className="small" disabled={busy} onClick={() => onCheckout(entry.revision)} aria-label={`Check out ${entry.name}`}>
								Check out
							</button>
						)}
						{selected === entry.revision && (
							<div className="revision-detail" data-testid="revision-detail">
								{doc === null ? (
									'Loading…'
								) : changes.length === 0 ? (
									<p>The first revision (or nothing changed).</p>
								) : (
									<ul>
										{changes.map((change) => (
											<li key={change}>{change}</li>
										))}
									</ul>
								)}
							</div>
						)}
					</li>
				))}
			</ol>
		</section>
	);
};
