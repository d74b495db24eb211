// The tenant's movies and a form that creates one (its first build starts at once).
import {useEffect, useState} from 'react';
import {type Api, ApiProblem, type MovieSummary} from './api';

type Props = {api: Api; onOpen: (movie: string) => void};

export const Movies = ({api, onOpen}: Props) => {
	const [movies, setMovies] = useState<MovieSummary[] | null>(null);
	const [problem, setProblem] = useState<string | null>(null);
	const [inquiry, setInquiry] = useState('');
	const [duration, setDuration] = useState(20);
	const [images, setImages] = useState(1);
	const [size, setSize] = useState('480p');

	useEffect(() => {
		api
			.movies()
			.then((list) => setMovies(list.movies))
			.catch((error: unknown) => setProblem(String(error instanceof Error ? error.message : error)));
	}, [api]);

	const create = async () => {
		try {
			const created = await api.createMovie({inquiry, duration, images_per_segment: images, size});
			onOpen(created.id);
		} catch (error) {
			const text = error instanceof ApiProblem ? `${error.message}${error.where ? ` (at ${error.where})` : ''}` : String(error);
			setProblem(text);
		}
	};

	return (
		<main>
			<h1>Movies</h1>
			{problem && (
				<pre className="problem" role="alert">
					{problem}
				</pre>
			)}
			{movies === null ? (
				<p>Loading…</p>
			) : movies.length === 0 ? (
				<p>No movies yet.</p>
			) : (
				<ul className="movie-list">
					{movies.map((movie) => (
						<li key={movie.id}>
							<button type="button" className="link" onClick={() => onOpen(movie.id)}>
								{movie.inquiry}
							</button>{' '}
							<span className="muted">
								{movie.id} · {movie.revision === null ? 'not built' : `r${movie.revision}`}
								{movie.building ? ' · building' : ''}
							</span>
						</li>
					))}
				</ul>
			)}
			<form
				className="create"
				aria-labelledby="create-heading"
				onSubmit={(event) => {
					event.preventDefault();
					void create();
				}}
			>
				<h2 id="create-heading">New movie</h2>
				<label htmlFor="inquiry">What is it about?</label>
				<textarea id="inquiry" required rows={2} value={inquiry} onChange={(event) => setInquiry(event.target.value)} />
				<div className="fields">
					<div className="field">
						<label htmlFor="duration">Duration (s)</label>
						<input id="duration" type="number" min={10} max={300} step={10} value={duration} onChange={(event) => setDuration(Number(event.target.value))} />
					</div>
					<div className="field">
						<label htmlFor="images">Images per segment</label>
						<input id="images" type="number" min={1} max={5} value={images} onChange={(event) => setImages(Number(event.target.value))} />
					</div>
					<div className="field">
						<label htmlFor="size">Size</label>
						<select id="size" value={size} onChange={(event) => setSize(event.target.value)}>
							<option>480p</option>
							<option>720p</option>
							<option>1080p</option>
						</select>
					</div>
				</div>
				<button type="submit" className="primary">
					Create and build
				</button>
			</form>
		</main>
	);
};
