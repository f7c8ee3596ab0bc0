"""The matching-quality fixture: a small network and help requests written like real needs.

Each request names who should be suggested (in the top 3). The people are not written to fit
the requests: headlines and bios read like profiles in the directory, in the member's language.
The order among them is the search's (relevance, then its boosts for availability, the author's
space and region, the languages asked): the board adds no ranking of its own.
"""

from __future__ import annotations

# username: (name, headline, bio, offered skills, languages, space key, available)
PEOPLE: dict[str, tuple] = {
    "anne": (
        "Anne Dupont",
        "Traductrice FR-NL-EN, sites web et documents juridiques",
        "Je traduis vos sites web et vos contrats du français vers le néerlandais et l'anglais.",
        ("translation", "proofreading", "localisation"),
        ("fr", "nl", "en"),
        "brussels",
        True,
    ),
    "pieter": (
        "Pieter Claes",
        "Vertaler Frans-Nederlands",
        "Ik vertaal brochures en handleidingen van het Frans naar het Nederlands.",
        ("translation", "subtitling"),
        ("nl", "fr"),
        "gent",
        False,
    ),
    "griet": (
        "Griet Maes",
        "Lerares Nederlands voor anderstaligen",
        "Ik geef lessen Nederlands aan Franstalige en internationale professionals.",
        ("dutch-lessons", "tutoring"),
        ("nl", "fr", "en"),
        "brussels",
        True,
    ),
    "julie": (
        "Julie Martin",
        "Graphiste et illustratrice",
        "Je crée des logos, des identités visuelles et des affiches pour les indépendants.",
        ("graphic-design", "logo-design", "branding"),
        ("fr",),
        "brussels",
        False,
    ),
    "tom": (
        "Tom Peeters",
        "Grafisch ontwerper – huisstijl en drukwerk",
        "Ik ontwerp huisstijlen, folders en drukwerk voor kmo's.",
        ("graphic-design", "print-design", "branding"),
        ("nl",),
        "gent",
        False,
    ),
    "karim": (
        "Karim Benali",
        "Architecte – rénovation et permis d'urbanisme",
        "Architecte pour vos rénovations, certificats PEB et demandes de permis.",
        ("architecture", "renovation-advice", "energy-performance"),
        ("fr", "ar"),
        "liege",
        False,
    ),
    "bram": (
        "Bram De Smet",
        "Tuinarchitect",
        "Ik ontwerp stadstuinen, binnenkoeren en groendaken.",
        ("garden-architecture", "gardening-permaculture"),
        ("nl",),
        "gent",
        False,
    ),
    "nina": (
        "Nina Vermeulen",
        "Full-stack web developer (Django, React)",
        "I build web applications and websites for start-ups.",
        ("web-development", "python", "front-end"),
        ("en", "nl"),
        "antwerp",
        True,
    ),
    "lucas": (
        "Lucas Simon",
        "Développeur WordPress et WooCommerce",
        "Je crée et je dépanne des sites WordPress et des boutiques en ligne.",
        ("wordpress", "e-commerce", "web-design"),
        ("fr",),
        "namur",
        False,
    ),
    "sophie": (
        "Sophie Lemaire",
        "Comptable indépendante",
        "Je tiens la comptabilité des indépendants et je m'occupe de la TVA.",
        ("bookkeeping", "vat", "tax-advice"),
        ("fr",),
        "namur",
        False,
    ),
    "jan": (
        "Jan Willems",
        "Boekhouder voor zelfstandigen en kmo's",
        "Boekhouding, facturatie en btw-aangiftes.",
        ("bookkeeping", "accounting", "invoicing"),
        ("nl",),
        "gent",
        False,
    ),
    "laura": (
        "Laura Rossi",
        "Financial advisor for start-ups",
        "Business plans, financial models and fundraising.",
        ("financial-planning", "fundraising", "business-plan"),
        ("en", "it", "fr"),
        "brussels",
        False,
    ),
    "koen": (
        "Koen Hermans",
        "Advocaat contractenrecht en privacy",
        "Contracten, algemene voorwaarden en GDPR voor ondernemers.",
        ("legal-advice", "gdpr", "intellectual-property"),
        ("nl", "fr"),
        "gent",
        False,
    ),
    "marc": (
        "Marc Lambert",
        "Photographe corporate et événementiel",
        "Portraits d'équipe, reportages et photos de produits.",
        ("photography", "video-editing"),
        ("fr", "en"),
        "brussels",
        True,
    ),
    "lotte": (
        "Lotte Jacobs",
        "Fotografe",
        "Ik maak portretten en productfoto's voor webshops.",
        ("photography",),
        ("nl",),
        "antwerp",
        False,
    ),
    "bert": (
        "Bert Vermeulen",
        "Videomaker en dronepiloot",
        "Bedrijfsfilms, aftermovies en luchtbeelden met drone.",
        ("video-production", "drone-filming", "video-editing"),
        ("nl", "en"),
        "gent",
        False,
    ),
    "ines": (
        "Inès Garcia",
        "Consultante SEO et Google Ads",
        "Référencement naturel et campagnes publicitaires pour PME.",
        ("seo", "online-advertising"),
        ("fr", "es"),
        "brussels",
        False,
    ),
    "tim": (
        "Tim Claessens",
        "Business coach",
        "Coaching voor ondernemers: pitchen, spreken in het openbaar, leiderschap.",
        ("business-coaching", "public-speaking"),
        ("nl", "en"),
        "antwerp",
        False,
    ),
    "amelie": (
        "Amélie Petit",
        "Community manager",
        "Je gère les réseaux sociaux et les newsletters d'associations.",
        ("social-media", "community-management", "email-marketing"),
        ("fr",),
        "liege",
        True,
    ),
    "sam": (
        "Sam Peters",
        "IT support & networks",
        "I fix laptops, printers and office wifi.",
        ("it-support", "cybersecurity"),
        ("en", "nl", "fr"),
        "brussels",
        False,
    ),
    "hanne": (
        "Hanne Wouters",
        "Evenementenplanner",
        "Ik organiseer teamdagen, seminaries en netwerkevents.",
        ("event-planning", "catering"),
        ("nl",),
        "antwerp",
        False,
    ),
    "ruben": (
        "Ruben Desmet",
        "Webshops op maat",
        "I build online shops and websites for small brands: product pages, payments, shipping.",
        ("e-commerce", "web-design"),
        ("nl", "en", "fr"),
        "brussels",
        True,
    ),
    "paul": (
        "Paul Renard",
        "Menuisier – mobilier sur mesure",
        "Je fabrique des meubles et des aménagements en bois.",
        ("woodworking", "handyman"),
        ("fr",),
        "namur",
        False,
    ),
}

