// `node dist/render.mjs`: renders a movie folder's out/timeline.json to MP4 with Remotion.
// moviebuild runs it (`moviebuild render --engine remotion`); it serves the folder that holds
// timeline.json on 127.0.0.1 so relative asset paths resolve, and never downloads a browser.
//
// Usage: render.mjs --timeline PATH --assets PATH --output PATH --browser PATH
//                   [--frames START-END] [--no-captions] [--concurrency N] [--bundle DIR]
//                   [--summary PATH]
//        render.mjs ... --chunks PATH [--parallel N]
// With --chunks (a JSON list of {start, end, output}, inclusive frame numbers), each chunk is
// rendered silent to MPEG-TS H.264 (joinable without re-encoding), N chunks at a time in one
// browser; moviebuild caches the chunks, mixes the audio and joins them (--output is unused).
// Prints progress ("rendering 40%") on stderr and writes a JSON summary to --summary (or stdout),
// kept apart from Remotion's own log lines.
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {bundle} from '@remotion/bundler';
import {
	type ChromiumOptions,
	openBrowser,
	renderMedia,
	selectComposition,
} from '@remotion/renderer';
import {COMPOSITION_ID} from '../src/ids';
import {parseMovieProps} from '../src/props';
import {serveFolder} from './serve';

type Options = {
	timeline: string;
	assets: string;
	output: string;
	browser: string;
	frames: [number, number] | null;
	captions: boolean;
	concurrency: number | null;
	bundleDir: string | null;
	summary: string | null;
	chunks: string | null;
	parallel: number;
};

type Chunk = {start: number; end: number; output: string};

class UsageError extends Error {}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Remotion passes --no-sandbox, --disable-background-networking, --disable-component-update,
// --disable-sync and --no-first-run itself. Software GL keeps it off a GPU that is not there.
const CHROMIUM_OPTIONS: ChromiumOptions = {gl: 'swangle', headless: true};

const parseFrames = (text: string): [number, number] => {
	const match = /^(\d+)-(\d+)$/.exec(text);
	if (match === null) {
		if (/^\d+$/.test(text)) return [Number(text), Number(text)];
		throw new UsageError(`--frames takes START-END (inclusive frame numbers), got '${text}'`);
	}
	const [start, end] = [Number(match[1]), Number(match[2])];
	if (end < start) throw new UsageError(`--frames ${text}: END is before START`);
	return [start, end];
};

const parseArgs = (argv: string[]): Options => {
	const values = new Map<string, string>();
	let captions = true;
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i]!;
		if (flag === '--no-captions') {
			captions = false;
			continue;
		}
		const value = argv[i + 1];
		if (!flag.startsWith('--') || value === undefined) {
			throw new UsageError(`unexpected argument '${flag}'`);
		}
		values.set(flag.slice(2), value);
		i++;
	}
	const need = (name: string): string => {
		const value = values.get(name);
		if (value === undefined) throw new UsageError(`--${name} is required`);
		return path.resolve(value);
	};
	const concurrency = values.get('concurrency');
	return {
		timeline: need('timeline'),
		assets: need('assets'),
		output: need('output'),
		browser: need('browser'),
		frames: values.has('frames') ? parseFrames(values.get('frames')!) : null,
		captions,
		concurrency: concurrency === undefined ? null : Number(concurrency),
		bundleDir: values.has('bundle') ? path.resolve(values.get('bundle')!) : null,
		summary: values.has('summary') ? path.resolve(values.get('summary')!) : null,
		chunks: values.has('chunks') ? path.resolve(values.get('chunks')!) : null,
		parallel: Math.max(1, Number(values.get('parallel') ?? '1')),
	};
};

const readJson = async (file: string, what: string): Promise<unknown> => {
	try {
		return JSON.parse(await readFile(file, 'utf8'));
	} catch (error) {
		throw new UsageError(`cannot read the ${what} ${file}: ${String(error)}`);
	}
};

const log = (text: string) => process.stderr.write(`${text}\n`);

