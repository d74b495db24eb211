// A side-by-side of one artifact's versions in two chosen revisions (image 3/2 in r4 and r7),
// loaded through the signed links of each revision's document.
import {useEffect, useState} from 'react';
import type {Api, RevisionDocument, RevisionEntry} from './api';
import {type Artifacts, comparableArtifacts, defaultArtifact, labelOf, mediaKind} from './versions';
import {mediaUrl} from './Segments';

type Props = {api: Api; movie: string; entries: RevisionEntry[]; artifacts: Artifacts};

const Version = ({id, revision, doc, artifacts}: {id: string; revision: number; doc: RevisionDocument | null; artifacts: Artifacts}) => {
	const link = doc?.links[id];
	const digest = doc?.outputs[id];
	const kind = mediaKind(id, artifacts);
	const label = `${labelOf(id, artifacts)} in r${revision}`;
	return (
		<figure className="version" data-version={revision}>
			<figcaption>
				<b>r{revision}</b> {digest ? <code title={digest}>{digest.slice(0, 8)}</code> : null}
			</figcaption>
			{doc === null ? (
				<p>Loading…</p>
			) : link === undefined ? (
				<p className="muted">Not in r{revision}.</p>
			) : kind === 'video' ? (
				<video src={mediaUrl(link)} controls muted preload="metadata" aria-label={label} />
			) : kind === 'audio' ? (
				<audio src={mediaUrl(link)} controls preload="metadata" aria-label={label} />
			) : (
				<img src={mediaUrl(link)} alt={label} />
			)}
		</figure>
	);
};

const RevisionSelect = ({id, label, value, entries, onChange}: {id: string; label: string; value: number; entries: RevisionEntry[]; onChange: (revision: number) => void}) => (
	<div>
		<label htmlFor={id}>{label}</label>
		<select id={id} value={value} onChange={(event) => onChange(Number(event.target.value))}>
			{entries.map((entry) => (
				<option key={entry.revision} value={entry.revision}>
					{entry.name}
					{entry.current ? ' (current)' : ''}
				</option>
			))}
		</select>
	</div>
);

export const Compare = ({api, movie, entries, artifacts: known}: Props) => {
	// entries come newest first: compare the one before the newest with the newest.
	const [left, setLeft] = useState<number>(entries[1]?.revision ?? entries[0]?.revision ?? 1);
	const [right, setRight] = useState<number>(entries[0]?.revision ?? 1);
	const [docs, setDocs] = useState<Record<number, RevisionDocument>>({});
	const [artifact, setArtifact] = useState<string | null>(null);
	const [problem, setProblem] = useState<string | null>(null);

	useEffect(() => {
		for (const revision of [left, right]) {
			if (docs[revision] !== undefined) continue;
			api
				.revision(movie, revision)
				.then((doc) => setDocs((known) => ({...known, [revision]: doc})))
				.catch((error: unknown) => setProblem(String(error)));
		}
	}, [api, movie, left, right, docs]);

	const leftDoc = docs[left] ?? null;
	const rightDoc = docs[right] ?? null;
	const artifacts = comparableArtifacts(leftDoc, rightDoc, known);
	const loaded = leftDoc !== null && rightDoc !== null;
	const chosen = artifact !== null && artifacts.includes(artifact) ? artifact : loaded ? defaultArtifact(leftDoc, rightDoc, known) : null;
	const same = chosen !== null && leftDoc?.outputs[chosen] !== undefined && leftDoc.outputs[chosen] === rightDoc?.outputs[chosen];
	return (
		<section className="compare" aria-labelledby="compare-heading" data-testid="compare">
			<h3 id="compare-heading">Compare versions</h3>
			{problem && <p className="problem">{problem}</p>}
			<div className="compare-controls">
				<div>
					<label htmlFor="compare-artifact">Artifact</label>
					<select id="compare-artifact" value={chosen ?? ''} onChange={(event) => setArtifact(event.target.value)} disabled={artifacts.length === 0}>
						{artifacts.map((id) => (
							<option key={id} value={id}>
								{labelOf(id, known)}
								{leftDoc?.outputs[id] !== rightDoc?.outputs[id] ? ' (changed)' : ''}
							</option>
						))}
					</select>
				</div>
				<RevisionSelect id="compare-left" label="Left revision" value={left} entries={entries} onChange={setLeft} />
				<RevisionSelect id="compare-right" label="Right revision" value={right} entries={entries} onChange={setRight} />
			</div>
			{chosen !== null && (
				<>
					<p className="muted" data-testid="compare-verdict" aria-live="polite">
						{labelOf(chosen, known)}: {same ? `the same file in r${left} and r${right}` : `r${left} and r${right} differ`}
					</p>
					<div className="side-by-side">
						<Version id={chosen} revision={left} doc={leftDoc} artifacts={known} />
						<Version id={chosen} revision={right} doc={rightDoc} artifacts={known} />
					</div>
				</>
			)}
		</section>
	);
};
