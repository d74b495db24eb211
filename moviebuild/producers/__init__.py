"""What each producer asks of its provider, and how the answer becomes artifacts.

Above ``providers`` (whose requests it builds) and below ``project`` (whose executor calls it):
adapters never see job ids or Moviefiles, and this package is the translation between the two.
It reads the blueprints through the job (what it consumes and produces, and their kinds), so a
media producer of an existing role needs only its blueprint, and an LLM producer one entry in
text.py's ``BUILDERS`` (its answer's fields and template variables). It runs nothing.
"""

from moviebuild.producers.media import media_request
from moviebuild.producers.text import BUILDERS, SCHEMAS, TextBuilder, text_builder

__all__ = ["BUILDERS", "SCHEMAS", "TextBuilder", "media_request", "text_builder"]
