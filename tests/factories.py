"""factory_boy factories for the models every app's tests need."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from community.network.models import Plan, Region, Space
from profiles.models import Member

DEFAULT_PASSWORD = "correct horse battery staple"


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test Space {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    city = "Bruxelles"
    region = Region.BRUSSELS
    address = "Rue de la Loi 1, 1000 Bruxelles"
    surface_m2 = 400
    desks = 30
    amenities = factory.LazyFunction(lambda: ["meeting-rooms", "kitchen"])
    opening_hours = factory.LazyFunction(
        lambda: (
            {day: ["08:30", "18:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
            | {"sat": None, "sun": None}
        )
    )
    trial_capacity = 3


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    space = factory.SubFactory(SpaceFactory)
    kind = Plan.Kind.FULL_TIME
    price_eur = 300


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name = factory.Faker("name", locale="fr_BE")
    visibility = Member.Visibility.MEMBERS

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def offers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.skills_offered.add(*extracted)

    @factory.post_generation
    def wants(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.skills_wanted.add(*extracted)
