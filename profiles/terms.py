"""How a typed skill word is folded before it is compared: pure text, no models, no database.

Its own module so that `profiles.models` (the tag's `normalized` column), `profiles.taxonomy`
(the term index) and the migrations can all use it without importing each other.
"""

from __future__ import annotations

import re
import unicodedata


def normalize_term(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces: "Traductrice " -> "traductrice"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^\w+#]+", " ", without_accents).strip()
