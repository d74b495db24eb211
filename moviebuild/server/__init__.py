"""``moviebuild serve``: the HTTP API (aiohttp) over the one build API in ``project/``.

    root.py          where movies live (MovieRoot; LocalRoot), id checks before any path
    s3root.py        S3Root: stores, tokens and key on S3, movie folders a local cache
    tokens.py        bearer tokens -> tenants (hashes only)
    links.py         signed, expiring asset links
    models.py        request/response bodies (pydantic); openapi.py builds the document from them
    backend.py       where builds execute (BuildBackend; InProcessBackend with shared pools)
    builds.py        build records; events.py  per-movie event logs for SSE
    app.py           the Server, middlewares, routes; *_routes.py the handlers
    serve.py         running it: signals, grace period, resuming interrupted builds
"""
