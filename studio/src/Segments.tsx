// One row per segment: its narration and prompts (editable), its media slots (narration audio,
// images or clip, each with "New take" and a place for your own file), and the status of each
// of its jobs, live while a build runs.
import type {MovieState, PromptState} from './api';
import type {Progress} from './progress';
import {MediaSlot, type OwnMedia, mediaOf} from './Slots';
import {type Drafts, EditableText, JobBadge} from './Texts';

type Props = {
	state: MovieState;
	progress: Progress;
	drafts: Drafts;
	onDraft: (id: string, text: string | null) => void;
	onNewTake: (id: string) => void;
	onReset: (id: string) => void;
	own: OwnMedia;
	busy: boolean;
};

const segmentCount = (state: MovieState): number =>
	Math.max(0, ...[...state.prompts, ...state.jobs].map((item) => item.segment ?? 0));

export const Segments = ({state, progress, drafts, onDraft, onNewTake, onReset, own, busy}: Props) => {
	const count = segmentCount(state);
	const rows = Array.from({length: count}, (_, index) => index + 1);
	const yours = new Map(state.own_media.map((media) => [media.id, media.file]));
	return (
		<section aria-labelledby="segments-heading">
			<h2 id="segments-heading">Segments</h2>
			<ol className="segments">
				{rows.map((segment) => {
					const prompts: PromptState[] = state.prompts.filter((p) => p.segment === segment).sort((a, b) => a.order - b.order);
					const media = mediaOf(state, segment);
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
									{media.map((id) => (
										<MediaSlot key={id} id={id} info={state.artifacts[id]} link={state.assets[id]} yours={yours.get(id)} onNewTake={onNewTake} own={own} busy={busy} />
									))}
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
