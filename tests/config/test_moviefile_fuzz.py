"""Random Moviefiles: the loader either returns a valid config or raises a MovieBuildError."""

from __future__ import annotations

import contextlib

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from moviebuild.config.load import parse_moviefile
from moviebuild.config.moviefile import Moviefile
from moviebuild.errors import MovieBuildError

KEYS = [*Moviefile.model_fields, "imags", "segmnts", "", "1"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-500, 500),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["adults", "kids", "16:9", "720p", "watercolor", "en"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 40)), inner, max_size=3),
    ),
    max_leaves=8,
)
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_random_documents_load_or_fail_cleanly(document: dict[object, object]) -> None:
    try:
        text = yaml.safe_dump(document)
    except yaml.YAMLError:
        return
    with contextlib.suppress(MovieBuildError):
        assert isinstance(parse_moviefile(text), Moviefile)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_loads_or_fails_cleanly(text: str) -> None:
    with contextlib.suppress(MovieBuildError):
        parse_moviefile(text)
