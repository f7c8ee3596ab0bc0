"""Groups: made from the member picker or typed usernames, members added and removed by the creator,
left by a member; hidden members are unknown on every path."""

from __future__ import annotations

import pytest
from django.test import Client

from messaging import selectors, services
from messaging.models import Block, Conversation, Participant
from profiles.models import Member
from tests.factories import MemberFactory, SpaceFactory

pytestmark = pytest.mark.django_db

V = Member.Visibility


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _group(creator, *members, title="Vélo-boulot") -> Conversation:
    return services.group_create(creator=creator, title=title, members=members)


def _errors(response) -> list[str]:
    return list(response.context["form"].errors["usernames"])


# --- a hidden member is unknown, on every path ---------------------------------------------


@pytest.mark.parametrize("typed", ["{u}", "@{u}", "{U}", " @{U} ,", "bert {u}"])
def test_a_hidden_member_typed_in_any_form_gets_the_answer_for_nobody(typed):
    creator = MemberFactory()
    MemberFactory(username="bert")
    hidden = MemberFactory(username="hugo", visibility=V.HIDDEN)
    client = _client(creator)

    with_hidden = client.post(
        "/messages/groups/new/",
        {"title": "Lunch", "usernames": typed.format(u=hidden.username, U=hidden.username.upper())},
    )
    with_nobody = client.post(
        "/messages/groups/new/", {"title": "Lunch", "usernames": typed.format(u="zork", U="ZORK")}
    )

    assert with_hidden.status_code == with_nobody.status_code == 400
    hidden_errors = [e.lower().replace("hugo", "X") for e in _errors(with_hidden)]
    nobody_errors = [e.lower().replace("zork", "X") for e in _errors(with_nobody)]
    assert hidden_errors == nobody_errors
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("visibility,is_active", [(V.HIDDEN, True), (V.MEMBERS, False)])
def test_the_service_refuses_a_member_the_creator_may_not_see_as_unknown(visibility, is_active):
    creator, bert = MemberFactory(), MemberFactory()
    unseen = MemberFactory(username="hugo", visibility=visibility, is_active=is_active)

    with pytest.raises(services.MessagingError) as refused:
        services.group_create(creator=creator, title="Lunch", members=[bert, unseen])

    assert refused.value.code == "unknown_members"
    assert str(refused.value.detail) == "No member with the username: hugo"
    assert not Conversation.objects.exists()


def test_adding_a_hidden_member_later_is_refused_the_same_way():
    creator, bert = MemberFactory(), MemberFactory()
    hidden = MemberFactory(username="hugo", visibility=V.HIDDEN)
    group = _group(creator, bert)

    with pytest.raises(services.MessagingError) as refused:
        services.group_members_add(by=creator, conversation=group, members=[hidden])
    response = _client(creator).post(f"/messages/{group.pk}/members/add/", {"usernames": "hugo"}, follow=True)

    assert refused.value.code == "unknown_members"
    assert "No member with the username: hugo" in response.content.decode()
    assert not group.participants.filter(member=hidden).exists()


def test_typed_usernames_ignore_case_and_the_at_sign():
    creator = MemberFactory()
    bert, chloe = MemberFactory(username="bert"), MemberFactory(username="chloe")

    response = _client(creator).post("/messages/groups/new/", {"title": "Vélo", "usernames": "BERT, @Chloe"})

    group = Conversation.objects.get(kind="group")
    assert response.url == f"/messages/{group.pk}/"
    assert set(group.participants.values_list("member_id", flat=True)) == {creator.pk, bert.pk, chloe.pk}


# --- the picker's suggestions --------------------------------------------------------------


def test_suggestions_show_name_initials_and_space_for_what_was_typed():
    space = SpaceFactory(name="Coworking Gent Dok")
    viewer = MemberFactory()
    MemberFactory(username="bertv", display_name="Bert Vermeulen", home_space=space)
    MemberFactory(username="annv", display_name="Ann Bertels")

    response = _client(viewer).get("/api/messages/member-suggestions", {"q": "ber"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"username": "annv", "name": "Ann Bertels", "initials": "AB", "avatar": None, "space": None},
            {
                "username": "bertv",
                "name": "Bert Vermeulen",
                "initials": "BV",
                "avatar": None,
                "space": "Coworking Gent Dok",
            },
        ]
    }


