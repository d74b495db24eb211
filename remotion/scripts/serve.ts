// A read-only static file server on 127.0.0.1 for the render: the browser and Remotion's
// compositor fetch the movie's media from it. Supports byte ranges (media elements ask for them).
import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
	'.json': 'application/json',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.webp': 'image/webp',
	'.mp3': 'audio/mpeg',
	'.wav': 'audio/wav',
	'.m4a': 'audio/mp4',
	'.mp4': 'video/mp4',
	'.webm': 'video/webm',
};

export type FolderServer = {url: string; close: () => Promise<void>};

const resolveInside = (folder: string, urlPath: string): string | null => {
	const relative = decodeURIComponent(urlPath.split('?')[0] ?? '');
	const file = path.resolve(folder, `.${path.posix.normalize(`/${relative}`)}`);
	return file.startsWith(folder + path.sep) ? file : null;
};

/** Serves `folder` until close(); `url` ends in a slash. */
export const serveFolder = async (folder: string): Promise<FolderServer> => {
	const base = path.resolve(folder);
	const server = http.createServer(async (request, response) => {
		const file = resolveInside(base, request.url ?? '/');
		const info = file === null ? null : await stat(file).catch(() => null);
		if (file === null || info === null || !info.isFile()) {
			response.writeHead(404).end();
			return;
		}
		const headers = {
			'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
			'Accept-Ranges': 'bytes',
			'Access-Control-Allow-Origin': '*',
		};
		const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
		if (range !== null && (range[1] !== '' || range[2] !== '')) {
			const start = range[1] === '' ? Math.max(0, info.size - Number(range[2])) : Number(range[1]);
			const end =
				range[1] === '' || range[2] === ''
					? info.size - 1
					: Math.min(Number(range[2]), info.size - 1);
			if (start > end) {
				response.writeHead(416, {'Content-Range': `bytes */${info.size}`}).end();
				return;
			}
			response.writeHead(206, {
				...headers,
				'Content-Range': `bytes ${start}-${end}/${info.size}`,
				'Content-Length': end - start + 1,
			});
			createReadStream(file, {start, end}).pipe(response);
			return;
		}
		response.writeHead(200, {...headers, 'Content-Length': info.size});
		if (request.method === 'HEAD') response.end();
		else createReadStream(file).pipe(response);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
};
