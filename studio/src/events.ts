// Server-Sent Events over fetch, so the bearer token travels in a header (EventSource cannot send
// one, and a token must never go into a URL). Reconnects with `Last-Event-ID` after a dropped
// stream, so no event is lost or seen twice.
import type {Api} from './api';

export type StreamEvent = {
	id: number;
	type: string;
	build?: string;
	job?: string;
	producer?: string;
	message?: string;
	attempt?: number;
	retry_in_s?: number;
	status?: string;
	revision?: number | null;
	[key: string]: unknown;
};

/** Splits an SSE byte stream into events; keeps a partial event until its blank line arrives. */
export class SseParser {
	private buffer = '';

	push(chunk: string): StreamEvent[] {
		this.buffer += chunk.replaceAll('\r\n', '\n');
		const events: StreamEvent[] = [];
		let end = this.buffer.indexOf('\n\n');
		while (end >= 0) {
			const block = this.buffer.slice(0, end);
			this.buffer = this.buffer.slice(end + 2);
			const data = block
				.split('\n')
				.filter((line) => line.startsWith('data:'))
				.map((line) => line.slice(5).trimStart())
				.join('\n');
			if (data) {
				try {
					events.push(JSON.parse(data) as StreamEvent);
				} catch {
					// A keep-alive or a line this version does not know: not an event.
				}
			}
			end = this.buffer.indexOf('\n\n');
		}
		return events;
	}
}

/**
 * Follows a movie's events from after `lastEventId` until `signal` aborts, calling `onEvent` for
 * each in order. Waits `retryMs` before reconnecting after a dropped stream.
 */
export const followEvents = async (
	api: Api,
	movie: string,
	lastEventId: number,
	onEvent: (event: StreamEvent) => void,
	signal: AbortSignal,
	onConnection: (connected: boolean) => void = () => undefined,
	retryMs = 1000,
): Promise<void> => {
	let last = lastEventId;
	while (!signal.aborted) {
		try {
			const response = await fetch(api.url(`/movies/${encodeURIComponent(movie)}/events`), {
				headers: api.headers({Accept: 'text/event-stream', 'Last-Event-ID': String(last)}),
				credentials: 'same-origin',
				signal,
			});
			if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
			onConnection(true);
			const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
			const parser = new SseParser();
			for (;;) {
				const {value, done} = await reader.read();
				if (done) break;
				for (const event of parser.push(value)) {
					if (event.id <= last) continue;
					last = event.id;
					onEvent(event);
				}
			}
		} catch {
			if (signal.aborted) return;
		}
		onConnection(false);
		await new Promise((resolve) => setTimeout(resolve, retryMs));
	}
};
