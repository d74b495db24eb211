// `npm run build`: bundles the studio into moviebuild/studio/static/ (committed, so the Python
// package serves it without Node): index.html, studio.css, studio.js and SOURCES.json, the
// SHA-256 of every source that went in and of every file that came out.
// `npm run build:check` builds into a scratch folder and fails if that differs from the
// committed bundle (esbuild's output is deterministic for the same sources and lockfile).
import {createHash} from 'node:crypto';
import {copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const studio = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.dirname(studio);
const committed = path.join(repo, 'moviebuild', 'studio', 'static');
const check = process.argv.includes('--check');
const out = check ? await mkdtemp(path.join(tmpdir(), 'studio-')) : committed;

// The composition's sources live in remotion/src; their packages must be the studio's own
// copies (one React, one ajv), whether or not remotion/node_modules exists. The studio imports
// only remotion/src files that use no Remotion package (geometry, captions, measure, props).
const SHARED = /^(react|react-dom|ajv)(\/.*)?$/;
const oneCopy = {
	name: 'one-copy',
	setup(pluginBuild) {
		pluginBuild.onResolve({filter: SHARED}, (args) => {
			if (args.pluginData === 'one-copy') return undefined;
			return pluginBuild.resolve(args.path, {resolveDir: studio, kind: args.kind, pluginData: 'one-copy'});
		});
	},
};

const result = await build({
	entryPoints: [path.join(studio, 'src', 'main.tsx')],
	outfile: path.join(out, 'studio.js'),
	bundle: true,
	platform: 'browser',
	format: 'esm',
	target: 'chrome110',
	minify: true,
	jsx: 'automatic',
	legalComments: 'none',
	metafile: true,
	define: {'process.env.NODE_ENV': '"production"'},
	plugins: [oneCopy],
	logLevel: 'warning',
});
await copyFile(path.join(studio, 'index.html'), path.join(out, 'index.html'));
await copyFile(path.join(studio, 'studio.css'), path.join(out, 'studio.css'));

const sha256 = async (file) => createHash('sha256').update(await readFile(file)).digest('hex');
const inputs = Object.keys(result.metafile.inputs)
	.filter((input) => !input.includes('node_modules'))
	.map((input) => path.relative(repo, path.resolve(process.cwd(), input)))
	// The generated API types are imported as types only, which esbuild drops; they are recorded
	// all the same, so a change to them counts as a change to the studio's sources.
	.concat(['studio/index.html', 'studio/studio.css', 'studio/package-lock.json', 'studio/src/generated/api.ts'])
	.sort();
const sources = {};
for (const input of inputs) sources[input] = await sha256(path.join(repo, input));
const outputs = {};
for (const name of ['index.html', 'studio.css', 'studio.js']) outputs[name] = await sha256(path.join(out, name));
await writeFile(path.join(out, 'SOURCES.json'), `${JSON.stringify({sources, outputs}, null, 2)}\n`);

if (check) {
	const differing = [];
	for (const name of await readdir(out)) {
		const fresh = await readFile(path.join(out, name));
		const old = await readFile(path.join(committed, name)).catch(() => null);
		if (old === null || !fresh.equals(old)) differing.push(name);
	}
	await rm(out, {recursive: true, force: true});
	if (differing.length > 0) {
		console.error(`moviebuild/studio/static differs from a fresh build: ${differing.join(', ')}; run \`npm run build\` in studio/ and commit`);
		process.exit(1);
	}
	console.log('moviebuild/studio/static matches its sources');
} else {
	await mkdir(out, {recursive: true});
	const size = (await readFile(path.join(out, 'studio.js'))).length;
	console.log(`built moviebuild/studio/static/studio.js (${(size / 1024).toFixed(0)} KiB)`);
}
