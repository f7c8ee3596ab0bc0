#!/usr/bin/env python3
"""Write search/data/common_words.txt: the words of everyday French, Dutch and English.

A word this common in any of the three languages is a real word, never a typo: the search does
not "correct" it into a skill ("take" is not "taxe", "filing" is not "filming"). Built from
wordfreq's frequency lists (a word at Zipf frequency >= COMMON_ZIPF, about once per million
words), folded the way search.text folds what members type. Shipped as a file so that a process
reads 70,000 lines at startup instead of loading wordfreq's lists (two seconds, 100 MB).

    python scripts/build_common_words.py        # after changing the threshold or upgrading wordfreq
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wordfreq import get_frequency_dict  # noqa: E402

from search.text import COMMON_WORDS_FILE, COMMON_ZIPF, tokenize  # noqa: E402

LANGUAGES = ("fr", "nl", "en")


def main() -> int:
    threshold = 10 ** (COMMON_ZIPF - 9)  # Zipf frequency is log10 of occurrences per billion words
    words: set[str] = set()
    for lang in LANGUAGES:
        for word, frequency in get_frequency_dict(lang).items():
            tokens = tokenize(word)
            if frequency >= threshold and len(tokens) == 1:
                words.add(tokens[0])
    COMMON_WORDS_FILE.write_text(
        f"# {len(words)} words at Zipf >= {COMMON_ZIPF} in {', '.join(LANGUAGES)} "
        "(scripts/build_common_words.py, from wordfreq)\n" + "\n".join(sorted(words)) + "\n",
        encoding="utf-8",
    )
    print(f"{len(words)} words -> {COMMON_WORDS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
