"""The benchmark's fixed mix of 50 requests: sentences, single words, typos, synonyms, names and
half-typed words (search-as-you-type), in French, Dutch and English."""

QUERIES = [
    # English sentences and words
    "I need someone to translate my website into Dutch",
    "looking for a graphic designer for our new brand",
    "who can help me with my VAT return",
    "web developer",
    "photographer for a corporate event",
    "help with GDPR and privacy policy",
    "landscape architect",
    "social media manager",
    "business coach for a start-up founder",
    "subtitles for a video",
    "english teacher",
    "3d printing prototype",
    # French
    "j'ai besoin d'un graphiste pour mon logo",
    "comptable",
    "traducteur néerlandais",
    "cherche un architecte pour une rénovation",
    "avocat droit du travail",
    "cours de néerlandais",
    "référencement naturel",
    "développeur wordpress",
    "organisation d'événements d'entreprise",
    "vidéaste",
    "coach de vie",
    "conseil en développement durable",
    # Dutch
    "vertaler Frans",
    "boekhouder gezocht",
    "tuinarchitect",
    "fotograaf voor bedrijfsfotografie",
    "huisstijl en logo",
    "advocaat",
    "loopbaancoach",
    "iemand voor mijn webshop",
    "leraar Nederlands",
    "energiedeskundige EPB",
    # Typos
    "archtect",
    "grafiste",
    "comptabel",
    "wordpres",
    "vertaaler",
    "tuinarchitekt",
    "developper web",
    # Names
    "Janssens",
    "Dubois",
    "Peeters graphic",
    # Half-typed (search-as-you-type)
    "trad",
    "boekh",
    "archi",
    "graphis",
    "photog",
    "coach",
]
assert len(QUERIES) == 50
