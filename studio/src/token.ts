// Where the studio keeps the bearer token: in memory while the page lives, and in a same-site
// cookie scoped to /studio so a reload keeps the session. Never in a URL, localStorage or a log.
const COOKIE = 'moviebuild_studio_token';

let current = '';

export const readToken = (): string => {
	if (current) return current;
	for (const part of document.cookie.split(';')) {
		const [name, ...rest] = part.trim().split('=');
		if (name === COOKIE) current = decodeURIComponent(rest.join('='));
	}
	return current;
};

export const saveToken = (token: string): void => {
	current = token;
	const secure = window.location.protocol === 'https:' ? '; Secure' : '';
	document.cookie = `${COOKIE}=${encodeURIComponent(token)}; Path=/studio; SameSite=Strict${secure}`;
};

export const forgetToken = (): void => {
	current = '';
	document.cookie = `${COOKIE}=; Path=/studio; SameSite=Strict; Max-Age=0`;
};
