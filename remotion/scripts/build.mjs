// `npm run build`: everything moviebuild runs, under dist/ (never committed):
//   dist/render.mjs      the render script (scripts/render.ts), for Node
//   dist/probe.mjs       validation and geometry without a browser (scripts/probe.ts), for tests
//   dist/preview/        the Player page that `moviebuild preview` serves
//   dist/bundle/         the Remotion bundle of src/index.ts, so renders skip webpack
//   dist/BUILT           written last; moviebuild rebuilds when a source is newer than it
import {copyFile, mkdir, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {bundle} from '@remotion/bundler';
import {build} from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const started = performance.now();

await rm(dist, {recursive: true, force: true});
await build({
	entryPoints: [path.join(root, 'scripts', 'render.ts'), path.join(root, 'scripts', 'probe.ts')],
	outdir: dist,
	outExtension: {'.js': '.mjs'},
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	// Remotion's packages stay in node_modules (they ship native compositor binaries); ajv and
	// the schemas are bundled.
	external: ['@remotion/*', 'remotion', 'react', 'react-dom'],
	logLevel: 'warning',
});
await build({
	entryPoints: [path.join(root, 'preview', 'main.tsx')],
	outfile: path.join(dist, 'preview', 'player.js'),
	bundle: true,
	platform: 'browser',
	format: 'esm',
	target: 'chrome110',
	minify: true,
	jsx: 'automatic',
	define: {'process.env.NODE_ENV': '"production"'},
	logLevel: 'warning',
});
await copyFile(path.join(root, 'preview', 'index.html'), path.join(dist, 'preview', 'index.html'));
await bundle({
	entryPoint: path.join(root, 'src', 'index.ts'),
	outDir: path.join(dist, 'bundle'),
	onProgress: () => undefined,
});
await mkdir(dist, {recursive: true});
await writeFile(path.join(dist, 'BUILT'), `${new Date().toISOString()}\n`);
console.log(`built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
