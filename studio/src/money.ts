// How the studio writes dollars.

/** Dollars with the digits a small bill needs: cents from $1, four decimals from a cent, six
 * below (an LLM call costs fractions of a cent). */
export const usd = (value: number): string => {
	const size = Math.abs(value);
	return `$${value.toFixed(size === 0 || size >= 1 ? 2 : size >= 0.01 ? 4 : 6)}`;
};

/** A difference, with its sign always written. */
export const signed = (value: number): string => `${value < 0 ? '−' : '+'}${usd(Math.abs(value))}`;
