// The movie's research sources and continuity references, as the state lists them: each source
// with its number (the [n] the notes and narration cite), its title, its link or file and the
// segments that cite it; each reference sheet with what it applies to and the jobs that use it.
// The research notes themselves are an editable text like any prompt (prompts/research.md).
import type {MovieState} from './api';

export const Sources = ({state, jobLabel}: {state: MovieState; jobLabel: (id: string) => string}) => {
	if (state.sources.length === 0 && state.references.length === 0) return null;
	return (
		<div className="sources">
			{state.sources.length > 0 && (
				<>
					<h3 id="sources-heading">Sources</h3>
					<ol className="source-list" aria-labelledby="sources-heading">
						{state.sources.map((source) => (
							<li key={source.number} value={source.number} data-source-number={source.number}>
								{source.url ? (
									<a href={source.url} target="_blank" rel="noreferrer noopener">
										{source.title}
									</a>
								) : (
									<span>{source.title}</span>
								)}
								{source.file && <span className="muted"> · {source.file}</span>}
								<span className="muted">
									{' '}
									· {source.segments.length === 0 ? 'not cited yet' : `cited in segment${source.segments.length === 1 ? '' : 's'} ${source.segments.join(', ')}`}
								</span>
							</li>
						))}
					</ol>
				</>
			)}
			{state.references.length > 0 && (
				<>
					<h3 id="references-heading">References</h3>
					<ul className="reference-list" aria-labelledby="references-heading">
						{state.references.map((reference) => (
							<li key={reference.name} data-reference={reference.name}>
								<b>{reference.name}</b> <span className="muted">({reference.applies_to === 'all' ? 'every shot' : 'shots that name it'})</span>
								<div>{reference.description}</div>
								<div className="muted">
									{reference.images.join(', ')}
									{reference.used_by.length > 0 && ` · used by ${reference.used_by.map(jobLabel).join(', ')}`}
								</div>
							</li>
						))}
					</ul>
				</>
			)}
		</div>
	);
};
