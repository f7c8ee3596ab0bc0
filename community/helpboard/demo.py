"""The help board's demo life, for `seed_demo`: about thirty requests in French, Dutch and English,
open and solved, with replies, offers of help and thanks.

`seed(rng=..., stdout=...)` runs after the members exist and before the search index is rebuilt,
so it writes the rows itself (no rate limit, no notification storm for members who are not
there): matches are computed when a request is first opened (`matched_at` is empty). Idempotent:
a request is found again by its title, so a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from community.helpboard import matching
from community.helpboard.models import HelpReply, HelpRequest, HelpThanks
from profiles.models import Member, OfferedSkill, Skill
from profiles.visibility import listed_members, listed_members_q

DEMO_USERNAME = "demo"

OPEN, S, C = HelpRequest.Status.OPEN, HelpRequest.Status.SOLVED, HelpRequest.Status.CLOSED
LOW, NORMAL, URGENT = HelpRequest.Urgency.LOW, HelpRequest.Urgency.NORMAL, HelpRequest.Urgency.URGENT

# (language, title, description, typed skills, status, urgency, whole network?)
REQUESTS: list[tuple[str, str, str, tuple[str, ...], str, str, bool]] = [
    (
        "fr",
        "Qui peut traduire mon site en néerlandais ?",
        "Mon site vitrine fait une dizaine de pages (services, tarifs, contact). J'aimerais une version en néerlandais "
        "avant la rentrée, idéalement relue par quelqu'un dont c'est la langue maternelle.",
        ("translation",),
        OPEN,
        NORMAL,
        False,
    ),
    (
        "nl",
        "Wie kan mijn boekhouding nakijken?",
        "Ik ben sinds januari zelfstandige in bijberoep. Ik doe mijn boekhouding zelf in een spreadsheet, maar ik wil "
        "zeker zijn dat mijn btw-aangiftes kloppen voor het einde van het kwartaal.",
        (),
        OPEN,
        URGENT,
        False,
    ),
    (
        "en",
        "Looking for a photographer for our team page",
        "We are eight people in the start-up and our website still shows stock photos. We'd like simple, friendly "
        "portraits, ideally on one morning here at the space.",
        ("photography",),
        S,
        NORMAL,
        False,
    ),
    (
        "fr",
        "Besoin d'un logo pour notre nouvelle asbl",
        "Nous lançons une asbl de quartier (repair café et potager partagé). Budget modeste : un logo simple et deux "
        "ou trois couleurs pour nos affiches.",
        ("logo-design",),
        OPEN,
        LOW,
        True,
    ),
    (
        "nl",
        "Tuinarchitect gezocht voor onze binnenkoer",
        "De binnenkoer van ons coworking (ca. 40 m²) is nu grijs en kaal. Wie helpt ons met een ontwerp met veel "
        "groen dat weinig onderhoud vraagt?",
        ("garden-architecture",),
        OPEN,
        LOW,
        False,
    ),
    (
        "en",
        "Need help with GDPR for our newsletter sign-up",
        "We collect email addresses on our website. Is our privacy notice enough, and how should we ask for consent? "
        "A 30-minute call would already help a lot.",
        ("gdpr",),
        S,
        NORMAL,
        True,
    ),
    (
        "fr",
        "Notre site WordPress affiche une page blanche",
        "Depuis la dernière mise à jour, la boutique WooCommerce ne s'affiche plus. Quelqu'un qui connaît bien "
        "WordPress pourrait jeter un œil aujourd'hui ?",
        ("wordpress",),
        S,
        URGENT,
        False,
    ),
    (
        "fr",
        "Certificat PEB pour la vente de mon bureau",
        "Je vends un petit bureau et le notaire me demande le certificat PEB. Quelqu'un peut le faire rapidement ou "
        "me recommander un certificateur ?",
        ("energy-performance",),
        OPEN,
        URGENT,
        True,
    ),
    (
        "nl",
        "Wie helpt me mijn pitch te oefenen?",
        "Volgende maand pitch ik voor investeerders. Ik zoek iemand die me eerlijke feedback geeft over mijn "
        "presentatie en hoe ik spreek.",
        ("public-speaking",),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "en",
        "Who can help us prepare a fundraising round?",
        "Our start-up wants to meet business angels in the autumn. We need a solid business plan and a financial "
        "model that holds up to questions.",
        ("fundraising", "business-plan"),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "fr",
        "On cherche un vidéaste avec un drone",
        "Pour filmer notre espace vu du ciel et monter une petite vidéo de présentation d'une minute.",
        ("drone-filming",),
        C,
        LOW,
        False,
    ),
    (
        "nl",
        "Lessen Nederlands voor mijn Franstalige collega's",
        "Twee collega's willen hun Nederlands verbeteren, liefst hier op de werkplek tijdens de middagpauze.",
        ("dutch-lessons",),
        OPEN,
        LOW,
        False,
    ),
    (
        "en",
        "Our office wifi keeps dropping",
        "Since last week the wifi in the back office disconnects every ten minutes. Anyone good with networks who "
        "could have a look?",
        ("it-support",),
        S,
        URGENT,
        False,
    ),
    (
        "fr",
        "Besoin d'aide pour animer nos réseaux sociaux",
        "Notre coopérative publie très peu sur Instagram et Facebook. Qui pourrait nous aider à trouver un rythme "
        "et un ton qui nous ressemblent ?",
        ("social-media",),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "nl",
        "Wie organiseert een teamdag voor 30 mensen?",
        "We zoeken iemand die in juni een teamdag kan organiseren: een workshop in de voormiddag, lunch en iets "
        "sportiefs in de namiddag.",
        ("event-planning",),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "fr",
        "Une étagère sur mesure pour la salle de réunion",
        "Nous voudrions une grande étagère en bois de récupération. Un menuisier dans le réseau ?",
        ("woodworking",),
        S,
        LOW,
        False,
    ),
    (
        "en",
        "Proofreading an English grant application",
        "Our EU grant application is due on Friday. We'd love a native speaker to proofread 12 pages.",
        ("proofreading",),
        OPEN,
        URGENT,
        True,
    ),
    (
        "nl",
        "Iemand die onze webshop kan vertalen naar het Frans?",
        "Onze webshop (Shopify) bestaat enkel in het Nederlands. We willen ook Waalse en Brusselse klanten bereiken.",
        ("translation",),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "fr",
        "Conseils pour ouvrir mon numéro de TVA",
        "Je me lance comme indépendante complémentaire. Franchise TVA ou pas ? Je suis un peu perdue.",
        ("vat",),
        S,
        NORMAL,
        False,
    ),
    (
        "en",
        "Quick review of our Django app's security",
        "Before we launch, we'd like someone to look over our login, permissions and hosting setup.",
        ("cybersecurity", "python"),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "nl",
        "Iemand met ervaring in subsidies voor starters?",
        "Ik wil een subsidie aanvragen voor mijn eerste aanwerving. Wie kent de weg bij VLAIO?",
        ("grants-subsidies",),
        OPEN,
        LOW,
        True,
    ),
    (
        "fr",
        "Qui peut m'aider à refaire mon CV et mon profil LinkedIn ?",
        "Je change de métier après dix ans dans la vente et je voudrais mettre en valeur ce que je sais faire.",
        ("career-coaching",),
        OPEN,
        LOW,
        True,
    ),
    (
        "en",
        "Need a JavaScript developer for a small map widget",
        "We want an interactive map of our partner shops on our website. Probably a couple of days of work.",
        ("javascript", "front-end"),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "nl",
        "Wie kan een vergaderzaal voor 20 personen aanraden?",
        "Voor een klantendag in Gent zoeken we een zaal met beamer en catering in de buurt.",
        ("venue-rental",),
        S,
        NORMAL,
        True,
    ),
    (
        "fr",
        "Illustrations pour un livre jeunesse",
        "J'écris un album pour enfants de 32 pages et je cherche un·e illustrateur·rice pour quelques essais.",
        ("illustration",),
        OPEN,
        LOW,
        True,
    ),
    (
        "en",
        "Help moving our bookkeeping to an online tool",
        "We still send paper invoices to our accountant. Who has moved to an online bookkeeping tool and can advise?",
        ("bookkeeping", "invoicing"),
        OPEN,
        NORMAL,
        False,
    ),
    (
        "nl",
        "Fietsenmaker in de buurt?",
        "Mijn bakfiets maakt een raar geluid bij het remmen. Kent iemand een goede fietsenmaker of kan iemand kijken?",
        ("bike-repair",),
        S,
        URGENT,
        False,
    ),
    (
        "fr",
        "Quelqu'un pour sous-titrer une vidéo de 3 minutes ?",
        "Notre vidéo de présentation est en français ; il nous faut des sous-titres en néerlandais et en anglais.",
        ("subtitling",),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "en",
        "Python script to clean up a customer spreadsheet",
        "We have 4,000 rows of customer data with duplicates and odd formats. A small script would save us days.",
        ("python", "data-analysis"),
        OPEN,
        LOW,
        True,
    ),
    (
        "fr",
        "Un coup de main pour déménager nos bureaux samedi",
        "Nous changeons d'étage samedi matin : une camionnette et deux paires de bras seraient bienvenues, "
        "croissants offerts !",
        ("handyman",),
        C,
        NORMAL,
        False,
    ),
]

# The demo login's own needs: one open with offers to try "solved and thanks", one solved.
DEMO_REQUESTS: list[tuple[str, str, str, tuple[str, ...], str, str, bool]] = [
    (
        "en",
        "Dutch translation for three client websites",
        "I build websites for small shops in Brussels and three of my clients now want their site in Dutch too. "
        "About 25 pages in all; I can pay or swap for web development.",
        ("translation",),
        OPEN,
        NORMAL,
        True,
    ),
    (
        "en",
        "Feedback on a logo for my freelance brand",
        "I made a logo myself and it shows. Could a graphic designer give me honest feedback or a better version?",
        ("graphic-design", "logo-design"),
        S,
        LOW,
        False,
    ),
]

REPLIES = {
    "fr": [
        "Je peux vous aider, je vous envoie un message.",
        "J'ai fait quelque chose de très proche le mois dernier, on en parle à la pause café ?",
        "Je connais quelqu'un de très bien pour ça, je vous mets en contact.",
        "Disponible jeudi après-midi si ça vous convient.",
    ],
    "nl": [
        "Ik kan je helpen, ik stuur je een bericht.",
        "Ik heb vorige maand iets gelijkaardigs gedaan. Koffie morgen?",
        "Ik ken iemand die dat heel goed doet, ik breng jullie in contact.",
        "Donderdagnamiddag ben ik vrij, past dat?",
    ],
    "en": [
        "Happy to help, I'll send you a message.",
        "I did something very similar last month. Coffee tomorrow?",
        "I know someone who's great at this, I'll introduce you.",
        "I'm free on Thursday afternoon if that works.",
    ],
}
THANKS_REPLY = {
    "fr": "Merci beaucoup, c'est réglé grâce à vous !",
    "nl": "Hartelijk bedankt, het is opgelost dankzij jullie!",
    "en": "Thanks so much, sorted thanks to you!",
}


def _rng(base: int, *key: object) -> random.Random:
    # One generator per request: a second run makes the same choices whatever exists already.
    return random.Random(f"{base}:" + ":".join(str(part) for part in key))


def seed(*, rng: random.Random, stdout) -> None:
    """About thirty help requests with replies, offers and thanks. Idempotent (found by title)."""
    members = list(
        listed_members()
        .filter(home_space__isnull=False)
        .order_by("pk")
        .values_list("pk", "preferred_language", "home_space_id")
    )
    if len(members) < 10:
        stdout.write("help board demo: too few members, nothing to do.")
        return
    base = rng.getrandbits(32)
    demo = Member.objects.filter(username=DEMO_USERNAME).first()
    existing = set(HelpRequest.objects.values_list("title", flat=True))
    offers_by_skill = _members_by_skill()
    now = timezone.now()
    created = replies = thanks = 0
    with transaction.atomic():
        plan = [(item, None) for item in REQUESTS] + [
            (item, demo) for item in (DEMO_REQUESTS if demo else [])
        ]
        for index, (item, fixed_author) in enumerate(plan):
            lang, title, description, typed, status, urgency, network_wide = item
            if title in existing:
                continue
            choose = _rng(base, "help", index)
            chosen, slugs = _skills_for(title, typed)
            helpers_pool = [pk for slug in slugs for pk in offers_by_skill.get(slug, [])]
            author_id, space_id = _author(choose, members, lang, set(helpers_pool), fixed_author)
            asked = now - timedelta(
                days=choose.randint(0, 30), hours=choose.randint(0, 23), minutes=choose.randint(0, 59)
            )
            help_request = HelpRequest.objects.create(
                author_id=author_id,
                title=title,
                description=description,
                space_id=None if network_wide else space_id,
                urgency=urgency,
                status=status,
                chosen_skills=chosen,
                solved_at=asked + timedelta(days=choose.randint(1, 5)) if status == S else None,
            )
            help_request.skills.set(Skill.objects.filter(slug__in=slugs))
            HelpRequest.objects.filter(pk=help_request.pk).update(created_at=asked)
            created += 1
            helpers = _pick_helpers(choose, helpers_pool, author_id, count=choose.randint(1, 3))
            for n, helper_id in enumerate(helpers):
                reply = HelpReply.objects.create(
                    help_request=help_request,
                    author_id=helper_id,
                    body="" if n == 1 else choose.choice(REPLIES[lang]),
                    is_offer=n != 0,
                )
                HelpReply.objects.filter(pk=reply.pk).update(created_at=asked + timedelta(hours=2 + 5 * n))
                replies += 1
            if status == S and helpers:
                HelpThanks.objects.get_or_create(help_request=help_request, helper_id=helpers[0])
                reply = HelpReply.objects.create(
                    help_request=help_request, author_id=author_id, body=THANKS_REPLY[lang]
                )
                HelpReply.objects.filter(pk=reply.pk).update(created_at=asked + timedelta(days=1))
                thanks += 1
                replies += 1
    stdout.write(f"help board demo: {created} requests, {replies} replies, {thanks} thanks.")


def _members_by_skill() -> dict[str, list[int]]:
    """Canonical skill slug -> ids of the members offering it (one query)."""
    found: dict[str, list[int]] = {}
    for member_id, slug in (
        OfferedSkill.objects.filter(tag__skill__isnull=False)
        .filter(listed_members_q(prefix="content_object__"))
        .order_by("content_object_id")
        .values_list("content_object_id", "tag__skill__slug")
    ):
        found.setdefault(slug, []).append(member_id)
    return found


def _skills_for(title: str, typed: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(the skills the author chose, those and the ones the title names), as the services read them."""
    slugs, _free = matching.resolve_typed_skills(list(typed))
    return slugs, list(dict.fromkeys([*slugs, *matching.infer_skill_slugs(title)]))


def _author(choose: random.Random, members: list, lang: str, helpers: set[int], fixed) -> tuple[int, int]:
    if fixed is not None:
        return fixed.pk, fixed.home_space_id
    # Someone writing in the request's language, who does not offer the skill they ask for.
    speakers = [(pk, space) for pk, language, space in members if language == lang and pk not in helpers]
    pk, space = choose.choice(speakers or [(pk, space) for pk, _language, space in members])
    return pk, space


def _pick_helpers(choose: random.Random, pool: list[int], author_id: int, *, count: int) -> list[int]:
    candidates = sorted({pk for pk in pool if pk != author_id})
    return choose.sample(candidates, k=min(count, len(candidates)))
