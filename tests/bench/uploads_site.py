"""Settings for the upload benchmark's server: the project's own, plus a minimal upload view."""

from community.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.uploads_urls"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
