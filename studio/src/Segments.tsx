// One row per segment: its narration and prompts (editable), its audio, its images or clip as
// thumbnails with "New take", and the status of each of its jobs, live while a build runs.
import type {MovieState, PromptState} from './api';
import {byReadingOrder, parseId, segmentOf} from './ids';
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

const Thumb = ({id, link, onNewTake, busy}: {id: string; link: string; onNewTake: (id: string) => void; busy: boolean}) => {
	const isVideo = parseId(id)?.name === 'SegmentVideo';
	return (
		<figure className="thumb" data-asset={id}>
			{isVideo ? (
				<video src={mediaUrl(link)} muted preload="metadata" aria-label={id} />
			) : (
				<img src={mediaUrl(link)} alt={id} loading="lazy" />
			)}
			<figcaption>
				{id}{' '}
				<button type="button" className="small" disabled={busy} onClick={() => onNewTake(id)} aria-label={`New take of ${id}`}>
					New take
				</button>
			</figcaption>
		</figure>
	);
};

const segmentCount = (state: MovieState): number => {
	const numbers = [...state.prompts.map((p) => p.id), ...state.jobs.map((j) => j.id)]
		.filter((id) => (parseId(id)?.indices.length ?? 0) > 0)
		.map((id) => segmentOf(id) ?? 0);
	return Math.max(0, ...numbers);
};

export const Segments = ({state, progress, drafts, onDraft, onNewTake, onReset, busy}: Props) => {
	const count = segmentCount(state);
	const rows = Array.from({length: count}, (_, index) => index + 1);
	const inSegment = (id: string, segment: number) => segmentOf(id) === segment;
	return (
		<section aria-labelledby="segments-heading">
			<h2 id="segments-heading">Segments</h2>
			<ol className="segments">
				{rows.map((segment) => {
					const prompts: PromptState[] = state.prompts
						.filter((p) => inSegment(p.id, segment))
						.sort((a, b) => byReadingOrder(a.id, b.id));
					const assets = Object.entries(state.assets).filter(([id]) => inSegment(id, segment));
					const audio = assets.find(([id]) => parseId(id)?.name === 'SegmentAudio');
					const visuals = assets.filter(([id]) => ['SegmentImage', 'SegmentVideo', 'StartingImage'].includes(parseId(id)?.name ?? ''));
					const jobs = state.jobs.filter((job) => inSegment(job.id, segment));
					const failures = state.errors.filter((error) => error.kind !== 'blocked-by' && inSegment(error.job, segment));
					return (
						<li key={segment} className="segment" data-segment={segment} aria-label={`Segment ${segment}`}>
							<h3>Segment {segment}</h3>
							<div className="segment-body">
								<div className="segment-texts">
									{prompts.map((prompt) => (
										<EditableText key={prompt.id} prompt={prompt} drafts={drafts} onDraft={onDraft} where={`segment ${segment}`} onReset={onReset} busy={busy} />
									))}
								</div>
								<div className="segment-media">
									{audio && (
										<div className="audio">
											<audio controls preload="none" src={mediaUrl(audio[1])} aria-label={`Narration audio of segment ${segment}`} />
											<button type="button" className="small" disabled={busy} onClick={() => onNewTake(audio[0])} aria-label={`New take of ${audio[0]}`}>
												New take
											</button>
										</div>
									)}
									<div className="thumbs">
										{visuals.map(([id, link]) => (
											<Thumb key={id} id={id} link={link} onNewTake={onNewTake} busy={busy} />
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
									{error.job}: {error.message ?? 'failed'}
								</p>
							))}
						</li>
					);
				})}
			</ol>
		</section>
	);
};
