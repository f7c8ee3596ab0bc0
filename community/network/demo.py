"""The coworking network's demo life, for `seed_demo`: managers, memberships, trial requests,
events with their RSVPs and who is in today.

`seed(rng=..., stdout=...)` runs after the spaces and members exist. It is idempotent: what
exists already is kept (events are found by title and space), so running it twice adds nothing;
later the same day it only adds the members who have checked in since. Every random choice comes
from a generator of its own, keyed by what it decides (space, member, day), so what is drawn
never depends on the hour or on what exists already.
Dates are relative to today, so the demo always has something coming up. Seeding sends no email.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from community.core.timeutils import start_of_day, start_of_today
from community.network.models import RSVP, CheckIn, Event, Membership, Plan, Space, TrialRequest
from community.network.services import check_ins_close_stale
from profiles.models import Member

DEMO_USERNAME = "demo"
HUB_SLUG = "hub-porte-de-namur"


def _rng(base: int, *key: object) -> random.Random:
    # One generator per decision (space, member, event): the outcome does not depend on what was
    # seeded before, so a second run makes exactly the same choices and finds everything in place.
    return random.Random(f"{base}:" + ":".join(str(part) for part in key))


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return start_of_day(day) + dt.timedelta(hours=hours, minutes=minutes)


def _next_weekday(start: dt.date, weekday: int, *, min_days: int = 0) -> dt.date:
    day = start + dt.timedelta(days=min_days)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def coworking_week_monday(today: dt.date) -> dt.date:
    """The Monday of the next Coworking Week: the week of the second Monday of October."""
    for year in (today.year, today.year + 1):
        monday = _next_weekday(dt.date(year, 10, 8), 0)
        if monday + dt.timedelta(days=4) >= today:
            return monday
    raise AssertionError("unreachable")


# Space events, in the space's language: (title, description, weekday, start, end, capacity).
SPACE_EVENTS = {
    "fr": [
        (
            "Apéro des coworkers",
            "Un verre, quelques chips et les voisins de bureau qu'on n'a pas encore eu le temps de "
            "rencontrer. Membres, anciens membres et curieux bienvenus.",
            3,
            "18:00",
            "20:00",
            None,
        ),
        (
            "Atelier : facturer sans stress (TVA, factures, relances)",
            "Une comptable du réseau répond à vos questions d'indépendant·e : numéro de TVA, "
            "mentions obligatoires, relances polies mais fermes. Apportez vos cas concrets.",
            1,
            "12:30",
            "14:00",
            14,
        ),
        (
            "Petit-déjeuner réseau",
            "Croissants, café et un tour de table de deux minutes chacun : qui fait quoi, qui cherche quoi.",
            4,
            "08:30",
            "10:00",
            25,
        ),
    ],
    "nl": [
        (
            "Afterwork met de coworkers",
            "Een drankje en een babbel met de buren van je bureau. Leden, oud-leden en nieuwsgierigen welkom.",
            3,
            "17:30",
            "19:30",
            None,
        ),
        (
            "Workshop: je website vertalen naar het Frans",
            "Een vertaler uit het netwerk legt uit hoe je een meertalige site aanpakt: wat vertaal je zelf, "
            "wat besteed je uit, en hoe blijft alles vindbaar in Google.",
            1,
            "12:30",
            "14:00",
            12,
        ),
        (
            "Netwerkontbijt",
            "Koffie, koffiekoeken en een rondje van twee minuten per persoon: wie doet wat, wie zoekt wat.",
            4,
            "08:30",
            "10:00",
            25,
        ),
    ],
    "en": [
        (
            "Friday drinks",
            "A drink, some crisps and the desk neighbours you have not met yet. Members, former members and "
            "the curious are all welcome.",
            4,
            "17:30",
            "19:30",
            None,
        ),
        (
            "Lunch & learn: pitching your freelance business in three languages",
            "A coach and a translator from the network help you say what you do in French, Dutch and "
            "English, in one minute each. Bring your lunch.",
            2,
            "12:30",
            "14:00",
            8,
        ),
    ],
}

OPEN_DAY = {
    "fr": (
        "Portes ouvertes – Semaine du coworking",
        "Venez tester l'espace gratuitement toute la journée : "
        "visite, café, et rencontre avec les coworkers. Inscrivez-vous pour un essai gratuit si vous voulez "
        "revenir un autre jour.",
    ),
    "nl": (
        "Opendeurdag – Coworkingweek",
        "Kom de ruimte gratis uitproberen, de hele dag: rondleiding, koffie "
        "en kennismaking met de coworkers. Vraag een gratis proefdag aan als je later terug wilt komen.",
    ),
    "en": (
        "Open day – Coworking Week",
        "Try the space for free all day: a tour, coffee and the coworkers. "
        "Ask for a free trial day if you would like to come back another time.",
    ),
}

TRIAL_VISITORS = [
    ("Sophie Lambert", "fr", "Graphiste indépendante, je travaille seule chez moi depuis deux ans."),
    ("Pieter De Smet", "nl", "Ik ben vertaler en zoek een plek met wat meer collega's rond mij."),
    ("Amira Benali", "fr", "Je lance une petite boutique en ligne de savons artisanaux."),
    ("Tom Willems", "nl", "Telewerker bij een verzekeraar, twee dagen per week thuis."),
    ("Laura Rossi", "en", "Freelance UX designer, just moved to Belgium."),
    ("Julien Dubois", "fr", "Architecte paysagiste, je cherche un lieu pour recevoir mes clients."),
    ("Eline Peeters", "nl", "Startende coach, op zoek naar een inspirerende werkplek."),
    ("Marc Lejeune", "fr", "Comptable indépendant, curieux de découvrir le coworking."),
]


def _ensure_managers(spaces: list[Space], members_by_space: dict[int, list[int]], base: int) -> int:
    added = 0
    for space in spaces:
        if space.managers.exists() or not members_by_space.get(space.pk):
            continue
        pool = members_by_space[space.pk]
        space.managers.add(*_rng(base, "managers", space.slug).sample(pool, k=min(2, len(pool))))
        added += 1
    # The demo login co-manages the Brussels hub, so a visitor can see the manager pages.
    demo = Member.objects.filter(username=DEMO_USERNAME).first()
    hub = next((s for s in spaces if s.slug == HUB_SLUG), None)
    if demo and hub:
        hub.managers.add(demo)
    return added


def _ensure_memberships(spaces: list[Space], base: int) -> int:
    plans = defaultdict(dict)
    for plan in Plan.objects.all():
        plans[plan.space_id][plan.kind] = plan
    have = set(Membership.objects.values_list("member_id", "space_id"))
    kinds = [Plan.Kind.HOURLY, Plan.Kind.HALF_TIME, Plan.Kind.FULL_TIME]
    space_ids_by_region = defaultdict(list)
    for space in spaces:
        space_ids_by_region[space.region].append(space.pk)
    region_of = {space.pk: space.region for space in spaces}
    rows = []
    for member_id, space_id, joined in (
        Member.objects.filter(home_space__isnull=False)
        .order_by("pk")
        .values_list("pk", "home_space_id", "date_joined")
    ):
        if (member_id, space_id) not in have:
            kind = _rng(base, "plan", member_id).choices(kinds, weights=[45, 25, 30])[0]
            rows.append(
                Membership(
                    member_id=member_id,
                    space_id=space_id,
                    plan=plans[space_id].get(kind),
                    started_on=joined.date(),
                )
            )
        # Some members also drop in, by the hour, at another space of their region.
        visitor_rng = _rng(base, "visits", member_id)
        if visitor_rng.random() < 0.08:
            others = [pk for pk in space_ids_by_region[region_of[space_id]] if pk != space_id]
            if others:
                other = visitor_rng.choice(others)
                if (member_id, other) not in have:
                    rows.append(
                        Membership(
                            member_id=member_id,
                            space_id=other,
                            plan=plans[other].get(Plan.Kind.HOURLY),
                            started_on=joined.date(),
                        )
                    )
    before = Membership.objects.count()
    Membership.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return Membership.objects.count() - before


def _event(
    *,
    space: Space | None,
    title: str,
    description: str,
    language: str,
    starts: dt.datetime,
    ends: dt.datetime,
    capacity: int | None,
    place: str = "",
) -> tuple[Event, bool]:
    return Event.objects.get_or_create(
        space=space,
        title=title,
        defaults={
            "description": description,
            "language": language,
            "starts_at": starts,
            "ends_at": ends,
            "capacity": capacity,
            "place": place,
        },
    )


def _ensure_events(spaces: list[Space], today: dt.date, base: int) -> list[tuple[Event, bool]]:
    events: list[tuple[Event, bool]] = []
    monday = coworking_week_monday(today)
    friday = monday + dt.timedelta(days=4)
    events.append(
        _event(
            space=None,
            title=f"Coworking Week {monday.year} · Semaine du coworking · Coworkingweek",
            description=(
                "Du lundi au vendredi, les espaces de coworking de Bruxelles, de Wallonie et de Flandre ouvrent "
                "leurs portes : indépendant·e·s, freelances, jeunes entreprises et télétravailleur·euse·s "
                "peuvent tester gratuitement l'espace de leur choix.\n\n"
                "Van maandag tot vrijdag zetten de coworkingruimtes in Brussel, Vlaanderen en Wallonië hun deuren "
                "open: zelfstandigen, freelancers, starters en telewerkers proberen gratis de ruimte van hun keuze."
            ),
            language="fr",
            starts=_at(monday, "09:00"),
            ends=_at(friday, "18:00"),
            capacity=None,
            place="Bruxelles, Vlaanderen, Wallonie",
        )
    )
    # The European coworking conference: a Friday and Saturday in Brussels, about a hundred people.
    conference_friday = _next_weekday(today, 4, min_days=24)
    events.append(
        _event(
            space=None,
            title="Coworking Europe: the European coworking conference",
            description=(
                "Two days in Brussels with about a hundred coworking hosts, members and researchers from more "
                "than twenty countries. Talks and workshops on opening a space, growing a community, "
                "teleworkers in coworking spaces, and how spaces across Europe can work together.\n\n"
                "Sessions in English; the Belgian hosts will happily continue in French or Dutch at the bar."
            ),
            language="en",
            starts=_at(conference_friday, "09:00"),
            ends=_at(conference_friday + dt.timedelta(days=1), "17:00"),
            capacity=120,
            place="Hub Porte de Namur, Rue de la Paix 24, 1050 Ixelles",
        )
    )
    for space in spaces:
        language = space.description_language if space.description_language in SPACE_EVENTS else "fr"
        title, description = OPEN_DAY[language]
        open_days = [
            monday + dt.timedelta(days=i) for i in range(5) if space.is_open_on(monday + dt.timedelta(days=i))
        ]
        space_rng = _rng(base, "events", space.slug)
        if open_days:
            day = space_rng.choice(open_days)
            hours = space.hours_on(day)
            events.append(
                _event(
                    space=space,
                    title=title,
                    description=description,
                    language=language,
                    starts=_at(day, hours[0]),
                    ends=_at(day, hours[1]),
                    capacity=30,
                )
            )
        for index, (title, description, weekday, start, end, capacity) in enumerate(SPACE_EVENTS[language]):
            if space_rng.random() < 0.35 and index:  # not every space runs every format
                continue
            day = _next_weekday(today, weekday, min_days=1 + 7 * space_rng.randint(0, 4))
            while (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1):
                day += dt.timedelta(days=7)  # nobody runs an apéro over Christmas
            events.append(
                _event(
                    space=space,
                    title=title,
                    description=description,
                    language=language,
                    starts=_at(day, start),
                    ends=_at(day, end),
                    capacity=capacity,
                )
            )
    return events


def _ensure_rsvps(
    events: list[tuple[Event, bool]],
    members_by_space: dict[int, list[int]],
    all_members: list[int],
    base: int,
) -> int:
    demo = Member.objects.filter(username=DEMO_USERNAME).values_list("pk", flat=True).first()
    rows = []
    for event, created in events:
        if not created:
            continue
        pool = members_by_space.get(event.space_id, []) if event.space_id else all_members
        if not pool:
            continue
        rng = _rng(base, "rsvps", event.pk)
        if event.capacity:
            # Some small workshops are popular: full, with a waiting list.
            wanted = (
                event.capacity + rng.randint(1, 4)
                if event.capacity <= 8
                else rng.randint(event.capacity // 3, event.capacity)
            )
        else:
            wanted = rng.randint(5, 25)
        chosen = rng.sample(pool, k=min(wanted, len(pool)))
        if demo and demo not in chosen and event.space is not None and event.space.slug == HUB_SLUG:
            chosen.insert(0, demo)
        if demo and event.space_id is None and event.capacity and demo not in chosen:
            chosen.insert(0, demo)
        asked = event.created_at - dt.timedelta(days=1)
        for position, member_id in enumerate(chosen):
            going = event.capacity is None or position < event.capacity
            rows.append(
                RSVP(
                    event=event,
                    member_id=member_id,
                    status=RSVP.Status.GOING if going else RSVP.Status.WAITING,
                    requested_at=asked + dt.timedelta(minutes=7 * position),
                )
            )
    RSVP.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _ensure_trials(spaces: list[Space], today: dt.date, base: int) -> int:
    if TrialRequest.objects.exists():
        return 0
    rows = []
    for index, (name, language, message) in enumerate(TRIAL_VISITORS):
        rng = _rng(base, "trials", index)
        space = rng.choice(spaces)
        days = [
            today + dt.timedelta(days=d)
            for d in range(1, 21)
            if space.is_open_on(today + dt.timedelta(days=d))
        ]
        if not days:
            continue
        status = TrialRequest.Status.ACCEPTED if index % 3 == 2 else TrialRequest.Status.PENDING
        rows.append(
            TrialRequest(
                space=space,
                name=name,
                email=f"{name.lower().replace(' ', '.')}@example.org",
                date=rng.choice(days),
                message=message,
                language=language,
                status=status,
                decided_at=timezone.now() if status == TrialRequest.Status.ACCEPTED else None,
            )
        )
    # The hub always has a couple waiting, for the demo manager page.
    hub = next((s for s in spaces if s.slug == HUB_SLUG), None)
    if hub:
        days = [
            today + dt.timedelta(days=d) for d in range(1, 15) if hub.is_open_on(today + dt.timedelta(days=d))
        ]
        for name, language, message in TRIAL_VISITORS[:2]:
            rows.append(
                TrialRequest(
                    space=hub,
                    name=name,
                    email=f"{name.split()[0].lower()}@example.net",
                    date=days[0],
                    message=message,
                    language=language,
                )
            )
    TrialRequest.objects.bulk_create(rows)
    return len(rows)


def _ensure_check_ins(
    spaces: list[Space], members_by_space: dict[int, list[int]], base: int, now: dt.datetime
) -> int:
    today = timezone.localdate(now)
    check_ins_close_stale(now=now)
    demo = Member.objects.filter(username=DEMO_USERNAME).values_list("pk", flat=True).first()
    # Whoever is in today already (seeded earlier or checked in by hand) is not checked in again.
    in_today = set(
        CheckIn.objects.filter(started_at__gte=start_of_today(now)).values_list("member_id", flat=True)
    )
    seed_history = not CheckIn.objects.filter(started_at__lt=start_of_today(now)).exists()
    rows = []
    for space in spaces:
        pool = [pk for pk in members_by_space.get(space.pk, []) if pk != demo]
        if not pool:
            continue
        regulars = _rng(base, "regulars", space.slug).sample(pool, k=min(len(pool), max(3, space.desks // 4)))
        hours = space.hours_on(today)
        for member_id in regulars:
            visit = _visit_today(
                member_id, space, today, hours, now, _rng(base, "today", space.slug, member_id, today)
            )
            if visit is not None and member_id not in in_today:
                rows.append(visit)
            if seed_history:
                rows.extend(
                    _history(member_id, space, today, _rng(base, "history", space.slug, member_id, today))
                )
    if seed_history and demo:
        hub = next((s for s in spaces if s.slug == HUB_SLUG), None)
        if hub:
            rows.extend(
                _history(demo, hub, today, _rng(base, "history", hub.slug, demo, today), attendance=0.8)
            )
    CheckIn.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _visit_today(
    member_id: int,
    space: Space,
    today: dt.date,
    hours: tuple[str, str] | None,
    now: dt.datetime,
    rng: random.Random,
) -> CheckIn | None:
    """The member's check-in today if they have arrived by `now`.

    Every value is drawn, in the same order, whatever the hour: the day's decisions are fixed
    by (space, member, day), so a later run the same day only adds those who have arrived since.
    """
    comes = rng.random() < 0.6
    arrives_after = dt.timedelta(minutes=rng.randint(0, 150))
    stays = dt.timedelta(hours=rng.uniform(2, 6))
    goes_home_early = rng.random() < 0.25
    if not hours or not comes:
        return None
    started = _at(today, hours[0]) + arrives_after
    if started >= now:
        return None
    left = started + stays
    # Most are still in; a few already went home.
    ended = left if left < now and goes_home_early else None
    return CheckIn(member_id=member_id, space=space, started_at=started, ended_at=ended)


def _history(
    member_id: int, space: Space, today: dt.date, rng: random.Random, attendance: float = 0.5
) -> list[CheckIn]:
    """Past visits over the last five weeks, so hours and the managers' CSV have something to show."""
    visits = []
    for back in range(1, 36):
        day = today - dt.timedelta(days=back)
        hours = space.hours_on(day)
        # Every value is drawn for every day, open or not: one day's visit does not depend on another's.
        attends = rng.random() <= attendance
        arrives_after = dt.timedelta(minutes=rng.randint(0, 120))
        forgot_to_check_out = rng.random() < 0.1
        stays = dt.timedelta(hours=rng.uniform(2.5, 8.5))
        if not hours or not attends:
            continue
        started = _at(day, hours[0]) + arrives_after
        if forgot_to_check_out:
            # Closed at midnight, as `close_check_ins` does.
            ended = start_of_day(day + dt.timedelta(days=1))
        else:
            ended = min(started + stays, _at(day, hours[1]))
        visits.append(CheckIn(member_id=member_id, space=space, started_at=started, ended_at=ended))
    return visits


