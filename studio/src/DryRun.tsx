// The dry-run confirmation: the jobs the change would run and why, the calls per provider and the
// cost, before anything runs. A modal <dialog>: focus starts on the confirm button, Esc cancels.
import {useEffect, useRef} from 'react';
import type {PlanReport} from './api';

type Props = {
	plan: PlanReport;
	what: string;
	budgetUsd: number | null;
	/** The request changes the movie (an edit, a reset): worth a build even when nothing runs. */
	applies: boolean;
	/** What a person calls a job, from the movie's state. */
	jobLabel: (id: string) => string;
	onConfirm: () => void;
	onCancel: () => void;
};

const usd = (value: number): string => `$${value.toFixed(value < 1 ? 3 : 2)}`;

export const DryRunDialog = ({plan, what, budgetUsd, applies, jobLabel, onConfirm, onCancel}: Props) => {
	const dialog = useRef<HTMLDialogElement>(null);
	const confirm = useRef<HTMLButtonElement>(null);
	useEffect(() => {
		const element = dialog.current;
		if (element && !element.open) element.showModal();
		confirm.current?.focus();
	}, []);
	const count = plan.jobs.length;
	const estimate = plan.cost.estimate_usd;
	const costs = estimate > 0;
	const overBudget = budgetUsd !== null && estimate > budgetUsd;
	return (
		<dialog
			ref={dialog}
			className="dry-run"
			aria-labelledby="dry-run-heading"
			onCancel={(event) => {
				event.preventDefault();
				onCancel();
			}}
		>
			<h2 id="dry-run-heading">Dry run: {what}</h2>
			<p data-testid="dry-run-summary">
				{count > 0
					? `${count} job${count === 1 ? '' : 's'} will run`
					: applies
						? 'Nothing needs to run: every result is already stored; confirming records the change as a new revision'
						: 'Nothing would run: the movie is up to date'}
				{`; ${plan.up_to_date} stay as they are. `}
				Estimated cost: <b>{costs ? usd(estimate) : 'free'}</b>
				{plan.missing_keys.length > 0 && ` (missing keys: ${plan.missing_keys.join(', ')})`}
			</p>
			{overBudget && (
				<p className="problem" role="alert">
					The estimate, {usd(estimate)}, is above your budget of {usd(budgetUsd)}: raise the budget or change less.
				</p>
			)}
			{count > 0 && (
				<table className="plan">
					<thead>
						<tr>
							<th scope="col">Job</th>
							<th scope="col">Why</th>
						</tr>
					</thead>
					<tbody>
						{plan.jobs.map((job) => (
							<tr key={job.id} data-planned-job={job.id}>
								<td>{jobLabel(job.id)}</td>
								<td>{job.reason}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
			<p className="muted">
				Calls per provider:{' '}
				{plan.cost.providers
					.filter((provider) => provider.calls > 0)
					.map((provider) => `${provider.provider} ${provider.calls} (${usd(provider.estimate_usd)})`)
					.join(', ') || 'none'}
			</p>
			<div className="actions">
				<button type="button" ref={confirm} className="primary" onClick={onConfirm} disabled={(count === 0 && !applies) || overBudget}>
					{count === 0 ? 'Apply (nothing to run)' : costs ? `Pay about ${usd(estimate)} and run ${count} job${count === 1 ? '' : 's'}` : `Run ${count} job${count === 1 ? '' : 's'}`}
				</button>
				<button type="button" onClick={onCancel}>
					Cancel
				</button>
			</div>
		</dialog>
	);
};
