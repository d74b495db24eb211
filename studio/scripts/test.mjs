// `npm test`: bundles tests/*.test.ts with esbuild into a scratch folder and runs them with
// Node's own test runner (no test framework to install).
import {spawnSync} from 'node:child_process';
import {mkdtemp, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const studio = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = await mkdtemp(path.join(tmpdir(), 'studio-tests-'));
const tests = (await readdir(path.join(studio, 'tests'))).filter((name) => name.endsWith('.test.ts'));
await build({
	entryPoints: tests.map((name) => path.join(studio, 'tests', name)),
	outdir: out,
	outExtension: {'.js': '.mjs'},
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	logLevel: 'warning',
});
const files = tests.map((name) => path.join(out, name.replace(/\.ts$/, '.mjs')));
const run = spawnSync(process.execPath, ['--test', ...files], {stdio: 'inherit'});
await rm(out, {recursive: true, force: true});
process.exit(run.status ?? 1);
