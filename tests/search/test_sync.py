"""The index follows the database after each commit: profile, skills alone, languages, spaces,
visibility, deletion, admin edits; never a change that rolled back. Both backends.

On the search engine a write is searchable after the index's next refresh (REFRESH_SECONDS), as
in production: each check searches again until it holds or a few refresh intervals have passed."""

from __future__ import annotations

import pytest
from django.db import transaction

from profiles.models import Language, Member, SkillTag
from profiles.services import member_set_skills, member_update_profile
from search.backends import get_backend
from search.models import OutboxEntry
from search.selectors import search_members
from tests.factories import MemberFactory
from tests.fixtures.search_engine import eventually
from tests.search.conftest import make_person


def found(query: str, searcher, **filters) -> list[str]:
    return [
        result.username for result in search_members(query=query, searcher=searcher, filters=filters).results
    ]


def finds(expected: list[str], query: str, searcher, **filters) -> None:
    """The search answers `expected`, now or after the index's next refresh."""

    def check() -> None:
        assert found(query, searcher, **filters) == expected

    eventually(check)


def not_indexed(member_id: int) -> None:
    def check() -> None:
        assert member_id not in get_backend().indexed_hashes()

    eventually(check)


@pytest.fixture
def searcher(db):
    return MemberFactory(username="searcher")


def test_a_new_member_reaches_the_index_after_the_commit_only(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    # given a member created in a transaction not yet committed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    # then nothing reached the index yet, but the outbox holds the change
    assert found("traductrice", searcher) == []
    assert OutboxEntry.objects.filter(member_id=Member.objects.get(username="anne").pk).exists()
    # when the transaction commits
    for callback in callbacks:
        callback()
    # then the member is found and the outbox is empty
    finds(["anne"], "traductrice", searcher)
    assert not OutboxEntry.objects.exists()


def test_changing_only_the_skills_reindexes(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", skills=("translation",))
    finds([], "photographe", searcher)
    # when only her skills change (taggit saves them after the member)
    with django_capture_on_commit_callbacks(execute=True):
        anne.skills_offered.add(SkillTag.objects.get(skill__slug="photography"))
    finds(["anne"], "photographe", searcher)
    with django_capture_on_commit_callbacks(execute=True):
        member_set_skills(member=anne, offered=["vertaler"], wanted=[])
    finds([], "photographe", searcher)
    finds(["anne"], "traducteur", searcher)


def test_profile_languages_and_spaces_reindex(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person(
            "anne", name="Anne Dupont", skills=("translation",), languages=("fr",), space=spaces["brussels"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        member_update_profile(
            member=anne,
            headline="Traductrice juridique",
            languages=["fr", "de"],
            other_spaces=[spaces["liege"]],
        )
    finds(["anne"], "juridique", searcher)
    finds(["anne"], "", searcher, language="de")
    finds(["anne"], "", searcher, space="forge-liege")
    # a language added from the language's side
    with django_capture_on_commit_callbacks(execute=True):
        Language.objects.get_or_create(code="it")[0].speakers.add(anne)
    finds(["anne"], "", searcher, language="it")


def test_a_space_change_reaches_its_members(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_person("anne", name="Anne Dupont", skills=("translation",), space=spaces["namur"])
    finds(["anne"], "", searcher, region="wallonia")
    with django_capture_on_commit_callbacks(execute=True):
        space = spaces["namur"]
        space.region = "brussels"
        space.save()
    finds([], "", searcher, region="wallonia")
    finds(["anne"], "", searcher, region="brussels")


def test_hiding_a_profile_removes_it_and_showing_it_again_brings_it_back(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", skills=("translation",))
    with django_capture_on_commit_callbacks(execute=True):
        anne.visibility = Member.Visibility.HIDDEN
        anne.save()
    finds([], "traductrice", searcher)
    not_indexed(anne.pk)
    with django_capture_on_commit_callbacks(execute=True):
        anne.visibility = Member.Visibility.PUBLIC
        anne.save()
    finds(["anne"], "traductrice", None)


def test_a_deleted_member_leaves_the_index(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", skills=("translation",))
    member_id = anne.pk
    with django_capture_on_commit_callbacks(execute=True):
        anne.delete()
    finds([], "traductrice", searcher)
    not_indexed(member_id)


def test_a_rolled_back_change_never_reaches_the_index(
    backend_name, spaces, searcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            anne.headline = "Photographe"
            anne.save()
            raise RuntimeError("changed my mind")
    finds([], "photographe", searcher)
    finds(["anne"], "traductrice", searcher)


def test_a_login_does_not_reindex(backend_name, spaces, django_capture_on_commit_callbacks, client):
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", skills=("translation",))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.force_login(anne)
    assert callbacks == [] and not OutboxEntry.objects.exists()


def test_an_admin_edit_reindexes(
    backend_name, spaces, searcher, admin_client, django_capture_on_commit_callbacks
):
    # given a member edited through the admin's change form, as an administrator would
    with django_capture_on_commit_callbacks(execute=True):
        anne = make_person("anne", name="Anne Dupont", headline="Traductrice", skills=("translation",))
    url = f"/admin/profiles/member/{anne.pk}/change/"
    data = admin_form_data(admin_client.get(url))
    data["headline"] = "Photographe de mariage"
    # when the form is saved
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, (
        getattr(response, "context", None) and response.context["adminform"].form.errors
    )
    # then the index has the new headline
    finds(["anne"], "mariage", searcher)


def admin_form_data(response) -> dict:
    """The POST data of an admin change form as it was displayed (main form and inlines)."""
    data: dict = {}

    def add_form(form) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                continue
            if hasattr(field.widget, "decompress"):  # a split date and time
                for i, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{i}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[formset.management_form.add_prefix(name)] = value
        for form in formset.initial_forms:
            add_form(form)
    return data
