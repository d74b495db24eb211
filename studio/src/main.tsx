// The studio's entry: asks for a bearer token when the server wants one (kept in memory and a
// same-site cookie, see token.ts), then shows the movie list or one movie (`#/movies/ID`).
import {useEffect, useState} from 'react';
import {createRoot} from 'react-dom/client';
import {Api, ApiProblem} from './api';
import {MoviePage} from './MoviePage';
import {Movies} from './Movies';
import {forgetToken, readToken, saveToken} from './token';

const movieInHash = (): string | null => {
	const match = /^#\/movies\/([a-z0-9-]+)$/.exec(window.location.hash);
	return match ? (match[1] ?? null) : null;
};

const TokenForm = ({onToken, problem}: {onToken: (token: string) => void; problem: string | null}) => {
	const [token, setToken] = useState('');
	return (
		<main>
			<h1>moviebuild studio</h1>
			<form
				className="token"
				onSubmit={(event) => {
					event.preventDefault();
					onToken(token.trim());
				}}
			>
				<label htmlFor="token">Access token</label>
				<input id="token" type="password" autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} />
				<p className="muted">`moviebuild token create TENANT` prints one. It stays in this tab (and a same-site cookie), never in a URL.</p>
				{problem && (
					<p className="problem" role="alert">
						{problem}
					</p>
				)}
				<button type="submit" className="primary">
					Open
				</button>
			</form>
		</main>
	);
};

const App = () => {
	const [api, setApi] = useState<Api | null>(null);
	const [problem, setProblem] = useState<string | null>(null);
	const [movie, setMovie] = useState<string | null>(movieInHash);

	const tryToken = async (token: string) => {
		const candidate = new Api(window.location.origin, token);
		try {
			await candidate.movies();
			if (token) saveToken(token);
			setApi(candidate);
			setProblem(null);
		} catch (error) {
			forgetToken();
			setProblem(error instanceof ApiProblem && error.status === 401 ? (token ? 'That token is not valid here.' : null) : String(error));
		}
	};

	useEffect(() => {
		void tryToken(readToken());
		const onHash = () => setMovie(movieInHash());
		window.addEventListener('hashchange', onHash);
		return () => window.removeEventListener('hashchange', onHash);
	}, []);

	useEffect(() => {
		document.body.dataset.state = api ? 'ready' : 'token';
	}, [api]);

	if (api === null) return <TokenForm onToken={(token) => void tryToken(token)} problem={problem} />;
	if (movie === null) return <Movies api={api} onOpen={(id) => (window.location.hash = `#/movies/${id}`)} />;
	return <MoviePage key={movie} api={api} movie={movie} onBack={() => (window.location.hash = '')} />;
};

const container = document.getElementById('studio');
if (container) createRoot(container).render(<App />);
