// Failed jobs with the provider's message and what each blocks, with "retry" and "edit the prompt".
import type {JobError} from './api';

type Props = {
	errors: JobError[];
	/** What a person calls a job, from the state's jobs. */
	jobLabel: (id: string) => string;
	busy: boolean;
	onRetry: () => void;
	onEditPrompt: (prompt: string) => void;
};

const KIND_TEXT: Record<string, string> = {
	'needs-attention': 'the provider refused: change the input, then retry',
	'retryable-exhausted': 'failed on every attempt: retrying may work',
};

export const ErrorsPanel = ({errors, jobLabel, busy, onRetry, onEditPrompt}: Props) => {
	const failures = errors.filter((error) => error.kind !== 'blocked-by');
	if (failures.length === 0) return null;
	return (
		<section className="errors" aria-labelledby="errors-heading" role="alert">
			<h2 id="errors-heading">
				{failures.length} failed job{failures.length === 1 ? '' : 's'}
			</h2>
			<ul>
				{failures.map((error) => {
					const prompt = error.prompts[0];
					return (
						<li key={error.job} data-failed-job={error.job}>
							<b>{error.label}</b>: {KIND_TEXT[error.kind] ?? error.kind} (attempts: {error.attempts})
							<pre className="provider-message">{error.message ?? 'no message from the provider'}</pre>
							{error.blocks.length > 0 && (
								<p>
									Blocks:{' '}
									{error.blocks.map((job) => (
										<span key={job} className="job blocked" data-blocked-job={job}>
											{jobLabel(job)}
										</span>
									))}
								</p>
							)}
							<div className="actions">
								<button type="button" className="primary" disabled={busy} onClick={onRetry}>
									Retry
								</button>
								{prompt && (
									<button type="button" onClick={() => onEditPrompt(prompt.id)} title={prompt.file}>
										Edit the prompt ({prompt.label})
									</button>
								)}
							</div>
						</li>
					);
				})}
			</ul>
		</section>
	);
};
