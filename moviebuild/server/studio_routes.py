"""The studio's page at ``/studio/``: the three built files from ``moviebuild.studio``, served
without a token (the page asks for one and sends it as a header; only the HTTP API needs it),
under a Content-Security-Policy that lets the page reach nothing but this server. When the
server was started by ``moviebuild studio``, the page response also hands over that server's
one token as a same-site cookie.
"""

from __future__ import annotations

from aiohttp import web

from moviebuild.server.bodies import not_found
from moviebuild.studio import STATIC_FILES, STATIC_FOLDER

#: The token ``moviebuild studio`` hands to its page (set on that server's application only).
STUDIO_TOKEN: web.AppKey[str] = web.AppKey("studio_token", str)
STUDIO_COOKIE = "moviebuild_studio_token"

_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/studio", to_page)
    router.add_get("/studio/", studio_file)
    router.add_get("/studio/{name}", studio_file)


async def to_page(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/studio/")


async def studio_file(request: web.Request) -> web.Response:
    name = request.match_info.get("name") or "index.html"
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        raise not_found("no such studio file")
    body = (STATIC_FOLDER / name).read_bytes()
    response = web.Response(body=body, content_type=content_type, charset="utf-8")
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    token = request.app.get(STUDIO_TOKEN)
    if name == "index.html" and token is not None:
        response.set_cookie(
            STUDIO_COOKIE, token, path="/studio", samesite="Strict", secure=request.secure
        )
    return response
