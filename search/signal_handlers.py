"""Keep the search index following every change that shows in a member's search document, and
the chat messages (messaging.signals.messages_changed).

Connected in SearchConfig.ready(). Side effects only: each handler works out which members are
touched and calls `search.services.members_reindex_enqueue`, which acts after the commit; changed
messages go to `search.tasks.messages_reindex_later` (an outbox entry now, a job after commit). Bulk
writes (`bulk_create`, `QuerySet.update`) send no signals: code that uses them calls
`members_reindex_enqueue` itself (or `search_index --rebuild` after a seed).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from community.network.models import Membership, Space
from community.network.selectors import space_member_ids
from messaging.signals import messages_changed
from profiles.models import Member, OfferedSkill, Skill, SkillTag, WantedSkill
from profiles.privacy import member_erased
from search.services import index_forget_now, members_reindex_enqueue
from search.tasks import messages_reindex_later

# Saving only these fields changes nothing the index holds (a login, a password change).
UNINDEXED_FIELDS = frozenset({"last_login", "password"})


def member_saved(sender, instance: Member, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw or (update_fields and set(update_fields) <= UNINDEXED_FIELDS):
        return
    members_reindex_enqueue(member_ids=[instance.pk])


def member_deleted(sender, instance: Member, **kwargs) -> None:
    members_reindex_enqueue(member_ids=[instance.pk])


def tagged_item_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        members_reindex_enqueue(member_ids=[instance.content_object_id])


def member_relation_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """m2m_changed on a member's skills (taggit), languages or other spaces, from either side."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            members_reindex_enqueue(member_ids=[instance.pk])
        return
    # From the other side (space.visiting_members.add(...)): pk_set holds member ids; a clear
    # does not say who was there, so note them before it happens.
    if action in ("post_add", "post_remove") and pk_set:
        members_reindex_enqueue(member_ids=pk_set)
    elif action == "pre_clear":
        member_field = _member_field(sender)
        other_field = next(
            f.name
            for f in sender._meta.fields
            if f.is_relation and isinstance(instance, f.remote_field.model)
        )
        members_reindex_enqueue(
            member_ids=sender.objects.filter(**{other_field: instance.pk}).values_list(
                f"{member_field}_id", flat=True
            )
        )


def _member_field(through) -> str:
    """The through model's foreign key to Member ("member" or taggit's "content_object")."""
    return next(f.name for f in through._meta.fields if f.is_relation and f.remote_field.model is Member)


def space_saved(sender, instance: Space, raw: bool = False, created: bool = False, **kwargs) -> None:
    if raw or created:
        return
    members_reindex_enqueue(member_ids=_members_of_space(instance))


def space_deleting(sender, instance: Space, **kwargs) -> None:
    # Before the delete: afterwards the home_space links are already nulled.
    members_reindex_enqueue(member_ids=_members_of_space(instance))


def _members_of_space(space: Space) -> set[int]:
    return space_member_ids(space_ids=[space.pk])


def membership_changed(sender, instance: Membership, raw: bool = False, **kwargs) -> None:
    """A plan taken or ended changes the spaces a member belongs to (the spaces facet)."""
    if not raw:
        members_reindex_enqueue(member_ids=[instance.member_id])


def skill_tag_changed(sender, instance: SkillTag, raw: bool = False, created: bool = False, **kwargs) -> None:
    if raw or created:
        return
    members_reindex_enqueue(
        member_ids=OfferedSkill.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    )


def skill_changed(sender, instance: Skill, raw: bool = False, **kwargs) -> None:
    # The taxonomy itself (query understanding included) follows through profiles.signals.
    if raw:
        return
    members_reindex_enqueue(
        member_ids=OfferedSkill.objects.filter(tag__skill=instance).values_list(
            "content_object_id", flat=True
        )
    )


def messages_were_changed(sender, message_ids, **kwargs) -> None:
    """Sent inside the transaction that stored, edited or deleted them: the outbox entries commit
    with the messages. The chat's hot path: one INSERT, nothing waits for a search server."""
    messages_reindex_later(message_ids=message_ids)


def member_was_erased(sender, **kwargs) -> None:
    index_forget_now()


def connect() -> None:
    uid = "search.index"
    member_erased.connect(member_was_erased, dispatch_uid=f"{uid}.member_erased")
    messages_changed.connect(messages_were_changed, dispatch_uid=f"{uid}.messages_changed")
    post_save.connect(member_saved, sender=Member, dispatch_uid=f"{uid}.member_saved")
    post_delete.connect(member_deleted, sender=Member, dispatch_uid=f"{uid}.member_deleted")
    for through in (OfferedSkill, WantedSkill):
        post_save.connect(tagged_item_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}.saved")
        post_delete.connect(
            tagged_item_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}.deleted"
        )
        m2m_changed.connect(
            member_relation_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}.m2m"
        )
    for through in (Member.languages.through, Member.other_spaces.through):
        m2m_changed.connect(
            member_relation_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}.m2m"
        )
    post_save.connect(membership_changed, sender=Membership, dispatch_uid=f"{uid}.membership_saved")
    post_delete.connect(membership_changed, sender=Membership, dispatch_uid=f"{uid}.membership_deleted")
    post_save.connect(space_saved, sender=Space, dispatch_uid=f"{uid}.space_saved")
    pre_delete.connect(space_deleting, sender=Space, dispatch_uid=f"{uid}.space_deleting")
    post_save.connect(skill_tag_changed, sender=SkillTag, dispatch_uid=f"{uid}.skilltag_saved")
    pre_delete.connect(skill_tag_changed, sender=SkillTag, dispatch_uid=f"{uid}.skilltag_deleting")
    post_save.connect(skill_changed, sender=Skill, dispatch_uid=f"{uid}.skill_saved")
    pre_delete.connect(skill_changed, sender=Skill, dispatch_uid=f"{uid}.skill_deleting")