SPACES = {
    "brussels": ("Coworking Ixelles", "Ixelles", "brussels"),
    "gent": ("Gentse Werkplaats", "Gent", "flanders"),
    "antwerp": ("Loft Antwerpen", "Antwerpen", "flanders"),
    "namur": ("Atelier Namur", "Namur", "wallonia"),
    "liege": ("Forge Liège", "Liège", "wallonia"),
    "mons": ("Quai Mons", "Mons", "wallonia"),
}


def distractors() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(username, name, headline, skills): one member per profession of the demo network, offering
    its first three skills, all in Mons and busy. They compete on skills with the people above;
    the people above should still be among the first on what their profiles say, as the search
    ranks them."""
    from community.demo.members import PROFESSIONS

    return [(f"other-{p.key}", f"{p.fr} Mons", f"{p.en} · {p.nl}", tuple(p.offers[:3])) for p in PROFESSIONS]


# (title, description, typed skills, space key or None, who should be in the top 3)
REQUESTS: list[tuple[str, str, tuple[str, ...], str | None, str]] = [
    (
        # The example: the search reads "shop's website" as e-commerce too; the skill the
        # author chose says what is needed (a translator), so no web shop builder is suggested.
        "Translate my shop's website from French to Dutch",
        "We sell tea online: about twenty product pages, the checkout and the newsletter.",
        ("translation",),
        "brussels",
        "anne",
    ),
    (
        "Qui peut traduire mon site en néerlandais ?",
        "Mon site vitrine fait une dizaine de pages. J'aimerais une version en néerlandais avant la rentrée.",
        (),
        "brussels",
        "anne",
    ),
    (
        "Wie kan mijn boekhouding nakijken?",
        "Ik ben sinds januari zelfstandige en wil zeker zijn dat mijn boekhouding en btw in orde zijn.",
        (),
        "gent",
        "jan",
    ),
    (
        "Looking for a photographer for our team page",
        "We are eight people and would like simple, friendly portraits for our website. Any day next week.",
        (),
        "brussels",
        "marc",
    ),
    (
        "Besoin d'un logo pour notre nouvelle asbl",
        "Nous lançons une asbl de quartier et cherchons quelqu'un pour créer un logo simple et une petite charte.",
        (),
        None,
        "julie",
    ),
    (
        "Tuinarchitect gezocht voor een kleine stadstuin",
        "Onze binnenkoer van 40 m² verdient beter. Wie kan een ontwerp maken met veel groen?",
        (),
        "gent",
        "bram",
    ),
    (
        "Need help with GDPR for our newsletter sign-up",
        "We collect emails on our website and want to be sure our privacy notice and consent are right.",
        (),
        None,
        "koen",
    ),
    (
        "Quelqu'un pour réparer notre site WordPress ?",
        "Depuis la mise à jour, notre boutique WooCommerce affiche une page blanche. Urgent !",
        ("wordpress",),
        "namur",
        "lucas",
    ),
    (
        "Certificat PEB pour la vente de mon bureau",
        "Je vends un petit bureau à Liège et j'ai besoin du certificat PEB rapidement.",
        (),
        "liege",
        "karim",
    ),
    (
        "Iemand die me kan helpen mijn pitch te oefenen?",
        "Volgende maand pitch ik voor investeerders. Ik zoek een coach om het spreken in het openbaar te oefenen.",
        (),
        "antwerp",
        "tim",
    ),
    (
        "Who can help us prepare a fundraising round?",
        "Our start-up needs a business plan and a financial model before we meet business angels.",
        (),
        "brussels",
        "laura",
    ),
    (
        "On cherche un vidéaste avec un drone",
        "Pour filmer notre espace de coworking vu du ciel et faire une petite vidéo de présentation.",
        (),
        None,
        "bert",
    ),
    (
        "Lessen Nederlands voor mijn Franstalige collega's",
        "Twee collega's willen hun Nederlands verbeteren, liefst op de werkplek tijdens de middag.",
        (),
        "brussels",
        "griet",
    ),
    (
        "Our office wifi keeps dropping",
        "Since last week the wifi in our meeting room disconnects every ten minutes. Anyone good with networks?",
        (),
        "brussels",
        "sam",
    ),
    (
        "Besoin d'aide pour animer nos réseaux sociaux",
        "Notre coopérative publie peu sur Instagram et Facebook. Qui pourrait nous aider à tenir un rythme ?",
        (),
        "liege",
        "amelie",
    ),
    (
        "Wie organiseert een teamdag voor 30 mensen?",
        "We zoeken iemand die een teamdag met lunch en workshop kan organiseren in juni.",
        (),
        "antwerp",
        "hanne",
    ),
    (
        "Une étagère sur mesure pour la salle de réunion",
        "Nous voudrions une grande étagère en bois pour la salle de réunion. Un menuisier dans le réseau ?",
        ("menuisier",),
        "namur",
        "paul",
    ),
]
