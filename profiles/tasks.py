"""Jobs of profiles: build a "download my data" archive; delete the archives that expired."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from profiles.privacy import data_export_build, data_exports_expire


@db_task(retries=3, retry_delay=10)
def build_data_export(export_id: int) -> None:
    data_export_build(export_id=export_id)


@db_periodic_task(crontab(minute="17"))
def expire_data_exports() -> int:
    return data_exports_expire()