def test_suggestions_never_offer_hidden_blocked_inactive_picked_members_or_the_viewer():
    viewer = MemberFactory(username="berta", display_name="Berta Viewer")
    MemberFactory(username="bertshown", display_name="Bert Shown")
    MemberFactory(username="berthidden", display_name="Bert Hidden", visibility=V.HIDDEN)
    MemberFactory(username="bertgone", display_name="Bert Gone", is_active=False)
    blocker = MemberFactory(username="bertblocker", display_name="Bert Blocker")
    blocked = MemberFactory(username="bertblocked", display_name="Bert Blocked")
    MemberFactory(username="bertpicked", display_name="Bert Picked")
    Block.objects.create(blocker=blocker, blocked=viewer)
    Block.objects.create(blocker=viewer, blocked=blocked)

    response = _client(viewer).get("/api/messages/member-suggestions", {"q": "bert", "exclude": "bertpicked"})

    assert [r["username"] for r in response.json()["results"]] == ["bertshown"]


def test_suggestions_need_two_characters_a_login_and_sane_input():
    viewer = MemberFactory()
    MemberFactory(username="bo")
    client = _client(viewer)

    assert client.get("/api/messages/member-suggestions", {"q": "b"}).json() == {"results": []}
    assert Client().get("/api/messages/member-suggestions", {"q": "bo"}).status_code == 401
    assert client.get("/api/messages/member-suggestions", {"q": "bo", "limit": "0"}).status_code == 400


def test_the_group_form_works_without_javascript_and_loads_the_picker():
    html = _client(MemberFactory()).get("/messages/groups/new/").content.decode()

    assert 'data-member-suggestions="/api/messages/member-suggestions"' in html
    assert 'name="usernames"' in html and "data-member-picker" in html
    assert "messaging/member-picker.js" in html
    assert 'id="member-picker-strings"' in html


# --- members added and removed by the creator, or leaving ----------------------------------


def test_members_added_by_the_creator_find_the_group_in_their_requests_with_its_history_read():
    creator, bert, chloe = MemberFactory(), MemberFactory(), MemberFactory()
    group = _group(creator, bert)
    message = services.message_send(sender=creator, conversation=group, body="Hello", client_id="1")

    added = services.group_members_add(by=creator, conversation=group, members=[chloe, bert])

    assert [p.member_id for p in added] == [chloe.pk]
    joined = Participant.objects.get(conversation=group, member=chloe)
    assert joined.status == Participant.Status.REQUESTED and joined.last_read_id == message.pk
    assert [row.conversation for row in selectors.conversation_rows(member=chloe, folder="requests")] == [
        group
    ]


def test_a_member_added_who_blocked_the_creator_is_silently_declined():
    creator, bert, blocker = MemberFactory(), MemberFactory(), MemberFactory()
    Block.objects.create(blocker=blocker, blocked=creator)
    group = _group(creator, bert)

    added = services.group_members_add(by=creator, conversation=group, members=[blocker])

    assert [p.status for p in added] == [Participant.Status.DECLINED]


def test_only_the_creator_changes_the_members_and_within_the_limit(settings):
    creator, bert, chloe = MemberFactory(), MemberFactory(), MemberFactory()
    group = _group(creator, bert)
    services.request_accept(member=bert, conversation=group)

    with pytest.raises(services.MessagingError) as by_member:
        services.group_members_add(by=bert, conversation=group, members=[chloe])
    with pytest.raises(services.MessagingError) as remove_by_member:
        services.group_member_remove(by=bert, conversation=group, member=creator)
    with pytest.raises(services.MessagingError) as by_outsider:
        services.group_members_add(by=chloe, conversation=group, members=[chloe])
    many = MemberFactory.create_batch(services.GROUP_MAX_MEMBERS)
    with pytest.raises(services.MessagingError) as too_many:
        services.group_members_add(by=creator, conversation=group, members=many)

    assert by_member.value.code == remove_by_member.value.code == "not_creator"
    assert by_outsider.value.code == "not_participant"
    assert too_many.value.code == "too_many_members"
    assert group.participants.count() == 2