def seed(*, rng: random.Random, stdout) -> None:
    """Managers, memberships, events with RSVPs, trial requests and today's check-ins. Idempotent."""
    spaces = list(Space.objects.order_by("slug"))
    if not spaces:
        stdout.write("community demo: no spaces, nothing to do.")
        return
    base = rng.getrandbits(32)
    now = timezone.now()
    today = timezone.localdate(now)
    members_by_space: dict[int, list[int]] = defaultdict(list)
    for pk, space_id in (
        Member.objects.filter(is_active=True, home_space__isnull=False)
        .order_by("pk")
        .values_list("pk", "home_space_id")
    ):
        members_by_space[space_id].append(pk)
    all_members = [pk for pks in members_by_space.values() for pk in pks]
    with transaction.atomic():
        managers = _ensure_managers(spaces, members_by_space, base)
        memberships = _ensure_memberships(spaces, base)
        events = _ensure_events(spaces, today, base)
        rsvps = _ensure_rsvps(events, members_by_space, all_members, base)
        trials = _ensure_trials(spaces, today, base)
    check_ins = _ensure_check_ins(spaces, members_by_space, base, now)
    stdout.write(
        f"community demo: managers for {managers} spaces, {memberships} memberships, "
        f"{sum(created for _, created in events)} events ({rsvps} RSVPs), {trials} trial requests, "
        f"{check_ins} check-ins."
    )
