"""Version 1 of the terms of use and the privacy notice in English, French and Dutch.

The network's managers edit them in the admin (profiles.LegalText); a new version is a new row.
"""

from django.db import migrations
from django.utils import timezone

TEXTS = {
    ("terms", "en"): (
        "Terms of use",
        "Coworking Belgium connects the members of coworking spaces in Brussels, Flanders and Wallonia.\n\n"
        "Be kind and honest: your profile describes you, your messages and help requests are your own. "
        "Do not post what you have no right to share, nor anything unlawful, hateful or misleading.\n\n"
        "The network's managers may hide content or suspend an account that breaks these rules.\n\n"
        "You may leave at any time: your data page lets you download your data and delete your account.",
    ),
    ("terms", "fr"): (
        "Conditions d'utilisation",
        "Coworking Belgium relie les membres des espaces de coworking de Bruxelles, de Flandre et de Wallonie.\n\n"
        "Soyez bienveillant et honnête : votre profil vous décrit, vos messages et demandes d'aide sont les vôtres. "
        "Ne publiez rien que vous n'avez pas le droit de partager, ni rien d'illégal, de haineux ou de trompeur.\n\n"
        "Les gestionnaires du réseau peuvent masquer un contenu ou suspendre un compte qui enfreint ces règles.\n\n"
        "Vous pouvez partir à tout moment : votre page de données permet de les télécharger et de supprimer votre compte.",
    ),
    ("terms", "nl"): (
        "Gebruiksvoorwaarden",
        "Coworking Belgium verbindt de leden van coworkingruimtes in Brussel, Vlaanderen en Wallonië.\n\n"
        "Wees vriendelijk en eerlijk: je profiel beschrijft jou, je berichten en hulpvragen zijn van jou. "
        "Plaats niets wat je niet mag delen, en niets onwettigs, haatdragends of misleidends.\n\n"
        "De beheerders van het netwerk kunnen inhoud verbergen of een account schorsen dat deze regels overtreedt.\n\n"
        "Je kunt altijd vertrekken: op je gegevenspagina download je je gegevens en verwijder je je account.",
    ),
    ("privacy", "en"): (
        "Privacy notice",
        "What we keep: your account (username, email, password hash), your profile and photo, your skills, "
        "spaces, plans and check-ins, your event RSVPs and free-trial requests, your help requests and replies, "
        "the messages and files you send, your notifications, notification settings and the devices that "
        "receive them, and which version of these texts you accepted.\n\n"
        "Why: to run the network you joined (the contract), and nothing else. We never sell your data.\n\n"
        "Download: on your data page, \"Prepare my archive\" builds a ZIP with all of it (JSON and your files). "
        "Only you can download it, for a few days.\n\n"
        "Delete: on the same page, after your password, your account and data are erased at once, search "
        "included. The messages you sent stay in place in the others' conversations as \"message deleted\" "
        "from a former member: their text, files and reactions are removed, so the others' history keeps "
        "its order without keeping your words.\n\n"
        "Questions: write to the managers of your space.",
    ),
    ("privacy", "fr"): (
        "Politique de confidentialité",
        "Ce que nous gardons : votre compte (nom d'utilisateur, e-mail, empreinte du mot de passe), votre profil "
        "et votre photo, vos compétences, espaces, formules et présences, vos inscriptions aux événements et "
        "demandes de journée d'essai, vos demandes d'aide et réponses, les messages et fichiers que vous envoyez, "
        "vos notifications, vos préférences et les appareils qui les reçoivent, et la version de ces textes "
        "que vous avez acceptée.\n\n"
        "Pourquoi : pour faire fonctionner le réseau que vous avez rejoint (le contrat), rien d'autre. Nous ne "
        "vendons jamais vos données.\n\n"
        "Télécharger : sur votre page de données, « Préparer mon archive » crée un ZIP qui contient tout (JSON et "
        "vos fichiers). Vous seul pouvez le télécharger, pendant quelques jours.\n\n"
        "Supprimer : sur la même page, après votre mot de passe, votre compte et vos données sont effacés "
        "aussitôt, recherche comprise. Les messages que vous avez envoyés restent à leur place dans les "
        "conversations des autres, comme « message supprimé » d'un ancien membre : leur texte, leurs fichiers et "
        "leurs réactions sont retirés.\n\n"
        "Questions : écrivez aux gestionnaires de votre espace.",
    ),
    ("privacy", "nl"): (
        "Privacyverklaring",
        "Wat we bewaren: je account (gebruikersnaam, e-mail, wachtwoordhash), je profiel en foto, je "
        "vaardigheden, ruimtes, formules en check-ins, je inschrijvingen voor evenementen en aanvragen voor een "
        "proefdag, je hulpvragen en antwoorden, de berichten en bestanden die je stuurt, je meldingen, "
        "meldingsvoorkeuren en de toestellen die ze ontvangen, en welke versie van deze teksten je aanvaardde.\n\n"
        "Waarom: om het netwerk te laten werken waar je lid van werd (de overeenkomst), niets anders. We verkopen "
        "je gegevens nooit.\n\n"
        "Downloaden: op je gegevenspagina maakt \"Mijn archief voorbereiden\" een ZIP met alles (JSON en je "
        "bestanden). Alleen jij kunt het downloaden, een paar dagen lang.\n\n"
        "Verwijderen: op dezelfde pagina worden na je wachtwoord je account en gegevens meteen gewist, ook in de "
        "zoekfunctie. De berichten die je stuurde blijven op hun plaats in de gesprekken van anderen, als "
        "\"bericht verwijderd\" van een voormalig lid: hun tekst, bestanden en reacties worden verwijderd.\n\n"
        "Vragen: schrijf naar de beheerders van je ruimte.",
    ),
}


def create(apps, schema_editor):
    LegalText = apps.get_model("profiles", "LegalText")
    now = timezone.now()
    for (kind, language), (title, body) in TEXTS.items():
        LegalText.objects.get_or_create(
            kind=kind, version=1, language=language, defaults={"title": title, "body": body, "published_at": now}
        )


class Migration(migrations.Migration):
    dependencies = [("profiles", "0006_privacy_exports_and_consent")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