def test_a_removed_member_stops_receiving_and_can_no_longer_read_the_group():
    creator, bert, chloe = MemberFactory(), MemberFactory(), MemberFactory()
    group = _group(creator, bert, chloe)
    services.message_send(sender=creator, conversation=group, body="Before", client_id="1")

    services.group_member_remove(by=creator, conversation=group, member=bert)
    after = services.message_send(sender=creator, conversation=group, body="After", client_id="2")

    client = _client(bert)
    assert client.get(f"/messages/{group.pk}/").status_code == 404
    assert client.get(f"/api/conversations/{group.pk}/messages").status_code == 404
    assert selectors.messages_after(member=bert, after=0, limit=10) == []
    assert bert.pk not in services._message_sent(after, group.kind, None).member_ids
    with pytest.raises(services.MessagingError) as writing:
        services.message_send(sender=bert, conversation=group, body="Still here?", client_id="3")
    assert writing.value.code == "not_participant"


def test_the_creator_adds_and_removes_members_from_the_conversation_page():
    creator = MemberFactory(display_name="Carla Creator")
    bert = MemberFactory(username="bert", display_name="Bert Peeters")
    MemberFactory(username="chloe", display_name="Chloé Dubois")
    group = _group(creator, bert)
    client = _client(creator)

    page = client.get(f"/messages/{group.pk}/").content.decode()
    added = client.post(f"/messages/{group.pk}/members/add/", {"usernames": "@chloe"}, follow=True)
    removed = client.post(f"/messages/{group.pk}/members/remove/", {"username": "bert"}, follow=True)

    assert f'action="/messages/{group.pk}/members/add/"' in page and "data-member-picker" in page
    assert "Invited: Chloé Dubois." in added.content.decode()
    header = removed.content.decode().split('id="chat-member-list">')[1].split("</span>")[0]
    assert header == "Chloé Dubois"
    assert "Bert Peeters is no longer in the group." in removed.content.decode()


def test_a_member_sees_no_management_and_cannot_post_it():
    creator, bert, chloe = MemberFactory(), MemberFactory(), MemberFactory(username="chloe")
    group = _group(creator, bert)
    services.request_accept(member=bert, conversation=group)
    client = _client(bert)

    page = client.get(f"/messages/{group.pk}/").content.decode()
    response = client.post(f"/messages/{group.pk}/members/add/", {"usernames": "chloe"}, follow=True)
    outsider = _client(chloe).post(f"/messages/{group.pk}/members/remove/", {"username": "bert"})

    assert "members/add/" not in page and "member-picker.js" not in page
    assert "Only the member who created the group can change its members." in response.content.decode()
    assert outsider.status_code == 404
    assert group.participants.count() == 2


def test_a_member_leaves_a_group_and_it_is_gone_from_their_inbox():
    creator, bert = MemberFactory(), MemberFactory()
    group = _group(creator, bert)
    services.request_accept(member=bert, conversation=group)
    client = _client(bert)

    response = client.post(f"/messages/{group.pk}/leave/")

    assert response.url == "/messages/"
    assert client.get(f"/messages/{group.pk}/").status_code == 404
    assert selectors.conversation_rows(member=bert) == []
    assert [m.pk for m in selectors.conversation_members(conversation=group)] == [creator.pk]


def test_a_direct_conversation_cannot_be_left_only_declined():
    alice, bob = MemberFactory(), MemberFactory()
    conversation = services.conversation_direct_get_or_create(member=alice, other=bob)

    response = _client(alice).post(f"/messages/{conversation.pk}/leave/", follow=True)

    assert "Only a group can be left" in response.content.decode()
    assert conversation.participants.count() == 2
