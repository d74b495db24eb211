// An editable text in place (narration, a prompt, the title) and a job's status badge. Edits stay
// drafts in the page until the user asks for the dry run; an edited text can be reset to the
// generator's (a dry run first, like every change).
import type {JobState, PromptState} from './api';
import type {JobProgress} from './progress';

export type Drafts = Record<string, string>;

type TextProps = {
	prompt: PromptState;
	drafts: Drafts;
	onDraft: (id: string, text: string | null) => void;
	rows?: number;
	/** Hands an edited slot back to its generator (the page shows the dry run first). */
	onReset: (id: string) => void;
	busy: boolean;
};

export const EditableText = ({prompt, drafts, onDraft, rows = 3, onReset, busy}: TextProps) => {
	const draft = drafts[prompt.id];
	const value = draft ?? prompt.text;
	const changed = draft !== undefined && draft !== prompt.text;
	const label = prompt.label;
	return (
		<div className={`text-field${changed ? ' changed' : ''}`} data-prompt={prompt.id}>
			<label htmlFor={`text-${prompt.id}`}>
				{prompt.label}
				{prompt.source === 'edited' && (
					<span className="badge edited" title="your text pins this slot; the generator no longer writes it">
						edited
					</span>
				)}
				{prompt.generator_changed && <span className="badge stale">generator changed</span>}
				{changed && <span className="badge draft">unsaved</span>}
			</label>
			<textarea
				id={`text-${prompt.id}`}
				aria-label={label}
				rows={rows}
				value={value}
				onChange={(event) => onDraft(prompt.id, event.target.value === prompt.text ? null : event.target.value)}
			/>
			{changed && (
				<button type="button" className="link" onClick={() => onDraft(prompt.id, null)}>
					Undo edit
				</button>
			)}
			{prompt.source === 'edited' && !changed && (
				<div className="reset">
					<button type="button" className="small" disabled={busy} onClick={() => onReset(prompt.id)} aria-label={`Reset ${prompt.label} to the generator's text`}>
						Reset to generated
					</button>
					{typeof prompt.generated === 'string' && (
						<details>
							<summary>The generator's text</summary>
							<p className="generated" data-generated={prompt.id}>
								{prompt.generated}
							</p>
						</details>
					)}
				</div>
			)}
		</div>
	);
};

const STATUS_TEXT: Record<string, string> = {
	current: 'current',
	stale: 'stale',
	failed: 'failed',
	blocked: 'blocked',
	skipped: 'pinned',
	running: 'running',
	done: 'done',
	retrying: 'retrying',
};

export const JobBadge = ({job, live}: {job: JobState | {id: string; label: string; status: string}; live?: JobProgress}) => {
	const status = live?.status ?? job.status;
	return (
		<span className={`job ${status}`} data-job={job.id} data-status={status} title={live?.message ?? ''}>
			{job.label} <b>{STATUS_TEXT[status] ?? status}</b>
		</span>
	);
};
