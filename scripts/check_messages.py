#!/usr/bin/env python3
"""Fail on any warning about the translation catalogues, which `compilemessages` swallows.

Django's compilemessages reports msgfmt's errors but drops its warnings, and says nothing of
fuzzy or untranslated entries (they silently show English). This runs `msgfmt --check
--statistics` on every catalogue under locale/ and fails unless each one compiles without a
word on stderr beyond "N translated messages."
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CLEAN = re.compile(r"^\d+ translated messages?\.$")


def main() -> int:
    catalogues = sorted(Path(__file__).resolve().parent.parent.glob("locale/*/LC_MESSAGES/*.po"))
    if not catalogues:
        print("no catalogue found under locale/", file=sys.stderr)
        return 1
    failed = False
    for po in catalogues:
        run = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
        )
        said = [line for line in (run.stderr + run.stdout).splitlines() if line.strip()]
        if run.returncode or any(not CLEAN.match(line) for line in said):
            failed = True
            print(f"{po}:", *said, sep="\n  ", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
