"""Reload profiles/data/skills.json: synonyms added for what members type ("foto", "fotografe",
"cms", "aménager un jardin"). Idempotent, like `manage.py load_skills`."""

from django.db import migrations


def load(apps, schema_editor):
    from profiles.taxonomy import load_taxonomy_in_migration

    load_taxonomy_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_directory_covering_indexes")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
