"""Demo chat for `python manage.py seed_demo`: lobby rooms that are alive and conversations to open.

`seed(rng=..., stdout=...)` is deterministic and safe to run twice: rooms and direct
conversations are get-or-create, and every message has a fixed client_id, which the
messaging service stores once.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from community.network.models import Space
from community.notifications.models import Notification
from community.notifications.services import notify
from messaging import services
from messaging.models import Conversation, Message, Participant
from profiles.models import Member
from profiles.visibility import listed_members_q

DEMO_USERNAME = "demo"

# Lobby chatter by language: (speaker index in the space, text).
ROOM_SCRIPTS = {
    "fr": [
        (0, "Bonjour à tous ! Quelqu'un a un adaptateur USB-C → HDMI à prêter pour ma réunion de 14 h ?"),
        (1, "Oui, dans mon casier, je te l'apporte."),
        (0, "Merci, tu me sauves 🙏"),
        (2, "Rappel : lunch partagé vendredi à 12 h 30 en cuisine, chacun apporte un plat."),
        (
            3,
            "Je ramène une quiche ! Et si quelqu'un s'y connaît en TVA pour les prestations à l'étranger, je suis preneur d'un conseil.",
        ),
        (2, "Demande à la comptable du 2e, elle donne des conseils gratuits le mardi."),
    ],
    "nl": [
        (0, "Goeiemorgen! Is de vergaderzaal vrij om 10 uur?"),
        (1, "Tot half elf wel, daarna heb ik hem geboekt."),
        (0, "Perfect, ik ben ruim op tijd klaar. Dank je!"),
        (2, "Wie heeft er zin in een koffie aan de overkant? Ik trakteer."),
        (3, "Ik kom! Trouwens: iemand die een goede vertaler Frans–Nederlands kent voor een website?"),
        (2, "Kijk eens bij 'Wie kan me helpen?', er zitten er een paar in het netwerk."),
    ],
    "en": [
        (0, "Hi all! The printer on the first floor is jammed again, I've left a note for the host."),
        (1, "Thanks for the heads-up. Is the meeting room free this afternoon?"),
        (2, "Booked 14:00–15:00, free after that."),
        (3, "Anyone going to the Coworking Week meetup on Thursday? Happy to share a ride from the station."),
        (1, "Count me in!"),
    ],
}

REGION_LANGUAGE = {"brussels": "fr", "flanders": "nl", "wallonia": "fr"}

# Conversations of the demo member (Camille, web developer in Brussels, looking for a translator).
DEMO_DIRECT = [
    (
        ("Traducteur·rice", "Vertaler", "Translator"),
        "fr",
        [
            (
                "demo",
                "Bonjour ! J'ai vu sur votre profil que vous traduisez du français vers le néerlandais. Vous auriez du temps pour un site de 10 pages ce mois-ci ?",
            ),
            (
                "other",
                "Bonjour Camille, oui avec plaisir. C'est quel type de site ? Une boutique, un site vitrine ?",
            ),
            ("demo", "Une boutique de vélos à Ixelles, surtout des fiches produits et une page d'accueil."),
            (
                "other",
                "Parfait, je peux vous faire un devis d'ici demain. Vous pouvez m'envoyer un export des textes ?",
            ),
            ("demo", "Je vous envoie ça ce soir. Merci beaucoup !"),
            ("other", "Bien reçu, je regarde demain matin et je reviens vers vous."),
        ],
    ),
    (
        ("Webontwikkelaar", "Développeur·se web", "Web developer"),
        "nl",
        [
            (
                "other",
                "Hoi Camille! Ik zag dat jij ook met Django werkt. Heb je ervaring met Channels voor realtime chat?",
            ),
            ("demo", "Hoi! Ja, een beetje. Waar loop je op vast?"),
            ("other", "Mijn websockets vallen weg na een herstart en berichten gaan verloren."),
            (
                "demo",
                "Geef elk bericht een volgnummer per gesprek en laat de client na het herverbinden alles vanaf het laatste id opvragen.",
            ),
            ("other", "Slim, dat probeer ik meteen. Koffie volgende keer in Gent?"),
        ],
    ),
    (
        ("Garden architect", "Architecte paysagiste", "Tuinarchitect"),
        "en",
        [
            (
                "other",
                "Hi Camille, thanks for helping with my portfolio site last month, the contact form works great.",
            ),
            ("demo", "Glad to hear it! Did the photos of the Tervuren garden project make it in?"),
            ("other", "Yes, and a client already found me through it. I owe you a lunch 🌿"),
        ],
    ),
]

DEMO_REQUEST = [
    (
        "other",
        "Bonjour, je lance une start-up de livraison à vélo et je cherche un·e développeur·se pour notre site. Vous seriez disponible pour en parler ?",
    ),
]

DEMO_GROUP = (
    "Coworking Week Brussels",
    [
        (0, "Hello everyone! Shall we plan the open day for Coworking Week here?"),
        (1, "Bonne idée. Je peux animer un atelier « facturer à l'étranger » d'une heure."),
        (2, "Ik kan een korte sessie over toegankelijke websites geven."),
        ("demo", "Great, I'll set up a small page with the programme and registrations."),
        (0, "Perfect, let's meet Tuesday at 10 to fix the schedule."),
    ],
)

PAIR_SCRIPTS = {
    "fr": [
        ("a", "Salut ! Tu aurais un moment cette semaine pour regarder mon logo ?"),
        ("b", "Oui, jeudi après-midi ça te va ? Je suis au coworking toute la journée."),
        ("a", "Top, à jeudi !"),
    ],
    "nl": [
        ("a", "Hoi! Ken jij een goede boekhouder voor een eenmanszaak?"),
        ("b", "Ja, ik stuur je zo haar gegevens door."),
        ("a", "Super, bedankt!"),
    ],
    "en": [
        ("a", "Hi! Are you still looking for someone to review your pitch deck?"),
        ("b", "I am! Could we do a call on Friday morning?"),
        ("a", "Friday 9:30 works for me."),
    ],
}


def _language(member: Member) -> str:
    return member.preferred_language if member.preferred_language in ("fr", "nl", "en") else "en"


def _import(
    conversation: Conversation, lines: list[tuple[Member, str]], *, key: str, start, step: timedelta
) -> list[Message]:
    messages = []
    for n, (sender, body) in enumerate(lines):
        messages.append(
            services.message_import(
                sender=sender,
                conversation=conversation,
                body=body,
                client_id=f"demo-{key}-{n}",
                created=start + step * n,
            )
        )
    return messages


def _read_up_to(member: Member, conversation: Conversation, message: Message | None) -> None:
    if message is not None:
        Participant.objects.filter(
            member=member, conversation=conversation, last_read_id__lt=message.pk
        ).update(last_read_id=message.pk)


def _seed_rooms(rng: random.Random, now) -> int:
    rooms = 0
    for space in Space.objects.order_by("slug"):
        services.space_room_members_sync(space=space)
        rooms += 1
    # Chatter in a third of the rooms, from members of the space, in the space's language.
    spaces = list(Space.objects.order_by("slug"))
    for space in rng.sample(spaces, k=max(1, len(spaces) // 3)) if spaces else []:
        speakers = list(
            Member.objects.filter(home_space=space).exclude(username=DEMO_USERNAME).order_by("pk")[:40]
        )
        if len(speakers) < 4:
            continue
        speakers = rng.sample(speakers, k=4)
        room = services.space_room_for(space)
        script = ROOM_SCRIPTS[REGION_LANGUAGE.get(space.region, "fr")]
        start = now - timedelta(hours=rng.randint(3, 30))
        messages = _import(
            room,
            [(speakers[i], text) for i, text in script],
            key=f"room-{space.slug}",
            start=start,
            step=timedelta(minutes=rng.randint(2, 9)),
        )
        # In a fixed order: the draws go to the same members on every run (and on PostgreSQL an
        # unordered scan comes back in another order once rows have been updated).
        participants = Participant.objects.filter(conversation=room).order_by("member_id")
        for member in participants.values_list("member_id", flat=True):
            Participant.objects.filter(conversation=room, member_id=member, last_read_id=0).update(
                last_read_id=messages[-2].pk if rng.random() < 0.7 else 0
            )
    return rooms


def _pick(
    rng: random.Random, professions: tuple[str, ...], exclude: set[int], *, listed_only: bool = False
) -> Member | None:
    people = Member.objects.exclude(pk__in=exclude)
    if listed_only:
        # A group only takes members its creator may see (messaging.services.group_create).
        people = people.filter(listed_members_q())
    candidates = list(
        people.filter(profession__in=professions, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    if not candidates:
        candidates = list(people.order_by("pk").values_list("pk", flat=True)[:200])
    return Member.objects.get(pk=rng.choice(candidates)) if candidates else None


def _seed_demo_member(rng: random.Random, now) -> int:
    demo = Member.objects.filter(username=DEMO_USERNAME).first()
    if demo is None:
        return 0
    used = {demo.pk}
    count = 0
    for index, (professions, _lang, script) in enumerate(DEMO_DIRECT):
        other = _pick(rng, professions, used)
        if other is None:
            continue
        used.add(other.pk)
        conversation = services.conversation_direct_get_or_create(member=demo, other=other)
        for member in (demo, other):
            services.request_accept(member=member, conversation=conversation)
        lines = [(demo if who == "demo" else other, text) for who, text in script]
        messages = _import(
            conversation,
            lines,
            key=f"dm-{index}",
            start=now - timedelta(days=index * 2 + 1, hours=3),
            step=timedelta(minutes=17),
        )
        # The newest message of the first conversation stays unread: the badge has something to show.
        _read_up_to(demo, conversation, messages[-2] if index == 0 else messages[-1])
        _read_up_to(other, conversation, messages[-1])
        count += 1

    stranger = _pick(rng, ("Fondateur·rice de start-up", "Start-up founder", "Start-up-oprichter"), used)
    if stranger is not None:
        used.add(stranger.pk)
        conversation = services.conversation_direct_get_or_create(member=stranger, other=demo)
        _import(
            conversation,
            [(stranger, text) for _who, text in DEMO_REQUEST],
            key="request",
            start=now - timedelta(hours=2),
            step=timedelta(minutes=1),
        )
        count += 1

    title, script = DEMO_GROUP
    group = Conversation.objects.filter(kind=Conversation.Kind.GROUP, title=title, created_by=demo).first()
    members = []
    for _ in range(3):
        member = _pick(
            rng,
            (
                "Business coach",
                "Coach d'entreprise",
                "Bedrijfscoach",
                "Accountant",
                "Comptable",
                "Boekhouder",
            ),
            used,
            listed_only=True,
        )
        if member is not None:
            used.add(member.pk)
            members.append(member)
    if group is None and len(members) == 3:
        group = services.group_create(creator=demo, title=title, members=members)
        Participant.objects.filter(conversation=group).update(status=Participant.Status.ACCEPTED)
    if group is not None:
        people = [
            p.member
            for p in Participant.objects.filter(conversation=group)
            .exclude(member=demo)
            .select_related("member")
            .order_by("id")
        ]
        lines = [(demo if who == "demo" else people[who % len(people)], text) for who, text in script]
        messages = _import(
            group, lines, key="group", start=now - timedelta(days=1, hours=5), step=timedelta(minutes=23)
        )
        _read_up_to(demo, group, messages[-1])
        count += 1

    if not Notification.objects.filter(recipient=demo, kind="welcome").exists():
        notify(recipient=demo, kind="welcome", url="/messages/")
    return count


def _seed_pairs(rng: random.Random, now, pairs: int = 40) -> int:
    ids = list(
        Member.objects.exclude(username=DEMO_USERNAME).order_by("pk").values_list("pk", flat=True)[:600]
    )
    made = 0
    for index in range(min(pairs, len(ids) // 2)):
        a_id, b_id = rng.sample(ids, k=2)
        a, b = Member.objects.get(pk=a_id), Member.objects.get(pk=b_id)
        conversation = services.conversation_direct_get_or_create(member=a, other=b)
        services.request_accept(member=b, conversation=conversation)
        script = PAIR_SCRIPTS[_language(a)]
        lines = [(a if who == "a" else b, text) for who, text in script]
        messages = _import(
            conversation,
            lines,
            key=f"pair-{index}",
            start=now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 10)),
            step=timedelta(minutes=rng.randint(3, 40)),
        )
        _read_up_to(a, conversation, messages[-1])
        _read_up_to(b, conversation, messages[-1])
        made += 1
    return made


def seed(*, rng: random.Random, stdout: TextIO) -> None:
    """Lobby rooms for every space (with their members), chatter in some, and conversations to open."""
    # A whole hour keeps reruns within the hour identical; messages are stored once by client_id anyway.
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        rooms = _seed_rooms(rng, now)
        demo = _seed_demo_member(rng, now)
        pairs = _seed_pairs(rng, now)
    stdout.write(
        f"Chat: {rooms} space rooms, {demo} conversations for the demo login, {pairs} between members.\n"
    )
