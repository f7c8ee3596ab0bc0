"""Settings for pytest: the same module, with fast hashing and an isolated media folder."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "0")

from community.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test process was given a real SMTP server (a worker started by a test).
if not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="coworking-test-media-")
if "AWS_STORAGE_BUCKET_NAME" not in os.environ and "CHAT_ATTACHMENT_ROOT" not in os.environ:
    # A folder of its own per run, outside MEDIA_ROOT as in production.
    CHAT_ATTACHMENT_ROOT = Path(tempfile.mkdtemp(prefix="coworking-test-attachments-"))
    STORAGES["attachments"]["OPTIONS"]["location"] = str(CHAT_ATTACHMENT_ROOT)  # noqa: F405
if "AWS_STORAGE_BUCKET_NAME" not in os.environ and "DATA_EXPORT_ROOT" not in os.environ:
    DATA_EXPORT_ROOT = Path(tempfile.mkdtemp(prefix="coworking-test-exports-"))
    STORAGES["exports"]["OPTIONS"]["location"] = str(DATA_EXPORT_ROOT)  # noqa: F405
# No background thread reading the test database between tests: the tests that need the outbox
# retrier start one themselves.
SEARCH_OUTBOX_RETRY_SECONDS = 0
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory default: tests that race real threads need SQLite's
    # real locking (BEGIN IMMEDIATE + busy timeout); shared-cache memory fails with "table is locked".
    test_db = os.path.join(tempfile.mkdtemp(prefix="coworking-test-db-"), "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": test_db}  # noqa: F405

# The job queue in a file of its own per run (tests drain it in-process with
# tests/fixtures/jobs.py, or start a real worker on it).
if HUEY["huey_class"] == "huey.SqliteHuey" and not os.environ.get("JOBS_SQLITE_PATH"):  # noqa: F405
    HUEY["filename"] = os.path.join(tempfile.mkdtemp(prefix="coworking-test-jobs-"), "jobs.sqlite3")  # noqa: F405
# The tests' push service listens on http://127.0.0.1 (tests/notifications/test_push.py).
PUSH_ALLOW_LOOPBACK_HTTP = True
