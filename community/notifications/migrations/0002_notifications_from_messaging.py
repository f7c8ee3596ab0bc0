"""Notifications moved from messaging: each one written before is kept, its words as they were."""

from django.db import migrations


def copy(apps, schema_editor):
    Old = apps.get_model("messaging", "Notification")
    New = apps.get_model("notifications", "Notification")
    batch = []
    for old in Old.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            New(
                recipient_id=old.recipient_id,
                kind=old.kind,
                params={"legacy_title": old.title, "legacy_body": old.body},
                url=old.url,
                created=old.created,
                read_at=old.read_at,
            )
        )
        if len(batch) >= 2000:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("messaging", "0002_chatprocess_and_more"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
