// One row per segment: its narration and prompts (editable), its audio, its images or clip as
// thumbnails with "New take", and the status of each of its jobs, live while a build runs.
import type {MovieState, PromptState} from './api';
import type {Progress} from './progress';
import {type Drafts, EditableText, JobBadge} from './Texts';

type Props = {
	state: MovieState;
	progress: Progress;
	drafts: Drafts;
	onDraft: (id: string, text: string | null) => void;
	onNewTake: (id: string) => void;
	onReset: (id: string) => void;
	busy: boolean;
};

export const mediaUrl = (link: string): string => new URL(link, `${window.location.origin}/`).href;

const Thumb = ({id, label, kind, link, onNewTake, busy}: {id: string; label: string; kind: string; link: string; onNewTake: (id: string) => void; busy: boolean}) => {
	const isVideo = kind === 'video';
	return (
		<figure className="thumb" data-asset={id}>
			{isVideo ? (
				<video src={mediaUrl(link)} muted preload="metadata" aria-label={label} />
			) : (
				<img src={mediaUrl(link)} alt={label} loading="lazy" />
			)}
			<figcaption>
				{label}{' '}
				<button type="button" className="small" disabled={busy} onClick={() => onNewTake(id)} aria-label={`New take of ${label}`}>
					New take
				</button>
			</figcaption>
		</figure>
	);
};

const segmentCount = (state: MovieState): number =>
	Math.max(0, ...[...state.prompts, ...state.jobs].map((item) => item.segment ?? 0));

export const Segments = ({state, progress, drafts, onDraft, onNewTake, onReset, busy}: Props) => {
	const count = segmentCount(state);
	const rows = Array.from({length: count}, (_, index) => index + 1);
	const artifact = (id: string) => state.artifacts[id];
	const byOrder = (a: string, b: string) => (artifact(a)?.order ?? 0) - (artifact(b)?.order ?? 0);
	return (
		<section aria-labelledby="segments-heading">
			<h2 id="segments-heading">Segments</h2>
			<ol className="segments">
				{rows.map((segment) => {
					const prompts: PromptState[] = state.prompts.filter((p) => p.segment === segment).sort((a, b) => a.order - b.order);
					const assets = Object.entries(state.assets)
						.filter(([id]) => artifact(id)?.segment === segment)
						.sort(([a], [b]) => byOrder(a, b));
					const audio = assets.find(([id]) => artifact(id)?.kind === 'audio');
					const visuals = assets.filter(([id]) => ['image', 'video'].includes(artifact(id)?.kind ?? ''));
					const jobs = state.jobs.filter((job) => job.segment === segment).sort((a, b) => a.order - b.order);
					const failures = state.errors.filter((error) => error.kind !== 'blocked-by' && error.segment === segment);
					return (
						<li key={segment} className="segment" data-segment={segment} aria-label={`Segment ${segment}`}>
							<h3>Segment {segment}</h3>
							<div className="segment-body">
								<div className="segment-texts">
									{prompts.map((prompt) => (
										<EditableText key={prompt.id} prompt={prompt} drafts={drafts} onDraft={onDraft} onReset={onReset} busy={busy} />
									))}
								</div>
								<div className="segment-media">
									{audio && (
										<div className="audio">
											<audio controls preload="none" src={mediaUrl(audio[1])} aria-label={`Narration audio of segment ${segment}`} />
											<button type="button" className="small" disabled={busy} onClick={() => onNewTake(audio[0])} aria-label={`New take of ${artifact(audio[0])?.label ?? audio[0]}`}>
												New take
											</button>
										</div>
									)}
									<div className="thumbs">
										{visuals.map(([id, link]) => (
											<Thumb key={id} id={id} label={artifact(id)?.label ?? id} kind={artifact(id)?.kind ?? 'image'} link={link} onNewTake={onNewTake} busy={busy} />
										))}
									</div>
								</div>
							</div>
							<div className="jobs" aria-label={`Jobs of segment ${segment}`}>
								{jobs.map((job) => (
									<JobBadge key={job.id} job={job} live={progress.jobs[job.id]} />
								))}
							</div>
							{failures.map((error) => (
								<p key={error.job} className="job-message">
									{error.label}: {error.message ?? 'failed'}
								</p>
							))}
						</li>
					);
				})}
			</ol>
		</section>
	);
};
