"""A research source's text: plain text, Markdown, HTML (the standard library's parser) and PDF
(pypdf, the ``research`` extra), and fetching a URL's bytes. Which sources a movie has and which
jobs read them is materials.py's work; summarizing them is the research producer's.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from moviebuild.errors import ConfigError, SourceLocation

MAX_SOURCE_BYTES = 20_000_000
#: Text kept per source: enough for notes, small enough for one prompt.
MAX_SOURCE_CHARS = 20_000
FETCH_TIMEOUT_S = 20.0
_TEXT_KINDS = (".txt", ".md", ".markdown", ".text", "")
_HTML_KINDS = (".html", ".htm", ".xhtml")
_CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/markdown": ".md",
    "text/plain": ".txt",
}


def extract_text(
    data: bytes, kind: str, name: str, where: SourceLocation
) -> tuple[str | None, str]:
    """``(title or None, text)`` of a source; ConfigError naming ``name`` when it cannot be read."""
    if kind == ".pdf":
        title, text = _pdf_text(data, name, where)
    elif kind in _HTML_KINDS:
        title, text = _html_text(_decode(data, name, where))
    elif kind in _TEXT_KINDS:
        text = _decode(data, name, where)
        heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        title = heading.group(1).strip() if heading else None
    else:
        raise ConfigError(
            f"source {name}: cannot read {kind} files",
            location=where,
            hint="give text (.txt), Markdown (.md), HTML (.html) or PDF (.pdf)",
        )
    text = re.sub(r"[ \t]+", " ", text).strip()[:MAX_SOURCE_CHARS]
    if not text:
        raise ConfigError(
            f"source {name} has no text to read",
            location=where,
            hint="a scanned PDF has only pictures of text; give a PDF with text, or a .txt",
        )
    return title, text


def _decode(data: bytes, name: str, where: SourceLocation) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(
            f"source {name} is not UTF-8 text", location=where, hint="save it as UTF-8"
        ) from None


def _pdf_text(data: bytes, name: str, where: SourceLocation) -> tuple[str | None, str]:
    try:
        import pypdf
    except ImportError:
        raise ConfigError(
            f"source {name} is a PDF, and reading PDFs needs pypdf",
            location=where,
            hint="pip install 'moviebuild[research]'",
        ) from None
    import io
    import logging

    # pypdf logs every malformed object it repairs; a broken file is reported once, below.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except Exception as exc:  # pypdf raises many types for broken files; all mean "unreadable"
        raise ConfigError(
            f"source {name} is not a readable PDF ({type(exc).__name__})",
            location=where,
            hint="open it in a PDF viewer and save it again, or give its text as .txt",
        ) from None
    return (str(title).strip() or None) if title else None, "\n".join(pages)


class _TextOfHtml(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    _BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "section"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skipping:
            self.parts.append(data)


def _html_text(html: str) -> tuple[str | None, str]:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    title = " ".join("".join(parser.title).split()) or None
    return title, re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts))


def fetch_url(url: str, where: SourceLocation) -> tuple[bytes, str]:
    """A URL's bytes and their kind (``.html``, ``.pdf``, ...); ConfigError when unreachable."""
    # Imported here: urllib.request (with http.client and email) costs every command's start
    # while only a Moviefile naming a URL source fetches.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "moviebuild research"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
            data = response.read(MAX_SOURCE_BYTES + 1)
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the response and its socket
        raise ConfigError(
            f"source {url} answered HTTP {exc.code}",
            location=where,
            hint="check the URL, or save the page and give it as a file",
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigError(
            f"cannot fetch source {url}: {reason}",
            location=where,
            hint="check the URL and the network, or save the page and give it as a file",
        ) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise ConfigError(
            f"source {url} is larger than {MAX_SOURCE_BYTES // 1_000_000} MB", location=where
        )
    suffix = re.search(r"(\.[a-z]+)$", url.split("?")[0].lower())
    kind = _CONTENT_TYPES.get(content_type) or (suffix.group(1) if suffix else ".html")
    return data, kind
