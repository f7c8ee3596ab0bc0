from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def lobby_history_from_joining(apps, schema_editor):
    """Members already in a lobby room read it from when they joined it (their participation's
    `joined`), not its whole history: what one account that ticked every space could read before."""
    Participant = apps.get_model("messaging", "Participant")
    Message = apps.get_model("messaging", "Message")
    before_joining = (
        Message.objects.filter(conversation_id=OuterRef("conversation_id"), created__lt=OuterRef("joined"))
        .order_by("-id")
        .values("id")[:1]
    )
    Participant.objects.filter(conversation__kind="room").update(
        history_after_id=Coalesce(Subquery(before_joining), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_attachment"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="history_after_id",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(lobby_history_from_joining, migrations.RunPython.noop),
    ]
