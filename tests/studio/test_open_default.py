"""The default install carries no Remotion code: the wheel that ``pip install moviebuild``
installs and the studio's committed bundle (the studio plays movies with its own player,
studio/src/TimelinePlayer.tsx). Remotion stays the opt-in renderer in remotion/, installed by a
user who accepts its licence (docs/remotion.md)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

from moviebuild.studio import STATIC_FOLDER

REPO = Path(__file__).resolve().parents[2]

#: Names that only Remotion's own packages use: the globals and internal props of `remotion` and
#: `@remotion/player` (the studio bundle of 4.0.527 held hundreds of them), and its docs links.
REMOTION_CODE = re.compile(rb"remotion_[a-z]+[A-Z]\w*|remotionInternal[A-Z]\w*|remotion\.dev/docs")
SCRIPTS = {".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx"}


def test_the_studio_bundle_has_no_remotion_code() -> None:
    bundle = (STATIC_FOLDER / "studio.js").read_bytes()
    assert REMOTION_CODE.search(bundle) is None
    # Not even a name: the bundle holds only moviebuild's own code, React and ajv.
    assert b"remotion" not in bundle.lower()


def test_the_studio_depends_on_no_remotion_package() -> None:
    lock = json.loads((REPO / "studio" / "package-lock.json").read_text())
    packages = [name for name in lock["packages"] if "remotion" in name]
    assert packages == [], f"studio/package-lock.json installs {packages}"


def test_the_wheel_has_no_remotion_code(tmp_path: Path) -> None:
    [wheel] = WheelBuilder(str(REPO)).build(directory=str(tmp_path), versions=["standard"])
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "moviebuild/studio/static/studio.js" in names
        scripts = [name for name in names if Path(name).suffix in SCRIPTS]
        assert scripts == ["moviebuild/studio/static/studio.js"]
        assert [name for name in names if "node_modules" in name or "remotion/" in name] == []
        carrying = [name for name in names if REMOTION_CODE.search(archive.read(name))]
    assert carrying == [], f"Remotion code in the wheel: {carrying}"