const main = async () => {
	const options = parseArgs(process.argv.slice(2));
	if (!existsSync(options.browser)) {
		throw new UsageError(`no browser at ${options.browser}; install chromium or pass --browser`);
	}
	const server = await serveFolder(path.dirname(options.timeline));
	const props = parseMovieProps({
		timeline: await readJson(options.timeline, 'timeline'),
		assets: await readJson(options.assets, 'asset map'),
		assetBaseUrl: server.url,
		showCaptions: options.captions,
	});
	let scratch: string | null = null;
	const browser = await openBrowser('chrome', {
		browserExecutable: options.browser,
		chromiumOptions: CHROMIUM_OPTIONS,
		chromeMode: 'chrome-for-testing',
		logLevel: 'warn',
	});
	try {
		let serveUrl = options.bundleDir ?? path.join(root, 'dist', 'bundle');
		if (!existsSync(path.join(serveUrl, 'index.html'))) {
			log('bundling the composition (run `npm run build` once to skip this)');
			scratch = await mkdtemp(path.join(os.tmpdir(), 'moviebuild-remotion-'));
			serveUrl = await bundle({entryPoint: path.join(root, 'src', 'index.ts'), outDir: scratch});
		}
		const shared = {
			serveUrl,
			inputProps: {...props},
			puppeteerInstance: browser,
			browserExecutable: options.browser,
			chromiumOptions: CHROMIUM_OPTIONS,
			chromeMode: 'chrome-for-testing' as const,
			logLevel: 'warn' as const,
			onBrowserDownload: () => {
				throw new Error('Remotion tried to download a browser; pass --browser instead');
			},
		};
		const composition = await selectComposition({...shared, id: COMPOSITION_ID});
		const last = composition.durationInFrames - 1;
		if (options.frames !== null && options.frames[0] > last) {
			throw new UsageError(`--frames starts after the movie's last frame (${last})`);
		}
		if (options.chunks !== null) {
			const chunks = (await readJson(options.chunks, 'chunk list')) as Chunk[];
			const started = performance.now();
			const timings: {output: string; frames: number; render_s: number}[] = [];
			let next = 0;
			let done = 0;
			// A pool of `parallel` chunks at once, each with one tab: the cores stay busy through
			// each chunk's start and end, which one many-tab render would leave idle.
			const worker = async () => {
				while (next < chunks.length) {
					const chunk = chunks[next++]!;
					const began = performance.now();
					await renderMedia({
						...shared,
						composition,
						codec: 'h264-ts',
						muted: true,
						outputLocation: chunk.output,
						overwrite: true,
						frameRange: [chunk.start, Math.min(chunk.end, last)],
						concurrency: 1,
					});
					timings.push({
						output: chunk.output,
						frames: chunk.end - chunk.start + 1,
						render_s: Number(((performance.now() - began) / 1000).toFixed(3)),
					});
					done++;
					log(`rendering chunk ${done} of ${chunks.length}`);
				}
			};
			await Promise.all(Array.from({length: Math.min(options.parallel, chunks.length)}, worker));
			const elapsedS = (performance.now() - started) / 1000;
			const frames = timings.reduce((sum, item) => sum + item.frames, 0);
			const summary = `${JSON.stringify({
				chunks: timings,
				frames,
				fps: composition.fps,
				width: composition.width,
				height: composition.height,
				render_s: Number(elapsedS.toFixed(3)),
				frames_per_s: Number((frames / Math.max(elapsedS, 1e-3)).toFixed(2)),
			})}\n`;
			if (options.summary === null) process.stdout.write(summary);
			else await writeFile(options.summary, summary);
			return;
		}
		const frameRange: [number, number] | null =
			options.frames === null ? null : [options.frames[0], Math.min(options.frames[1], last)];
		const started = performance.now();
		let lastPercent = -1;
		await renderMedia({
			...shared,
			composition,
			codec: 'h264',
			outputLocation: options.output,
			overwrite: true,
			frameRange,
			concurrency: options.concurrency,
			onProgress: ({progress}) => {
				const percent = Math.floor(progress * 10) * 10;
				if (percent !== lastPercent) {
					lastPercent = percent;
					log(`rendering ${percent}%`);
				}
			},
		});
		const elapsedS = (performance.now() - started) / 1000;
		const frameCount =
			frameRange === null ? composition.durationInFrames : frameRange[1] - frameRange[0] + 1;
		const summary = `${JSON.stringify({
			output: options.output,
			frames: frameCount,
			fps: composition.fps,
			width: composition.width,
			height: composition.height,
			render_s: Number(elapsedS.toFixed(3)),
			frames_per_s: Number((frameCount / elapsedS).toFixed(2)),
		})}\n`;
		if (options.summary === null) process.stdout.write(summary);
		else await writeFile(options.summary, summary);
	} finally {
		await browser.close({silent: true});
		await server.close();
		if (scratch !== null) await rm(scratch, {recursive: true, force: true});
	}
};

main().catch((error: unknown) => {
	const message = error instanceof Error ? error.message : String(error);
	log(`error: ${message}`);
	process.exit(error instanceof UsageError ? 2 : 1);
});
