// The build panel's money: per provider and in total, what the current revision's build was
// estimated to cost, what the providers reported they billed (at the price table's prices), the
// difference, and what reusing stored results saved; the price table's date, what every
// revision of the movie spent together, and a budget stop when there was one.
import type {CostState} from './api';
import {signed, usd} from './money';

type Row = {name: string; estimated: number; billed: number; difference: number; saved: number};

const Line = ({row, total = false}: {row: Row; total?: boolean}) => {
	const Cell = total ? 'th' : 'td';
	return (
		<tr data-provider={total ? 'total' : row.name}>
			<th scope="row">{row.name}</th>
			<Cell data-money="estimated">{usd(row.estimated)}</Cell>
			<Cell data-money="billed">{usd(row.billed)}</Cell>
			<Cell data-money="difference" className={row.difference > 0 ? 'over' : undefined}>
				{signed(row.difference)}
			</Cell>
			<Cell data-money="saved">{usd(row.saved)}</Cell>
		</tr>
	);
};

export const Spending = ({cost}: {cost: CostState}) => {
	const rows: Row[] = Object.entries(cost.per_provider)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([name, provider]) => ({
			name,
			estimated: provider.estimated_usd,
			billed: provider.billed_usd,
			difference: provider.difference_usd,
			saved: provider.saved_usd,
		}));
	const total: Row = {
		name: 'Total',
		estimated: cost.ran_estimate_usd,
		billed: cost.spent_usd,
		difference: cost.difference_usd,
		saved: cost.saved_usd,
	};
	return (
		<div className="spending" data-testid="spending">
			{rows.length === 0 ? (
				<p className="muted">The last build called no paid provider.</p>
			) : (
				<div className="scroll-x">
					<p className="muted" id="spending-caption">
						Last build (saved: the price of what it reused){cost.price_table ? `; prices of ${cost.price_table}` : ''}
					</p>
					<table className="plan" aria-labelledby="spending-caption">
						<thead>
							<tr>
								<th scope="col">Provider</th>
								<th scope="col">Estimate</th>
								<th scope="col">Billed</th>
								<th scope="col">Diff.</th>
								<th scope="col">Saved</th>
							</tr>
						</thead>
						<tbody>
							{rows.map((row) => (
								<Line key={row.name} row={row} />
							))}
						</tbody>
						<tfoot>
							<Line row={total} total />
						</tfoot>
					</table>
				</div>
			)}
			<p className="muted" data-testid="total-spent">
				Spent on this movie: {usd(cost.total_spent_usd)} over every revision
			</p>
			{cost.budget && (
				<p className="budget-stop" role="status">
					{cost.budget}
				</p>
			)}
		</div>
	);
};
