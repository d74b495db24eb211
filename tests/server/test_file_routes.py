"""`PUT/DELETE /v1/movies/{id}/files/{artifact}`: your own media through the HTTP API."""

from __future__ import annotations

import io
import urllib.parse
from pathlib import Path

from PIL import Image

from tests.server.harness import moviefile, running_server

SLOT = urllib.parse.quote("SegmentImage[3][2]")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 200, 0)).save(out, "PNG")
    return out.getvalue()


def test_an_uploaded_image_is_used_served_back_and_handed_back(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile(images_per_segment=2)})
        movie_id = created.json()["id"]
        http.wait_for_build(movie_id)
        assert running.fake.calls["TextToImageProducer[3][2]"] == 1

        put = http.call("PUT", f"/v1/movies/{movie_id}/files/{SLOT}", raw=png(),
                        headers={"Content-Type": "image/png"})
        assert put.status == 200, put.body
        assert put.json()["own_media"] == [{"id": "SegmentImage[3][2]",
                                            "label": "Segment 3, image 2", "kind": "image",
                                            "file": "prompts/segment-03/image-2.png",
                                            "source": "yours"}]
        built = http.post(f"/v1/movies/{movie_id}/builds", {})
        assert built.status in (200, 202), built.body
        http.wait_for_build(movie_id, after=built.json().get("events_after", 0))
        assert running.fake.calls["TextToImageProducer[3][2]"] == 1
        state = http.get(f"/v1/movies/{movie_id}").json()
        link = state["assets"]["SegmentImage[3][2]"]
        served = http.get(link.removeprefix(running.base_url))
        assert served.status == 200 and served.body == png()

        gone = http.call("DELETE", f"/v1/movies/{movie_id}/files/{SLOT}")
        assert gone.status == 200 and gone.json()["own_media"] == []
        assert http.call("DELETE", f"/v1/movies/{movie_id}/files/{SLOT}").status == 404


def test_a_text_named_png_an_oversized_upload_and_a_wrong_slot_are_refused(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = http.post(
            "/v1/movies", {"moviefile": moviefile(), "dry_run": True}
        ).json()["id"]
        path = f"/v1/movies/{movie_id}/files/{urllib.parse.quote('SegmentImage[1][1]')}"
        text = http.call("PUT", path, raw=b"just some words\n")
        assert text.status == 422
        assert "not a usable image for SegmentImage[1][1]" in text.json()["message"]
        assert "it holds text" in text.json()["message"]
        huge = http.call("PUT", path, raw=b"x" * 10, headers={"Content-Length": str(60 << 20)})
        assert huge.status == 413 and "at most 50 MB" in huge.json()["message"]
        wrong = http.call("PUT", f"/v1/movies/{movie_id}/files/SegmentNarration%5B1%5D",
                          raw=png())
        assert wrong.status == 422 and "not a media slot" in wrong.json()["message"]
        assert http.get(f"/v1/movies/{movie_id}").json()["own_media"] == []


def test_the_python_client_uploads_files_before_its_build(tmp_path: Path) -> None:
    from moviebuild.client import connect
    from moviebuild.project.changes import Changes

    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        server = connect(running.base_url, http.token or "")
        movie = server.create(moviefile())
        photo = tmp_path / "photo.png"
        photo.write_bytes(png())
        report = movie.build(Changes(files={"SegmentImage[1][1]": photo}))
        assert report.complete
        assert running.fake.calls["TextToImageProducer[1][1]"] == 1  # the first build only
        assert [m.id for m in movie.state().own_media] == ["SegmentImage[1][1]"]
        assert movie.set_file("SegmentImage[1][1]", None).own_media == []


def _form(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file part, as ``curl -F field=@filename`` sends it."""
    boundary = "moviebuild-test-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
        f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_form_upload_is_taken_and_its_limits_hold(tmp_path: Path) -> None:
    with running_server(tmp_path / "root") as running:
        http = running.as_tenant("acme")
        movie_id = http.post(
            "/v1/movies", {"moviefile": moviefile(), "dry_run": True}
        ).json()["id"]
        path = f"/v1/movies/{movie_id}/files/{urllib.parse.quote('SegmentImage[1][1]')}"

        body, content_type = _form("file", "photo.png", png())
        put = http.call("PUT", path, raw=body, headers={"Content-Type": content_type})
        assert put.status == 200, put.body
        assert [m["file"] for m in put.json()["own_media"]] == ["prompts/segment-01/image-1.png"]
        folder = tmp_path / "root" / "tenants" / "acme" / "movies" / movie_id
        assert (folder / "prompts/segment-01/image-1.png").read_bytes() == png()

        body, content_type = _form("photo", "photo.png", png())
        unnamed = http.call("PUT", path, raw=body, headers={"Content-Type": content_type})
        assert unnamed.status == 400 and "no part named file" in unnamed.json()["message"]

        body, content_type = _form("file", "huge.png", b"\x89PNG" + b"x" * (51 << 20))
        huge = http.call("PUT", path, raw=body, headers={"Content-Type": content_type})
        assert huge.status == 413 and "at most 50 MB" in huge.json()["message"]
