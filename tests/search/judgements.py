"""The relevance judgements on the demo network: "who can help me?" needs as members type them.

Each need is the text typed (French, Dutch or English), its kind, and the judge's reading of it:
the canonical skills a helpful member must offer (`"bookkeeping|accounting"`: either will do;
several space-separated skills: all of them), the languages the helper must speak, the place
the request names (a key of grading.PLACES) and who searches (the demo login unless said).
The needs were written from the taxonomy (profiles/data/skills.json) and the demo's professions
(community/demo/members.py), never from what a search engine returns or how it parses text.
grading.py turns an intent into grades, member by member, from the demo data.

Half of the needs tune the engine (TUNING), the other half are held out (HELD_OUT): a stable hash
of the text decides, so adding a need never moves another one to the other half. HELD_OUT is what
measures progress: tune on TUNING's misses, not on HELD_OUT's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DEMO = "demo"  # the demo login: Camille Janssens, web developer at the Hub Porte de Namur (Ixelles)
# Searchers elsewhere, for "near me" needs (members of the demo network at its default size).
IN_LIEGE, IN_GENT, IN_NAMUR = "lena.vandamme98", "sam.khan21", "francoise.hubin280"

KINDS = [
    "sentence",
    "word",
    "typo",
    "jargon",
    "spoken-language",
    "place",
    "several-skills",
    "no-answer",
    "name",
]

# Skills that are equally good answers to a common request.
ACCOUNTS = "bookkeeping|accounting"
LAWYER = "legal-advice|employment-law|intellectual-property|gdpr|company-formation"
COACH = "business-coaching|life-coaching|career-coaching"
WEBSITE = "web-development|web-design|wordpress"
GARDEN = "garden-architecture|gardening-permaculture"
TRANSLATE = "translation|localisation"
VIDEO = "video-production|video-editing"
MARKETER = "marketing-strategy|digital-marketing"

# The split: the parity of a salted hash of the text. The salt was picked (by trying salts on the
# needs' texts alone) so that every kind is split close to half and half.
SPLIT_SALT = "judge-4182"
TUNING_HALF, HELD_OUT_HALF = "tuning", "held-out"


@dataclass(frozen=True)
class Need:
    text: str
    lang: str  # "fr", "nl" or "en"
    kind: str  # one of KINDS
    skills: tuple[tuple[str, ...], ...] = ()  # each: the slugs of which the helper offers one
    languages: tuple[str, ...] = ()  # ISO codes the helper must speak
    place: str | None = None  # a key of grading.PLACES
    searcher: str = DEMO
    name: str | None = None  # name needs: the name typed, as the judge reads it
    topic: tuple[str, ...] = ()  # no-answer needs outside the taxonomy: the word stems nobody offers

    @property
    def half(self) -> str:
        digest = hashlib.sha256(f"{SPLIT_SALT}:{self.text}".encode()).digest()
        return HELD_OUT_HALF if digest[0] % 2 else TUNING_HALF


def _kind(kind: str):
    def make(
        text: str,
        lang: str,
        skills: str = "",
        *,
        speaks: str = "",
        at: str | None = None,
        by: str = DEMO,
        name: str | None = None,
        topic: str = "",
    ) -> Need:
        return Need(
            text=text,
            lang=lang,
            kind=kind,
            skills=tuple(tuple(skill.split("|")) for skill in skills.split()),
            languages=tuple(speaks.split()),
            place=at,
            searcher=by,
            name=name,
            topic=tuple(topic.split()),
        )

    return make


sentence, word, typo, jargon = _kind("sentence"), _kind("word"), _kind("typo"), _kind("jargon")
spoken, located, several = _kind("spoken-language"), _kind("place"), _kind("several-skills")
nobody, named = _kind("no-answer"), _kind("name")

NEEDS: list[Need] = [
    # --- full sentences ---------------------------------------------------------------------------
    sentence("I need someone to translate my shop's website into Dutch", "en", TRANSLATE, speaks="nl"),
    sentence("looking for someone who can design a logo for my bakery", "en", "logo-design"),
    sentence("can anyone help me file my taxes this year?", "en", "tax-advice"),
    sentence("help me set up a web shop for my ceramics", "en", "e-commerce"),
    sentence("I'd like someone to take photos of my new products", "en", "photography"),
    sentence("who can help me write a business plan for the bank", "en", "business-plan"),
    sentence("we need a lawyer to check our terms and conditions", "en", "legal-advice"),
    sentence("my website doesn't show up on google, can someone help", "en", "seo"),
    sentence("need a hand with my bookkeeping, I'm behind on everything", "en", "bookkeeping"),
    sentence("looking for a coach to help me after a burn-out", "en", "life-coaching|wellbeing-at-work"),
    sentence("someone to edit the videos of our conference", "en", "video-editing"),
    sentence("I want to make my house more energy efficient", "en", "energy-performance|renovation-advice"),
    sentence("we are organising a team day and need a facilitator", "en", "team-facilitation"),
    sentence("who can build a mobile app for my restaurant", "en", "mobile-apps"),
    sentence("I need help finding investors for my start-up", "en", "fundraising"),
    sentence("I need a set of icons for my app", "en", "graphic-design|illustration|ui-design"),
    sentence("j'ai besoin de quelqu'un pour ma compta", "fr", ACCOUNTS),
    sentence("je cherche quelqu'un pour traduire mon site en néerlandais", "fr", TRANSLATE, speaks="nl"),
    sentence("qui peut m'aider à refaire mon site internet ?", "fr", WEBSITE),
    sentence("je voudrais un logo pour mon asbl", "fr", "logo-design"),
    sentence("quelqu'un pour gérer mes réseaux sociaux ?", "fr", "social-media|community-management"),
    sentence("je cherche un architecte pour agrandir ma maison", "fr", "architecture"),
    sentence("j'aimerais aménager mon jardin, qui peut me conseiller", "fr", GARDEN),
    sentence("on cherche quelqu'un pour filmer notre mariage avec un drone", "fr", "drone-filming"),
    sentence("je dois rédiger les conditions générales de ma boutique", "fr", "legal-advice"),
    sentence("qui pourrait relire mon mémoire avant lundi ?", "fr", "proofreading"),
    sentence("je veux créer ma société, par où commencer ?", "fr", "company-formation"),
    sentence("besoin d'un coup de main pour me mettre en ordre avec le RGPD", "fr", "gdpr"),
    sentence("nous cherchons un traiteur pour un lunch de 40 personnes", "fr", "catering"),
    sentence("je cherche quelqu'un pour faire mes factures chaque mois", "fr", "invoicing"),
    sentence("qui peut m'apprendre à parler en public sans stresser", "fr", "public-speaking"),
    sentence("ik zoek iemand die mijn logo kan ontwerpen", "nl", "logo-design"),
    sentence("wie kan mij helpen met mijn boekhouding?", "nl", "bookkeeping"),
    sentence("ik heb iemand nodig om mijn website naar het Frans te vertalen", "nl", TRANSLATE, speaks="fr"),
    sentence("wie kan een huisstijl maken voor mijn nieuwe zaak", "nl", "branding"),
    sentence("ik wil mijn huis renoveren en zoek advies", "nl", "renovation-advice"),
    sentence("we zoeken iemand om foto's te nemen op ons event", "nl", "photography"),
    sentence("kan iemand mij helpen met de opmaak van een brochure?", "nl", "print-design"),
    sentence("ik zoek een coach om mijn loopbaan een nieuwe richting te geven", "nl", "career-coaching"),
    sentence("wie kan nieuwe medewerkers voor ons rekruteren", "nl", "hr-recruitment"),
    sentence("ik heb hulp nodig bij het opstellen van een arbeidscontract", "nl", "employment-law"),
    sentence("ik zoek iemand die een webshop kan bouwen", "nl", "e-commerce"),
    sentence("wie helpt ons met zonnepanelen op het dak?", "nl", "renewable-energy"),
    sentence("we willen een podcast starten, wie kan helpen?", "nl", "podcasting"),
    sentence("iemand die ondertitels kan maken voor onze video's", "nl", "subtitling"),
    # --- single words (some only appear inside a longer synonym of the taxonomy) -----------------
    word("traducteur", "fr", "translation"),
    word("comptable", "fr", ACCOUNTS),
    word("graphiste", "fr", "graphic-design"),
    word("jardin", "fr", GARDEN),
    word("permis", "fr", "architecture"),
    word("menuisier", "fr", "woodworking"),
    word("illustratrice", "fr", "illustration"),
    word("stress", "fr", "wellbeing-at-work"),
    word("marque", "fr", "branding|intellectual-property"),
    word("impôts", "fr", "tax-advice"),
    word("vertaler", "nl", "translation"),
    word("boekhouder", "nl", ACCOUNTS),
    word("fotograaf", "nl", "photography"),
    word("tuin", "nl", GARDEN),
    word("contract", "nl", "legal-advice"),
    word("ondertiteling", "nl", "subtitling"),
    word("tolk", "nl", "interpreting"),
    word("energie", "nl", "renewable-energy|energy-performance"),
    word("huisstijl", "nl", "branding"),
    word("subsidies", "nl", "grants-subsidies"),
    word("photographer", "en", "photography"),
    word("website", "en", WEBSITE),
    word("shop", "en", "e-commerce"),
    word("lawyer", "en", LAWYER),
    word("video", "en", VIDEO),
    word("brand", "en", "branding"),
    word("copywriter", "en", "copywriting"),
    word("architect", "en", "architecture"),
    # --- typos, misspelt feminine and plural forms ------------------------------------------------
    typo("traductrise", "fr", "translation"),
    typo("traductrisses", "fr", "translation"),
    typo("comptabel", "fr", ACCOUNTS),
    typo("comptabilitée", "fr", "bookkeeping"),
    typo("graphsite", "fr", "graphic-design"),
    typo("architecte paysagite", "fr", "garden-architecture"),
    typo("photografe", "fr", "photography"),
    typo("dévelopeur web", "fr", "web-development"),
    typo("avocate droit du traval", "fr", "employment-law"),
    typo("illustratrise", "fr", "illustration"),
    typo("référencemnt", "fr", "seo"),
    typo("menuisiére", "fr", "woodworking"),
    typo("organisatrise d'évenements", "fr", "event-planning"),
    typo("tuinarchitekt", "nl", "garden-architecture"),
    typo("vertaalser", "nl", "translation"),
    typo("boekhoudng", "nl", "bookkeeping"),
    typo("grafies ontwerper", "nl", "graphic-design"),
    typo("fotografe", "nl", "photography"),
    typo("webontwikkelaat", "nl", "web-development"),
    typo("interieurarchitekt", "nl", "interior-architecture"),
    typo("boekhouders", "nl", ACCOUNTS),
    typo("advokaat", "nl", LAWYER),
    typo("transalte my website", "en", TRANSLATE),
    typo("acountant", "en", ACCOUNTS),
    typo("photgrapher", "en", "photography"),
    typo("grafic designer", "en", "graphic-design"),
    typo("landscape architecht", "en", "garden-architecture"),
    typo("wordpres developer", "en", "wordpress"),
    typo("bookeeping", "en", "bookkeeping"),
    typo("intrepreter", "en", "interpreting"),
    typo("seo consulant", "en", "seo"),
    typo("videografer", "en", "video-production"),
    typo("carrer coach", "en", "career-coaching"),
    typo("ilustrator", "en", "illustration"),
    # --- jargon and acronyms ----------------------------------------------------------------------
    jargon("SEO", "en", "seo"),
    jargon("UX", "en", "ux-design"),
    jargon("BTW-aangifte", "nl", "vat"),
    jargon("TVA", "fr", "vat"),
    jargon("CMS", "en", "wordpress|web-development"),
    jargon("React", "en", "front-end"),
    jargon("PEB", "fr", "energy-performance"),
    jargon("EPC-attest", "nl", "energy-performance"),
    jargon("RGPD", "fr", "gdpr"),
    jargon("GDPR compliance", "en", "gdpr"),
    jargon("SEA google ads", "en", "online-advertising"),
    jargon("Django", "en", "python"),
    jargon("pentest", "en", "cybersecurity"),
    jargon("bilan carbone", "fr", "sustainability-consulting"),
    jargon("CSRD-rapportering", "nl", "sustainability-consulting"),
    jargon("Power BI dashboard", "en", "data-analysis"),
    jargon("Figma", "en", "ui-design"),
    jargon("WooCommerce", "en", "e-commerce"),
    jargon("AutoCAD", "fr", "technical-drawing"),
    jargon("statuts SRL", "fr", "company-formation"),
    jargon("Peppol e-facturatie", "nl", "invoicing"),
    jargon("comptes annuels ASBL", "fr", "accounting"),
    jargon("help with VAT filing", "en", "vat"),
    jargon("NT2", "nl", "dutch-lessons"),
    jargon("After Effects", "en", "motion-design"),
    jargon("BIM Revit", "nl", "architecture|3d-modelling"),
    # --- spoken-language constraints --------------------------------------------------------------
    spoken("traducteur qui parle allemand", "fr", "translation", speaks="de"),
    spoken("someone who speaks Dutch to help with my accounting", "en", ACCOUNTS, speaks="nl"),
    spoken("quelqu'un qui parle néerlandais pour mon site web", "fr", WEBSITE, speaks="nl"),
    spoken("een webontwikkelaar die Engels spreekt", "nl", "web-development", speaks="en"),
    spoken("graphic designer who speaks French", "en", "graphic-design", speaks="fr"),
    spoken("architecte qui parle anglais", "fr", "architecture", speaks="en"),
    spoken("boekhouder die Frans spreekt", "nl", ACCOUNTS, speaks="fr"),
    spoken("coach die Spaans spreekt", "nl", COACH, speaks="es"),
    spoken("interprète arabe français", "fr", "interpreting", speaks="ar fr"),
    spoken("vertaler Duits", "nl", "translation", speaks="de"),
    spoken("translator who speaks Italian", "en", "translation", speaks="it"),
    spoken("avocat qui parle néerlandais", "fr", LAWYER, speaks="nl"),
    spoken("a photographer who speaks English", "en", "photography", speaks="en"),
    spoken("iemand die Pools spreekt", "nl", speaks="pl"),
    spoken("prof de néerlandais néerlandophone", "fr", "dutch-lessons", speaks="nl"),
    spoken("English speaking lawyer for my start-up", "en", LAWYER, speaks="en"),
    spoken("développeur qui parle portugais", "fr", "software-development|web-development", speaks="pt"),
    spoken("marketing consultant who speaks German", "en", MARKETER, speaks="de"),
    spoken("comptable anglophone", "fr", ACCOUNTS, speaks="en"),
    spoken("Nederlandstalige fotograaf", "nl", "photography", speaks="nl"),
    spoken("franstalige grafisch ontwerper", "nl", "graphic-design", speaks="fr"),
    spoken("someone who speaks Arabic", "en", speaks="ar"),
    spoken("designer UX qui parle espagnol", "fr", "ux-design", speaks="es"),
    # --- places: cities, Brussels municipalities, regions, "near me" ------------------------------
    located("graphiste à Namur", "fr", "graphic-design", at="namur"),
    located("comptable à Liège", "fr", ACCOUNTS, at="liege"),
    located("boekhouder in Luik", "nl", ACCOUNTS, at="liege"),
    located("translator in Antwerp", "en", "translation", at="antwerpen"),
    located("traducteur à Anvers", "fr", "translation", at="antwerpen"),
    located("webontwikkelaar in Gent", "nl", "web-development", at="gent"),
    located("web developer in Ghent", "en", "web-development", at="gent"),
    located("architecte à Gand", "fr", "architecture", at="gent"),
    located("photographer in Leuven", "en", "photography", at="leuven"),
    located("avocat près d'Ixelles", "fr", LAWYER, at="ixelles"),
    located("fotograaf in Elsene", "nl", "photography", at="ixelles"),
    located("graphic designer near Ixelles", "en", "graphic-design", at="ixelles"),
    located("coach en Wallonie", "fr", COACH, at="wallonia"),
    located("vertaler in Wallonië", "nl", "translation", at="wallonia"),
    located("architect in Vlaanderen", "nl", "architecture", at="flanders"),
    located("comptable en Flandre", "fr", ACCOUNTS, at="flanders"),
    located("lawyer in Brussels", "en", LAWYER, at="brussels"),
    located("boekhouder in Brussel", "nl", ACCOUNTS, at="brussels"),
    located("développeur web à Bruxelles", "fr", "web-development", at="brussels"),
    located("evenementenplanner in de buurt van Mechelen", "nl", "event-planning", at="mechelen"),
    located("paysagiste à Charleroi", "fr", "garden-architecture", at="charleroi"),
    located("photographer in Bruges", "en", "photography", at="brugge"),
    located("organisatrice d'événements à Namur", "fr", "event-planning", at="namur"),
    located("architecte d'intérieur à Uccle", "fr", "interior-architecture", at="uccle"),
    located("interieurarchitect in Ukkel", "nl", "interior-architecture", at="uccle"),
    located("social media manager in Schaerbeek", "en", "social-media", at="schaerbeek"),
    located("vidéaste à Louvain-la-Neuve", "fr", VIDEO, at="louvain-la-neuve"),
    located("copywriter in Hasselt", "nl", "copywriting", at="hasselt"),
    located("traducteur à Molenbeek", "fr", "translation", at="molenbeek"),
    located("conseil en développement durable à Wavre", "fr", "sustainability-consulting", at="wavre"),
    located("garden designer in Kortrijk", "en", "garden-architecture", at="kortrijk"),
    located("architecte à Courtrai", "fr", "architecture", at="kortrijk"),
    located("IT support in Waterloo", "en", "it-support", at="waterloo"),
    located("un comptable près de chez moi", "fr", ACCOUNTS, at="liege", by=IN_LIEGE),
    located("een fotograaf in de buurt", "nl", "photography", at="gent", by=IN_GENT),
    located("a web developer near me", "en", "web-development", at="namur", by=IN_NAMUR),
    # --- several skills at once -------------------------------------------------------------------
    several("logo et identité visuelle", "fr", "logo-design branding"),
    several("traduction et relecture", "fr", "translation proofreading"),
    several("graphic design and illustration", "en", "graphic-design illustration"),
    several("boekhouding en btw", "nl", "bookkeeping vat"),
    several("photo and video for our launch", "en", "photography video-editing|video-production"),
    several("SEO and online ads", "en", "seo online-advertising"),
    several("comptabilité, TVA et fiscalité", "fr", "bookkeeping vat tax-advice"),
    several("webdesign, wordpress en SEO", "nl", "web-design wordpress seo"),
    several("UX and UI design for our app", "en", "ux-design ui-design"),
    several("architecte avec rendus 3D", "fr", "architecture 3d-modelling"),
    several("ondernemingsplan en subsidies", "nl", "business-plan grants-subsidies"),
    several("contrats et propriété intellectuelle", "fr", "legal-advice intellectual-property"),
    several("front-end and back-end developer", "en", "front-end back-end"),
    several("interpreting and translation", "en", "interpreting translation"),
    several("renovatie en energieprestatie", "nl", "renovation-advice energy-performance"),
    several("permaculture et aménagement de jardin", "fr", "gardening-permaculture garden-architecture"),
    several("social media and content marketing", "en", "social-media content-marketing"),
    several("evenement organiseren met catering", "nl", "event-planning catering"),
    several("coaching de carrière et recrutement", "fr", "career-coaching hr-recruitment"),
    several("python and data analysis", "en", "python data-analysis"),
    several("GDPR, contracts and company formation", "en", "gdpr legal-advice company-formation"),
    several("logo, huisstijl en drukwerk", "nl", "logo-design branding print-design"),
    several("montage vidéo, drone et photo", "fr", "video-editing drone-filming photography"),
    several("e-commerce, logistique et import-export", "fr", "e-commerce logistics import-export"),
    # --- no answer: what nobody in the demo offers ------------------------------------------------
    # In the taxonomy, but no profession of the demo offers it:
    nobody("transcription d'interviews", "fr", "transcription"),
    nobody("voice-over voor een reclamespot", "nl", "voice-over"),
    nobody("a composer for a jingle", "en", "music"),
    nobody("guitar lessons", "en", "music"),
    nobody("fietsenmaker", "nl", "bike-repair"),
    nobody("couturière pour des retouches", "fr", "sewing-textile"),
    nobody("klusjesman", "nl", "handyman"),
    nobody("psychologue", "fr", "psychology-therapy"),
    nobody("mediator for a conflict between partners", "en", "mediation"),
    nobody("ingénieur en stabilité", "fr", "structural-engineering"),
    nobody("newsletter mailchimp", "en", "email-marketing"),
    nobody("crowdfundingcampagne", "nl", "crowdfunding"),
    nobody("vergaderzaal huren", "nl", "venue-rental"),
    nobody("technical writer for user manuals", "en", "technical-writing"),
    nobody("cours d'espagnol", "fr", "other-language-lessons"),
    # Not in the taxonomy at all (the stems are checked against it and the demo's profiles):
    nobody("plombier", "fr", topic="plomb"),
    nobody("loodgieter voor een lek", "nl", topic="loodgiet"),
    nobody("tattoo artist", "en", topic="tattoo tatou"),
    nobody("vétérinaire pour mon chat", "fr", topic="veterin"),
    nobody("electrician to fix my sockets", "en", topic="electrician elektricien"),
    nobody("kapper", "nl", topic="kapper coiff"),
    nobody("babysitter on wednesday afternoons", "en", topic="babysit"),
    nobody("dentiste", "fr", topic="dentist tandarts"),
    nobody("un serrurier, j'ai perdu mes clés", "fr", topic="serrur slotenmaker locksmith"),
    nobody("een dierenarts voor mijn hond", "nl", topic="dierenarts veterin"),
    nobody("a dog walker", "en", topic="dog hond"),
    # --- names ------------------------------------------------------------------------------------
    named("Paige North", "en", name="Paige North"),
    named("delphine muller", "fr", name="Delphine Müller"),
    named("Lucas Decoster", "nl", name="Lucas Decoster"),
    named("Pascal Charlier", "fr", name="Pascal Charlier"),
    named("Neil Patel", "en", name="Neil Patel"),
    named("Verdonck", "nl", name="Verdonck"),
]

TUNING: list[Need] = [need for need in NEEDS if need.half == TUNING_HALF]
HELD_OUT: list[Need] = [need for need in NEEDS if need.half == HELD_OUT_HALF]
