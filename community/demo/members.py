"""The demo network's spaces and members, for `python manage.py seed_demo`.

Deterministic: member number i is always the same person (names, profession, skills, space),
whatever the size asked for, so running the command twice, or with a larger --members, only
adds who is missing. Bulk inserts keep 100,000 members within a couple of minutes.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from community.network.models import Plan, Space
from profiles.models import Language, Member, OfferedSkill, SkillTag, WantedSkill

SEED = 20_261_012  # the first Belgian Coworking Week, 12 October
SPACES_FILE = Path(__file__).resolve().parent / "data" / "spaces.json"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "coworking-demo"
MEMBER_PASSWORD = "coworking-member"
EMAIL_DOMAIN = "demo.coworking.example"


@dataclass(frozen=True)
class Profession:
    key: str
    en: str
    fr: str
    nl: str
    offers: tuple[str, ...]
    wants: tuple[str, ...]
    weight: int = 3


# What people in the network do, the skills they offer and the help they usually look for.
PROFESSIONS = [
    Profession(
        "translator",
        "Translator",
        "Traducteur·rice",
        "Vertaler",
        ("translation", "proofreading", "localisation", "subtitling", "interpreting"),
        ("web-design", "seo", "accounting", "invoicing", "social-media"),
        5,
    ),
    Profession(
        "interpreter",
        "Interpreter",
        "Interprète",
        "Tolk",
        ("interpreting", "translation", "public-speaking"),
        ("bookkeeping", "web-design"),
        2,
    ),
    Profession(
        "language-teacher",
        "Language teacher",
        "Professeur·e de langues",
        "Taalleraar",
        ("dutch-lessons", "french-lessons", "english-lessons", "tutoring"),
        ("e-learning", "social-media", "graphic-design"),
        2,
    ),
    Profession(
        "graphic-designer",
        "Graphic designer",
        "Graphiste",
        "Grafisch ontwerper",
        ("graphic-design", "logo-design", "branding", "print-design", "illustration", "packaging-design"),
        ("copywriting", "accounting", "translation", "photography"),
        6,
    ),
    Profession(
        "illustrator",
        "Illustrator",
        "Illustrateur·rice",
        "Illustrator",
        ("illustration", "graphic-design", "motion-design"),
        ("intellectual-property", "e-commerce", "social-media"),
        2,
    ),
    Profession(
        "ux-designer",
        "UX designer",
        "Designer UX",
        "UX-ontwerper",
        ("ux-design", "ui-design", "web-design", "market-research"),
        ("front-end", "copywriting", "business-coaching"),
        3,
    ),
    Profession(
        "web-developer",
        "Web developer",
        "Développeur·se web",
        "Webontwikkelaar",
        ("web-development", "front-end", "back-end", "javascript", "python", "wordpress"),
        ("graphic-design", "translation", "accounting", "seo"),
        7,
    ),
    Profession(
        "mobile-developer",
        "Mobile app developer",
        "Développeur·se d'applications mobiles",
        "App-ontwikkelaar",
        ("mobile-apps", "javascript", "software-development"),
        ("ux-design", "fundraising", "legal-advice"),
        2,
    ),
    Profession(
        "data-analyst",
        "Data analyst",
        "Analyste de données",
        "Data-analist",
        ("data-analysis", "python", "ai-automation"),
        ("public-speaking", "business-coaching"),
        2,
    ),
    Profession(
        "devops",
        "DevOps engineer",
        "Ingénieur·e DevOps",
        "DevOps-engineer",
        ("devops-hosting", "cybersecurity", "it-support"),
        ("project-management", "dutch-lessons"),
        2,
    ),
    Profession(
        "wordpress",
        "WordPress freelancer",
        "Freelance WordPress",
        "WordPress-freelancer",
        ("wordpress", "web-design", "e-commerce", "seo"),
        ("copywriting", "photography", "vat"),
        3,
    ),
    Profession(
        "architect",
        "Architect",
        "Architecte",
        "Architect",
        ("architecture", "3d-modelling", "technical-drawing", "renovation-advice", "energy-performance"),
        ("photography", "web-design", "legal-advice", "accounting"),
        5,
    ),
    Profession(
        "garden-architect",
        "Garden architect",
        "Architecte paysagiste",
        "Tuinarchitect",
        ("garden-architecture", "gardening-permaculture", "urban-planning"),
        ("web-design", "photography", "social-media", "bookkeeping"),
        4,
    ),
    Profession(
        "interior-architect",
        "Interior architect",
        "Architecte d'intérieur",
        "Interieurarchitect",
        ("interior-architecture", "3d-modelling", "renovation-advice"),
        ("photography", "branding", "social-media"),
        3,
    ),
    Profession(
        "accountant",
        "Accountant",
        "Comptable",
        "Boekhouder",
        ("accounting", "bookkeeping", "tax-advice", "vat", "invoicing"),
        ("web-design", "it-support", "translation"),
        5,
    ),
    Profession(
        "financial-advisor",
        "Financial advisor",
        "Conseiller·ère financier·ère",
        "Financieel adviseur",
        ("financial-planning", "fundraising", "business-plan", "grants-subsidies"),
        ("web-development", "public-speaking", "copywriting"),
        3,
    ),
    Profession(
        "business-coach",
        "Business coach",
        "Coach d'entreprise",
        "Bedrijfscoach",
        ("business-coaching", "career-coaching", "team-facilitation", "public-speaking"),
        ("web-design", "video-production", "social-media"),
        4,
    ),
    Profession(
        "life-coach",
        "Life coach",
        "Coach de vie",
        "Lifecoach",
        ("life-coaching", "mindfulness", "wellbeing-at-work"),
        ("web-design", "social-media", "bookkeeping"),
        2,
    ),
    Profession(
        "lawyer",
        "Lawyer",
        "Avocat·e",
        "Advocaat",
        ("legal-advice", "intellectual-property", "gdpr", "company-formation", "employment-law"),
        ("web-design", "translation", "branding"),
        3,
    ),
    Profession(
        "community-manager",
        "Community manager",
        "Community manager",
        "Communitymanager",
        ("community-management", "social-media", "content-marketing", "digital-marketing"),
        ("graphic-design", "photography", "video-editing"),
        4,
    ),
    Profession(
        "seo-consultant",
        "SEO consultant",
        "Consultant·e SEO",
        "SEO-consultant",
        ("seo", "online-advertising", "content-marketing", "digital-marketing"),
        ("web-development", "copywriting", "translation"),
        2,
    ),
    Profession(
        "copywriter",
        "Copywriter",
        "Concepteur·rice-rédacteur·rice",
        "Copywriter",
        ("copywriting", "content-writing", "proofreading", "ghostwriting"),
        ("graphic-design", "seo", "invoicing"),
        3,
    ),
    Profession(
        "journalist",
        "Freelance journalist",
        "Journaliste indépendant·e",
        "Freelance journalist",
        ("journalism", "content-writing", "podcasting"),
        ("photography", "legal-advice"),
        2,
    ),
    Profession(
        "photographer",
        "Photographer",
        "Photographe",
        "Fotograaf",
        ("photography", "video-editing", "drone-filming"),
        ("web-design", "accounting", "social-media"),
        4,
    ),
    Profession(
        "videographer",
        "Video maker",
        "Vidéaste",
        "Videomaker",
        ("video-production", "video-editing", "drone-filming", "sound-engineering"),
        ("copywriting", "translation", "vat"),
        3,
    ),
    Profession(
        "sustainability",
        "Sustainability consultant",
        "Consultant·e en développement durable",
        "Duurzaamheidsconsultant",
        ("sustainability-consulting", "circular-economy", "renewable-energy", "mobility"),
        ("data-analysis", "public-speaking", "web-design"),
        4,
    ),
    Profession(
        "energy-auditor",
        "Energy auditor",
        "Certificateur·rice PEB",
        "Energiedeskundige",
        ("energy-performance", "renovation-advice", "eco-construction"),
        ("web-design", "invoicing"),
        2,
    ),
    Profession(
        "event-planner",
        "Event planner",
        "Organisateur·rice d'événements",
        "Evenementenplanner",
        ("event-planning", "event-hosting", "networking", "catering"),
        ("graphic-design", "photography", "translation"),
        3,
    ),
    Profession(
        "project-manager",
        "Project manager",
        "Gestionnaire de projet",
        "Projectmanager",
        ("project-management", "team-facilitation", "business-consulting"),
        ("dutch-lessons", "data-analysis"),
        3,
    ),
    Profession(
        "hr",
        "HR consultant",
        "Consultant·e RH",
        "HR-consultant",
        ("hr-recruitment", "employment-law", "career-coaching"),
        ("web-design", "social-media"),
        2,
    ),
    Profession(
        "virtual-assistant",
        "Virtual assistant",
        "Assistant·e virtuel·le",
        "Virtueel assistent",
        ("virtual-assistant", "customer-service", "invoicing", "bookkeeping"),
        ("digital-skills", "social-media"),
        2,
    ),
    Profession(
        "shop-owner",
        "Online shop owner",
        "Commerçant·e en ligne",
        "Webwinkelier",
        ("e-commerce", "sales", "import-export", "logistics"),
        ("translation", "photography", "seo", "web-development", "vat"),
        4,
    ),
    Profession(
        "startup-founder",
        "Start-up founder",
        "Fondateur·rice de start-up",
        "Start-up-oprichter",
        ("startup-support", "business-plan", "sales", "product-design"),
        ("fundraising", "legal-advice", "web-development", "ux-design"),
        4,
    ),
    Profession(
        "trainer",
        "Trainer",
        "Formateur·rice",
        "Trainer",
        ("training", "e-learning", "workshop-facilitation", "public-speaking"),
        ("video-editing", "graphic-design"),
        2,
    ),
    Profession(
        "maker",
        "Maker",
        "Maker",
        "Maker",
        ("3d-printing", "woodworking", "product-design", "equipment-lending"),
        ("e-commerce", "photography", "crowdfunding"),
        2,
    ),
    Profession(
        "teleworker-it",
        "IT consultant (teleworking)",
        "Consultant·e IT en télétravail",
        "IT-consultant (telewerk)",
        ("software-development", "project-management", "cybersecurity"),
        ("french-lessons", "dutch-lessons", "networking"),
        3,
    ),
    Profession(
        "teleworker-sales",
        "Account manager (teleworking)",
        "Chargé·e de clientèle en télétravail",
        "Accountmanager (telewerk)",
        ("sales", "customer-service", "networking"),
        ("english-lessons", "public-speaking", "digital-skills"),
        2,
    ),
    Profession(
        "marketing",
        "Marketing strategist",
        "Stratège marketing",
        "Marketingstrateeg",
        ("marketing-strategy", "communication-strategy", "market-research", "public-relations"),
        ("graphic-design", "data-analysis", "video-production"),
        3,
    ),
]

TELEWORK_KEYS = {"teleworker-it", "teleworker-sales"}
STARTUP_KEYS = {"startup-founder", "mobile-developer", "shop-owner"}

HEADLINES = {
    "en": [
        "{profession} · {skills}",
        "Freelance {profession_lower}: {skills}",
        "{profession} in {city}, happy to help with {skill}",
    ],
    "fr": [
        "{profession} · {skills}",
        "{profession} indépendant·e : {skills}",
        "{profession} à {city}, je peux vous aider en {skill_lower}",
    ],
    "nl": [
        "{profession} · {skills}",
        "Freelance {profession_lower}: {skills}",
        "{profession} in {city}, ik help graag met {skill_lower}",
    ],
}
BIOS = {
    "en": "I work as a {profession_lower} from {space}. I came to coworking to break the isolation of working from home and to meet people who do other things than me. Ask me about {skill_lower}; I'm looking for someone good at {want_lower}.",
    "fr": "Je travaille comme {profession_lower} depuis {space}. Le coworking m'a permis de rompre l'isolement et de rencontrer des gens aux métiers différents. Je peux vous aider en {skill_lower} ; je cherche quelqu'un de doué en {want_lower}.",
    "nl": "Ik werk als {profession_lower} vanuit {space}. Dankzij coworking werk ik niet meer alleen thuis en ontmoet ik mensen met andere beroepen. Vraag me gerust naar {skill_lower}; zelf zoek ik iemand die goed is in {want_lower}.",
}
# Which language a member of each region writes in, and how likely.
REGION_LOCALES = {
    "brussels": (("fr", 55), ("nl", 20), ("en", 25)),
    "flanders": (("nl", 85), ("fr", 5), ("en", 10)),
    "wallonia": (("fr", 90), ("nl", 3), ("en", 7)),
}
EXTRA_LANGUAGES = {
    "fr": ("en", "nl", "es", "it", "ar"),
    "nl": ("en", "fr", "de"),
    "en": ("fr", "nl", "de", "es", "pt", "pl"),
}
FAKER_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum())


def load_spaces() -> list[Space]:
    """Insert or update the 25 spaces of the network and their plans. Idempotent."""
    spaces = []
    for item in json.loads(SPACES_FILE.read_text(encoding="utf-8")):
        space, _ = Space.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "city": item["city"],
                "region": item["region"],
                "address": item["address"],
                "latitude": item["latitude"],
                "longitude": item["longitude"],
                "surface_m2": item["surface_m2"],
                "desks": item["desks"],
                "amenities": item["amenities"],
                "opening_hours": item["opening_hours"],
                "tagline": item["tagline"],
                "description": item["description"],
                "description_language": item["language"],
                "trial_capacity": item["trial_capacity"],
            },
        )
        for kind, price in item["plans"].items():
            Plan.objects.update_or_create(space=space, kind=kind, defaults={"price_eur": price})
        spaces.append(space)
    return spaces


class NamePools:
    """First and last names per language, drawn once from Faker with a fixed seed."""

    def __init__(self, size: int = 400) -> None:
        self.first: dict[str, list[str]] = {}
        self.last: dict[str, list[str]] = {}
        for lang, locale in FAKER_LOCALES.items():
            fake = Faker(locale)
            fake.seed_instance(SEED)
            self.first[lang] = sorted({fake.first_name() for _ in range(size)})
            self.last[lang] = sorted({fake.last_name() for _ in range(size)})


@dataclass
class DemoPerson:
    member: Member
    language_codes: list[str]
    offers: list[str]
    wants: list[str]


def build_person(
    index: int,
    *,
    spaces: list[Space],
    weights: list[int],
    names: NamePools,
    tags: dict[str, SkillTag],
    password_hash: str,
) -> DemoPerson:
    rng = random.Random(SEED * 1_000_003 + index)
    space = rng.choices(spaces, weights=weights)[0]
    lang = rng.choices(*zip(*REGION_LOCALES[space.region], strict=True))[0]
    first, last = rng.choice(names.first[lang]), rng.choice(names.last[lang])
    profession = rng.choices(PROFESSIONS, weights=[p.weight for p in PROFESSIONS])[0]
    offers = rng.sample(profession.offers, k=min(len(profession.offers), rng.randint(2, 4)))
    wants = rng.sample(profession.wants, k=min(len(profession.wants), rng.randint(1, 3)))
    kind = (
        Member.Kind.TELEWORKER
        if profession.key in TELEWORK_KEYS
        else Member.Kind.STARTUP
        if profession.key in STARTUP_KEYS
        else rng.choices([Member.Kind.FREELANCER, Member.Kind.OTHER], weights=[12, 1])[0]
    )
    languages = [lang, *rng.sample(EXTRA_LANGUAGES[lang], k=rng.randint(0, 2))]
    if space.region == "brussels" and "fr" not in languages:
        languages.append("fr")
    prof_label = getattr(profession, lang)
    skill_labels = [getattr(tags[slug].skill, f"name_{lang}") for slug in offers]
    want_label = getattr(tags[wants[0]].skill, f"name_{lang}")
    context = {
        "profession": prof_label,
        "profession_lower": prof_label[0].lower() + prof_label[1:]
        if not prof_label.isupper()
        else prof_label,
        "skills": ", ".join(skill_labels[:3]),
        "skill": skill_labels[0],
        "skill_lower": skill_labels[0].lower(),
        "want_lower": want_label.lower(),
        "city": space.city,
        "space": space.name,
    }
    username = f"{ascii_slug(first)}.{ascii_slug(last)}{index}"
    joined = timezone.now() - timedelta(days=rng.randint(0, 3 * 365), minutes=rng.randint(0, 24 * 60))
    member = Member(
        username=username,
        email=f"{username}@{EMAIL_DOMAIN}",
        password=password_hash,
        first_name=first,
        last_name=last,
        display_name=f"{first} {last}",
        headline=rng.choice(HEADLINES[lang]).format(**context)[:140],
        bio=BIOS[lang].format(**context),
        profession=prof_label,
        kind=kind,
        home_space=space,
        available=rng.random() < 0.45,
        offers_free_advice=rng.random() < 0.5,
        offers_paid_service=rng.random() < 0.6,
        offers_skill_swap=rng.random() < 0.35,
        visibility=rng.choices(
            [Member.Visibility.MEMBERS, Member.Visibility.PUBLIC, Member.Visibility.HIDDEN],
            weights=[70, 25, 5],
        )[0],
        preferred_language=lang,
        date_joined=joined,
    )
    return DemoPerson(member, languages, offers, wants)


def batched(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def seed_members(
    *, count: int, progress: Callable[[int], None] = lambda n: None, batch_size: int = 2000
) -> int:
    """Make sure demo members 0..count-1 exist; returns how many were created."""
    spaces = list(Space.objects.order_by("slug"))
    weights = [max(space.desks, 1) for space in spaces]
    names = NamePools()
    tags = {
        tag.skill.slug: tag for tag in SkillTag.objects.filter(skill__isnull=False).select_related("skill")
    }
    for code in {code for codes in EXTRA_LANGUAGES.values() for code in codes} | set(EXTRA_LANGUAGES):
        Language.objects.get_or_create(code=code)
    # One hash for all demo members: hashing 100,000 passwords would take an hour.
    password_hash = make_password(MEMBER_PASSWORD)
    created = 0
    languages_through = Member.languages.through
    for indexes in batched(count, batch_size):
        people = [
            build_person(
                i, spaces=spaces, weights=weights, names=names, tags=tags, password_hash=password_hash
            )
            for i in indexes
        ]
        existing = set(
            Member.objects.filter(username__in=[p.member.username for p in people]).values_list(
                "username", flat=True
            )
        )
        people = [p for p in people if p.member.username not in existing]
        if people:
            with transaction.atomic():
                Member.objects.bulk_create([p.member for p in people], batch_size=500)
                ids = dict(
                    Member.objects.filter(username__in=[p.member.username for p in people]).values_list(
                        "username", "id"
                    )
                )
                OfferedSkill.objects.bulk_create(
                    [
                        OfferedSkill(content_object_id=ids[p.member.username], tag=tags[s])
                        for p in people
                        for s in p.offers
                    ],
                    batch_size=1000,
                )
                WantedSkill.objects.bulk_create(
                    [
                        WantedSkill(content_object_id=ids[p.member.username], tag=tags[s])
                        for p in people
                        for s in p.wants
                    ],
                    batch_size=1000,
                )
                languages_through.objects.bulk_create(
                    [
                        languages_through(member_id=ids[p.member.username], language_id=code)
                        for p in people
                        for code in dict.fromkeys(p.language_codes)
                    ],
                    batch_size=1000,
                )
            created += len(people)
        progress(len(indexes))
    return created


def ensure_demo_login() -> Member:
    """The member a visitor logs in as: a web developer at the Brussels hub who needs a translator."""
    hub = Space.objects.filter(slug="hub-porte-de-namur").first() or Space.objects.order_by("slug").first()
    member, created = Member.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={
            "email": f"{DEMO_USERNAME}@{EMAIL_DOMAIN}",
            "first_name": "Camille",
            "last_name": "Janssens",
            "display_name": "Camille Janssens",
            "headline": "Web developer · Django, JavaScript · looking for a FR/NL translator",
            "bio": "I build websites for small shops in Brussels. I need my clients' sites translated into Dutch.",
            "profession": "Web developer",
            "kind": Member.Kind.FREELANCER,
            "home_space": hub,
            "available": True,
            "offers_free_advice": True,
            "visibility": Member.Visibility.MEMBERS,
            "preferred_language": "en",
        },
    )
    if created:
        member.set_password(DEMO_PASSWORD)
        member.save(update_fields=["password"])
        for code in ("en", "fr", "nl"):
            member.languages.add(Language.objects.get_or_create(code=code)[0])
        offered = SkillTag.objects.filter(skill__slug__in=["web-development", "python", "javascript"])
        wanted = SkillTag.objects.filter(skill__slug__in=["translation", "graphic-design"])
        OfferedSkill.objects.bulk_create([OfferedSkill(content_object=member, tag=t) for t in offered])
        WantedSkill.objects.bulk_create([WantedSkill(content_object=member, tag=t) for t in wanted])
    return member
