// Media slots: a segment's image, clip or narration and the movie's music, each shown with what
// fills it now and "New take". Drop a file on a slot (or pick one, for keyboards and touch) and
// it goes to the server as that slot's own media (PUT /files/{artifact}); a slot holding your
// file says "yours" and can be handed back (DELETE). What the server refuses (too large, not the
// slot's kind) shows in the slot with the server's message and hint. Neither builds: the next
// build does, after its dry run.
import type React from 'react';
import {useCallback, useState} from 'react';
import {type Api, ApiProblem, type ArtifactInfo, type MovieState} from './api';

/** What the page gives every slot: the upload and hand-back, each slot's last refusal, and the
 * slots changed since the last build (a local preview of the file sent, or null once handed
 * back), which ``settle`` forgets when a build ends. */
export type OwnMedia = {
	upload: (id: string, file: File) => void;
	handBack: (id: string) => void;
	problems: Record<string, string>;
	sending: string | null;
	changed: Record<string, string | null>;
	settle: () => void;
};

export const mediaUrl = (link: string): string => new URL(link, `${window.location.origin}/`).href;

const MEDIA_KINDS = ['image', 'audio', 'video'];

/** Whether an artifact is a slot your own file can fill (it has a place under prompts/). */
export const isSlot = (info: ArtifactInfo | undefined): boolean => info !== undefined && MEDIA_KINDS.includes(info.kind) && info.prompts !== null;

const ACCEPT: Record<string, string> = {
	image: '.png,.jpg,.jpeg,.webp,image/png,image/jpeg,image/webp',
	audio: '.mp3,.wav,audio/mpeg,audio/wav',
	video: '.mp4,.mov,.webm,video/mp4,video/quicktime,video/webm',
};

const problemText = (error: unknown): string => {
	if (error instanceof ApiProblem) return `${error.message}${error.hint ? `\n${error.hint}` : ''}`;
	return error instanceof Error ? error.message : String(error);
};

/** The page's door to your own media: every answer is the new MovieState, given to ``onState``. */
export const useOwnMedia = (api: Api, movie: string, onState: (state: MovieState) => void): OwnMedia => {
	const [problems, setProblems] = useState<Record<string, string>>({});
	const [sending, setSending] = useState<string | null>(null);
	const [changed, setChanged] = useState<Record<string, string | null>>({});
	const settle = useCallback(
		() =>
			setChanged((current) => {
				for (const url of Object.values(current)) if (url) URL.revokeObjectURL(url);
				return {};
			}),
		[],
	);
	const send = async (id: string, request: () => Promise<MovieState>, preview: File | null) => {
		setSending(id);
		try {
			onState(await request());
			setProblems(({[id]: _, ...rest}) => rest);
			// Until a build uses it, the state's link is still the slot's last built file.
			setChanged((current) => {
				const old = current[id];
				if (old) URL.revokeObjectURL(old);
				return {...current, [id]: preview && preview.type.startsWith('image/') ? URL.createObjectURL(preview) : null};
			});
		} catch (error) {
			setProblems((current) => ({...current, [id]: problemText(error)}));
		} finally {
			setSending(null);
		}
	};
	return {
		upload: (id, file) => void send(id, () => api.putFile(movie, id, file), file),
		handBack: (id) => void send(id, () => api.deleteFile(movie, id), null),
		problems,
		sending,
		changed,
		settle,
	};
};

type SlotProps = {
	id: string;
	info: ArtifactInfo | undefined;
	link: string | undefined;
	yours: string | undefined;
	onNewTake: (id: string) => void;
	own: OwnMedia;
	busy: boolean;
};

const Preview = ({kind, label, link}: {kind: string; label: string; link: string}) => {
	if (kind === 'video') return <video src={mediaUrl(link)} muted preload="metadata" aria-label={label} />;
	if (kind === 'audio') return <audio controls preload="none" src={mediaUrl(link)} aria-label={label} />;
	return <img src={mediaUrl(link)} alt={label} loading="lazy" />;
};

export const MediaSlot = ({id, info, link, yours, onNewTake, own, busy}: SlotProps) => {
	const [over, setOver] = useState(false);
	const kind = info?.kind ?? 'image';
	const label = info?.label ?? id;
	const slot = isSlot(info);
	const sending = own.sending === id;
	const problem = own.problems[id];
	const changed = id in own.changed;
	const preview = own.changed[id] ?? link;
	const onDrop = (event: React.DragEvent) => {
		event.preventDefault();
		setOver(false);
		const file = event.dataTransfer.files[0];
		if (file && slot && !busy) own.upload(id, file);
	};
	const onDragOver = (event: React.DragEvent) => {
		if (!slot || busy) return;
		event.preventDefault();
		event.dataTransfer.dropEffect = 'copy';
		setOver(true);
	};
	return (
		<figure
			className={`slot ${kind}${over ? ' over' : ''}${yours ? ' yours' : ''}`}
			data-slot={id}
			data-asset={link ? id : undefined}
			data-source={yours ? 'yours' : 'generated'}
			onDragOver={onDragOver}
			onDragLeave={() => setOver(false)}
			onDrop={onDrop}
		>
			{preview ? <Preview kind={kind} label={label} link={preview} /> : <div className="slot-empty">{slot ? `Drop your ${kind} here` : 'not built yet'}</div>}
			<figcaption>
				<span className="slot-label">
					{label}
					{yours && (
						<span className="badge yours" title={`your file ${yours} fills this slot; its generator does not run`}>
							yours
						</span>
					)}
				</span>
				<span className="slot-actions">
					{!yours && (
						<button type="button" className="small" disabled={busy || sending} onClick={() => onNewTake(id)} aria-label={`New take of ${label}`}>
							New take
						</button>
					)}
					{slot && (
						<label className={`small file-pick${busy || sending ? ' disabled' : ''}`} title={`Pick a ${kind} file, or drop one on this slot`}>
							{sending ? 'Sending…' : yours ? 'Replace with a file' : 'Use your file'}
							<input
								type="file"
								className="visually-hidden"
								accept={ACCEPT[kind]}
								disabled={busy || sending}
								aria-label={`Use your own file for ${label}`}
								onChange={(event) => {
									const file = event.target.files?.[0];
									event.target.value = '';
									if (file) own.upload(id, file);
								}}
							/>
						</label>
					)}
					{yours && (
						<button type="button" className="small" disabled={busy || sending} onClick={() => own.handBack(id)} aria-label={`Hand ${label} back to the generator`}>
							Hand back
						</button>
					)}
				</span>
				{changed && (
					<span className="slot-next" data-slot-next={id}>
						{yours ? 'your file is used from the next build' : "the generator's from the next build"}
					</span>
				)}
			</figcaption>
			{problem && (
				<p className="slot-problem" role="alert" data-slot-problem={id}>
					{problem}
				</p>
			)}
		</figure>
	);
};

/** The media slots and shown media of one segment (or of the whole movie, ``segment`` null), in reading order. */
export const mediaOf = (state: MovieState, segment: number | null): string[] => {
	const ids = new Set<string>();
	for (const [id, info] of Object.entries(state.artifacts)) {
		if (info.segment === segment && isSlot(info)) ids.add(id);
	}
	for (const id of Object.keys(state.assets)) {
		const info = state.artifacts[id];
		if (info?.segment === segment && MEDIA_KINDS.includes(info.kind) && segment !== null) ids.add(id);
	}
	return [...ids].sort((a, b) => (state.artifacts[a]?.order ?? 0) - (state.artifacts[b]?.order ?? 0));
};
