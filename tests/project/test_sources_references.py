"""Research from sources and continuity references: each is an input of exactly the jobs that
use it, so an edit reruns those and, by early cutoff, only what their outputs reach."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from moviebuild.engine.plan import make_plan
from moviebuild.errors import ConfigError
from moviebuild.graph import NodeId
from moviebuild.project.movie import Movie
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import MovieFactory, run_build

KEEPERS = (
    "# Keepers of the light\n\n"
    "Lighthouse keepers trimmed the wicks and polished the lenses every single night. "
    "A keeper's family often lived in a small cottage beside the tower on the rocks. "
    "Storms could cut a lighthouse off from the mainland for many weeks at a time. "
    "The last keepers left when automatic lamps arrived in the late twentieth century.\n"
)
LENSES = (
    "<html><head><title>Fresnel lenses</title><style>p {}</style></head><body>"
    "<p>Augustin Fresnel presented his stepped lens to the French lighthouse commission in "
    "1822.</p><p>The lens bent light from a single lamp into a beam seen from far out at "
    "sea.</p><script>var ignored = 1;</script><p>Within decades most lighthouses around the "
    "world carried a Fresnel lens in their lantern room.</p></body></html>"
)


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(out, "PNG")
    return out.getvalue()


def fake() -> FakeAdapter:
    return FakeAdapter(clock=ManualClock())


def researched(movie_folder: MovieFactory, **fields: Any) -> Path:
    folder = movie_folder(
        inquiry="Tell me about the history of the lighthouse",
        images_per_segment=1,
        sources=["keepers.md", {"file": "lenses.html", "title": "How the Fresnel lens works"}],
        **fields,
    )
    (folder / "keepers.md").write_text(KEEPERS, encoding="utf-8")
    (folder / "lenses.html").write_text(LENSES, encoding="utf-8")
    return folder


def runs(folder: Path) -> dict[str, str]:
    """The jobs a build would run now, with their reasons."""
    return {job.id: job.why() for job in Movie.open(folder).plan().jobs}


def test_notes_cite_the_sources_and_the_script_and_timeline_use_them(
    movie_folder: MovieFactory,
) -> None:
    folder = researched(movie_folder)
    report = run_build(folder)
    assert report.complete
    notes = (folder / "prompts/research.md").read_text(encoding="utf-8")
    assert "- Lighthouse keepers trimmed the wicks" in notes and "[1]" in notes
    assert "Fresnel" in notes and "[2]" in notes and "ignored" not in notes
    assert "[1] Keepers of the light - keepers.md" in notes
    assert "[2] How the Fresnel lens works - lenses.html" in notes
    script = (folder / "prompts/script.md").read_text(encoding="utf-8")
    assert "[1]" in script and "[2]" in script
    timeline = json.loads((folder / "out/timeline.json").read_text(encoding="utf-8"))
    assert [(s["number"], s["file"], s["segments"]) for s in timeline["sources"]] == [
        (1, "keepers.md", [2, 4, 6]),
        (2, "lenses.html", [3, 5]),
    ]
    state = Movie.open(folder).state()
    assert [(s.title, s.segments) for s in state.sources] == [
        ("Keepers of the light", (2, 4, 6)),
        ("How the Fresnel lens works", (3, 5)),
    ]


def test_a_source_edit_reruns_research_and_only_what_the_notes_reach(
    movie_folder: MovieFactory,
) -> None:
    folder = researched(movie_folder)
    run_build(folder)
    # A phrase too short to be a key sentence: research reruns, its notes come out the same.
    (folder / "lenses.html").write_text(LENSES + "<p>See also.</p>", encoding="utf-8")
    assert runs(folder) == {"ResearchProducer": "source-changed: lenses.html"}
    adapter = fake()
    report = run_build(folder, adapter)
    assert report.ran == {"ResearchProducer": 1}
    assert sum(adapter.calls.values()) == 0
    # A changed key sentence reaches the one segment that retells it (segment 3 tells note
    # [2]'s first sentence): its narration, its audio and its image prompt, which keeps its
    # words, so no image is drawn again.
    (folder / "lenses.html").write_text(
        LENSES.replace("stepped lens", "stepped glass lens"), encoding="utf-8"
    )
    adapter = fake()
    report = run_build(folder, adapter)
    assert dict(adapter.calls) == {"AudioProducer[3]": 1}
    assert report.ran == {
        "ResearchProducer": 1, "ScriptProducer": 1, "AudioProducer": 1,
        "TextToImagePromptProducer": 1, "TimelineAssembler": 1,
    }  # fmt: skip
    assert "stepped glass lens" in (folder / "prompts/script.md").read_text(encoding="utf-8")


def test_editing_research_md_pins_the_notes(movie_folder: MovieFactory) -> None:
    folder = researched(movie_folder)
    run_build(folder)
    notes = folder / "prompts/research.md"
    mine = "# My notes\n\n- Keepers counted every ship that passed the point at night. [1]\n"
    notes.write_text(mine + "\n## Sources\n\n[1] Harbour log - keepers.md\n", encoding="utf-8")
    report = run_build(folder)
    assert "ResearchProducer" not in report.ran
    assert report.ran["ScriptProducer"] == 1
    script = (folder / "prompts/script.md").read_text(encoding="utf-8")
    assert "Keepers counted every ship that passed the point at night. [1]" in script
    # A source edit no longer reaches the pinned notes.
    (folder / "keepers.md").write_text(KEEPERS + "Another long sentence about the keepers.\n")
    assert "ResearchProducer" not in runs(folder)


def test_without_sources_or_references_the_graph_and_keys_are_unchanged(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder()
    movie = Movie.open(folder)
    snapshot = movie.read_snapshot()
    assert "ResearchProducer" not in {job.producer for job in snapshot.graph.jobs.values()}
    assert NodeId("ResearchNotes") not in snapshot.graph.artifacts
    assert snapshot.graph.jobs[NodeId("ScriptProducer")].consumes == ()
    with_materials = movie.make_plan(snapshot=snapshot)
    without = make_plan(snapshot.graph, snapshot.moviefile, movie.results(), movie.executor())
    assert [p.decision.key for p in with_materials.jobs] == [p.decision.key for p in without.jobs]
    run_build(folder)
    timeline = json.loads((folder / "out/timeline.json").read_text(encoding="utf-8"))
    assert "sources" not in timeline


def sheets(folder: Path) -> None:
    (folder / "ada.png").write_bytes(png((200, 30, 40)))
    (folder / "zep.png").write_bytes(png((30, 30, 200)))


def referenced(movie_folder: MovieFactory, applies_to: str = "mentioned") -> Path:
    folder = movie_folder(
        duration=30,
        images_per_segment=2,
        references=[
            {"name": "Ada", "description": "a keeper in a red coat", "images": ["ada.png"],
             "applies_to": applies_to},
            {"name": "Zeppelin", "description": "a silver airship", "images": ["zep.png"]},
        ],
    )  # fmt: skip
    sheets(folder)
    return folder


def test_a_reference_image_change_reruns_exactly_the_shots_that_name_it(
    movie_folder: MovieFactory,
) -> None:
    folder = referenced(movie_folder)
    # One image prompt names Ada; no prompt names the Zeppelin.
    slot = folder / "prompts/segment-02/image-1.txt"
    run_build(folder)
    slot.write_text("Ada at the lamp on a stormy night\n", encoding="utf-8")
    run_build(folder)
    state = Movie.open(folder).state()
    assert {r.name: r.used_by for r in state.references} == {
        "Ada": ["TextToImageProducer[2][1]"],
        "Zeppelin": [],
    }
    (folder / "ada.png").write_bytes(png((20, 160, 60)))
    plan = Movie.open(folder).plan()
    assert [(j.id, j.why(), j.references, j.references_as) for j in plan.jobs] == [
        ("TextToImageProducer[2][1]", "reference-changed: Ada", ["Ada"], "pictures"),
        ("TimelineAssembler", "upstream-will-change", [], None),
    ]
    adapter = fake()
    run_build(folder, adapter)
    assert dict(adapter.calls) == {"TextToImageProducer[2][1]": 1}
    # No prompt names the Zeppelin: changing its picture reruns nothing.
    (folder / "zep.png").write_bytes(png((240, 240, 240)))
    assert runs(folder) == {}


def test_a_reference_for_all_shots_is_an_input_of_every_image_job(
    movie_folder: MovieFactory,
) -> None:
    folder = referenced(movie_folder, applies_to="all")
    run_build(folder)
    (folder / "ada.png").write_bytes(png((20, 160, 60)))
    adapter = fake()
    run_build(folder, adapter)
    assert adapter.calls_by_producer() == {"TextToImageProducer": 6}


def test_a_changed_description_reaches_the_prompt_writers_first(
    movie_folder: MovieFactory,
) -> None:
    folder = referenced(movie_folder)
    run_build(folder)
    moviefile = folder / "Moviefile.yaml"
    moviefile.write_text(moviefile.read_text().replace("a silver airship", "a grey airship"))
    reasons = runs(folder)
    assert reasons["TextToImagePromptProducer[1]"] == "reference-changed: Zeppelin"
    # The offline writer names a sheet only when the narration does: the prompts stay, and no
    # image job reruns.
    adapter = fake()
    run_build(folder, adapter)
    assert sum(adapter.calls.values()) == 0


def test_a_model_without_picture_inputs_gets_the_description_and_the_plan_says_so(
    movie_folder: MovieFactory,
) -> None:
    folder = referenced(movie_folder, applies_to="all")
    run_build(folder)
    moviefile = folder / "Moviefile.yaml"
    moviefile.write_text(moviefile.read_text().replace("image:\n    adapter: fake",
                                                       "image:\n    adapter: fal"))  # fmt: skip
    jobs = {j.id: j for j in Movie.open(folder).plan().jobs}
    assert jobs["TextToImageProducer[1][1]"].references == ["Ada"]
    assert jobs["TextToImageProducer[1][1]"].references_as == "description"
    from moviebuild.project.executor import ProviderExecutor
    from moviebuild.providers.requests import ImageRequest

    movie = Movie.open(folder)
    snapshot = movie.read_snapshot()
    executor = ProviderExecutor(snapshot.moviefile, materials=snapshot.materials)
    job = snapshot.graph.jobs[NodeId("TextToImageProducer", (1, 1))]
    request = ImageRequest("a harbour at dawn", "watercolor", 64, 36, "16:9")
    sent = executor.with_references(job, request, {NodeId("SegmentImagePrompt", (1, 1)): b"x"})
    assert sent.references == ()
    assert "Ada: a keeper in a red coat" in sent.prompt


def where(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    return str(exc.value)


@pytest.mark.parametrize(
    ("fields", "files", "expected"),
    [
        ({"sources": ["missing.md"]}, {},
         "Moviefile.yaml:4:3: source file missing.md does not exist"),
        ({"sources": ["broken.pdf"]}, {"broken.pdf": b"%PDF-1.4\nnot really a pdf"},
         "Moviefile.yaml:4:3: source broken.pdf is not a readable PDF"),
        ({"sources": ["notes.docx"]}, {"notes.docx": b"PK"}, "cannot read .docx files"),
        ({"references": [{"name": "Ada", "description": "a keeper", "images": ["ada.png"]}]},
         {"ada.png": b"this is text, not a picture"},
         "Moviefile.yaml:7:5: reference image ada.png is not an image"),
        ({"references": [{"name": "Ada", "description": "a keeper", "images": ["../ada.png"]}]},
         {}, "reference image file ../ada.png is outside the movie folder"),
    ],
)  # fmt: skip
def test_bad_material_is_an_error_naming_the_file_and_line(
    movie_folder: MovieFactory, fields: dict[str, Any], files: dict[str, bytes], expected: str
) -> None:
    folder = movie_folder(**fields)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder).plan()
    assert expected in where(caught)


def test_a_pdf_source_is_read(movie_folder: MovieFactory) -> None:
    folder = movie_folder(sources=[{"file": "log.pdf", "title": "Harbour log"}])
    (folder / "log.pdf").write_bytes(tiny_pdf("The keeper lit the lamp at dusk every evening."))
    run_build(folder)
    notes = (folder / "prompts/research.md").read_text(encoding="utf-8")
    assert "- The keeper lit the lamp at dusk every evening. [1]" in notes


def tiny_pdf(sentence: str) -> bytes:
    """A one-page PDF with ``sentence`` as text (Helvetica), written by hand."""
    content = f"BT /F1 12 Tf 10 100 Td ({sentence}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 400 144]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class _Pages:
    """A web server on 127.0.0.1 serving ``pages`` (path -> HTML), which a test may change."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not here")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def pages() -> Any:
    server = _Pages()
    yield server
    server.close()


