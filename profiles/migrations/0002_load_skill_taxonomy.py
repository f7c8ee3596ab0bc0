from django.db import migrations


def load(apps, schema_editor):
    from profiles.taxonomy import load_taxonomy_in_migration

    load_taxonomy_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
