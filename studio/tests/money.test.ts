// Dollars as the build panel writes them (node:test, bundled by `npm test`).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {signed, usd} from '../src/money';

test('a bill is written with the digits its size needs', () => {
	assert.equal(usd(0), '$0.00');
	assert.equal(usd(12.5), '$12.50');
	assert.equal(usd(0.0841), '$0.0841');
	assert.equal(usd(0.000176), '$0.000176');
});

test('a difference always carries its sign', () => {
	assert.equal(signed(0.25), '+$0.2500');
	assert.equal(signed(-0.000029), '−$0.000029');
	assert.equal(signed(0), '+$0.00');
});