def test_a_url_source_is_keyed_by_its_fetched_bytes(
    movie_folder: MovieFactory, pages: _Pages
) -> None:
    pages.pages["/lenses"] = LENSES.encode()
    folder = movie_folder(sources=[pages.url("/lenses")], duration=30)
    run_build(folder)
    notes = (folder / "prompts/research.md").read_text(encoding="utf-8")
    assert f"[1] Fresnel lenses - {pages.url('/lenses')}" in notes
    assert runs(folder) == {}
    pages.pages["/lenses"] = LENSES.replace("1822", "1823").encode()
    assert runs(folder)["ResearchProducer"] == f"source-changed: {pages.url('/lenses')}"
    del pages.pages["/lenses"]
    with pytest.raises(ConfigError) as caught:
        Movie.open(folder).plan()
    assert f"Moviefile.yaml:4:3: source {pages.url('/lenses')} answered HTTP 404" in where(caught)


def test_the_research_example_reads_its_sources_and_sheet(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "research"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "research", folder)
    snapshot = Movie.open(folder).read_snapshot()
    assert [s.title for s in snapshot.materials.sources] == [
        "Keepers of the light",
        "How the Fresnel lens works",
    ]
    assert [r.name for r in snapshot.materials.references] == ["lighthouse"]
    assert NodeId("ResearchProducer") in snapshot.graph.jobs


def test_jobs_reading_materials_are_known_to_the_executor(movie_folder: MovieFactory) -> None:
    """A cluster build keeps these jobs in its own process (distributed/dispatch.py)."""
    folder = researched(movie_folder, references=[{"name": "keeper", "description": "a keeper"}])
    snapshot = Movie.open(folder).read_snapshot()
    from moviebuild.project.executor import ProviderExecutor

    executor = ProviderExecutor(snapshot.moviefile, materials=snapshot.materials)
    jobs = snapshot.graph.jobs
    prompt = {NodeId("SegmentImagePrompt", (1, 1)): b"the keeper at the lamp"}
    other = {NodeId("SegmentImagePrompt", (1, 1)): b"a harbour at dawn"}
    assert executor.uses_materials(jobs[NodeId("ResearchProducer")], {})
    assert executor.uses_materials(jobs[NodeId("TextToImagePromptProducer", (1,))], {})
    assert executor.uses_materials(jobs[NodeId("TextToImageProducer", (1, 1))], prompt)
    assert not executor.uses_materials(jobs[NodeId("TextToImageProducer", (1, 1))], other)
    assert not executor.uses_materials(jobs[NodeId("AudioProducer", (1,))], {})
