"""Settings for the directory benchmark's server: the project's own, plus a minimal view.

The minimal view (`/bench/minimal/`) goes through the same middleware on the same Daphne as the
directory, so the ratio between them is the directory's own cost. Used by bench_directory.py.
"""

from community.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.directory_urls"
# No collectstatic for a benchmark: plain static storage, served by WhiteNoise from the app folders.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
