"""Members, their skills and the canonical skill taxonomy.

Skills are django-taggit tags on a custom tag model, `SkillTag`, that may point at a canonical
`Skill` of the taxonomy: "vertaler", "traductrice" and "translation" all land on the one tag of
the canonical skill, while a free tag nobody foresaw stays a tag of its own (skill = None).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from profiles.terms import normalize_term


class SkillCategory(models.Model):
    slug = models.SlugField(primary_key=True, max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)

    class Meta:
        verbose_name = _("skill category")
        verbose_name_plural = _("skill categories")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized_label(self)


class Skill(models.Model):
    """A canonical skill with its labels in the three languages and the words people use for it."""

    slug = models.SlugField(unique=True, max_length=80)
    category = models.ForeignKey(SkillCategory, on_delete=models.PROTECT, related_name="skills")
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    # Lower-case forms in any of the three languages, one per line ("traducteur", "vertaler").
    synonyms = models.TextField(_("synonyms"), blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized_label(self)

    def synonym_list(self) -> list[str]:
        return [line.strip() for line in self.synonyms.splitlines() if line.strip()]


def localized_label(obj: Skill | SkillCategory) -> str:
    """The name in the active language (English when the language is not one of ours)."""
    lang = (translation.get_language() or "en")[:2]
    return getattr(obj, f"name_{lang}", None) or obj.name_en


class SkillTag(TagBase):
    """A taggit tag that may be the tag of a canonical skill."""

    skill = models.OneToOneField(Skill, null=True, blank=True, on_delete=models.SET_NULL, related_name="tag")
    # The name folded by `terms.normalize_term`: "Décoration " and "decoration" are one free tag.
    normalized = models.CharField(max_length=100, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("skill tag")
        verbose_name_plural = _("skill tags")

    @property
    def label(self) -> str:
        return self.skill.label if self.skill_id else self.name

    @property
    def is_canonical(self) -> bool:
        return self.skill_id is not None

    def save(self, *args, **kwargs) -> None:
        self.normalized = normalize_term(self.name)[:100]
        super().save(*args, **kwargs)


class OfferedSkill(TaggedItemBase):
    # `member.offered_items` lets a page prefetch the rows with their tag and skill in one query.
    content_object = models.ForeignKey(
        "profiles.Member", on_delete=models.CASCADE, related_name="offered_items"
    )
    tag = models.ForeignKey(SkillTag, on_delete=models.CASCADE, related_name="offered_by")

    class Meta:
        unique_together = [("content_object", "tag")]
        # "Who offers skill X" without reading the rows (directory skill filters, matching).
        indexes = [models.Index(fields=["tag", "content_object"], name="offered_tag_member")]


class WantedSkill(TaggedItemBase):
    content_object = models.ForeignKey(
        "profiles.Member", on_delete=models.CASCADE, related_name="wanted_items"
    )
    tag = models.ForeignKey(SkillTag, on_delete=models.CASCADE, related_name="wanted_by")

    class Meta:
        unique_together = [("content_object", "tag")]
        indexes = [models.Index(fields=["tag", "content_object"], name="wanted_tag_member")]


class Language(models.Model):
    """A spoken language, by ISO 639-1 code; labels come from LANGUAGE_NAMES (translatable)."""

    code = models.CharField(primary_key=True, max_length=8)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return str(LANGUAGE_NAMES.get(self.code, self.code))

    @property
    def label(self) -> str:
        return str(self)


LANGUAGE_NAMES = {
    "fr": _("French"),
    "nl": _("Dutch"),
    "en": _("English"),
    "de": _("German"),
    "es": _("Spanish"),
    "it": _("Italian"),
    "pt": _("Portuguese"),
    "ar": _("Arabic"),
    "tr": _("Turkish"),
    "pl": _("Polish"),
    "ro": _("Romanian"),
}


# The account that stands in for members who deleted theirs, where what they did must keep its
# place in others' history (a message in a conversation). "~" cannot be typed in a username at
# signup (UnicodeUsernameValidator), so no one can sign up as it; inactive and hidden, it is
# never listed, searched or logged into.
FORMER_MEMBER_USERNAME = "~former"


class Member(AbstractUser):
    class Kind(models.TextChoices):
        FREELANCER = "freelancer", _("Freelancer")
        STARTUP = "startup", _("Start-up")
        TELEWORKER = "teleworker", _("Teleworker")
        OTHER = "other", _("Other")

    class Visibility(models.TextChoices):
        MEMBERS = "members", _("Members only")
        PUBLIC = "public", _("Public")
        HIDDEN = "hidden", _("Hidden from the directory and search")

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80)
    headline = models.CharField(_("headline"), max_length=140, blank=True)
    bio = models.TextField(_("about me"), max_length=4000, blank=True)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    kind = models.CharField(_("I work as"), max_length=20, choices=Kind.choices, default=Kind.FREELANCER)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="speakers", verbose_name=_("languages")
    )
    home_space = models.ForeignKey(
        "community.Space",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="home_members",
        verbose_name=_("home space"),
    )
    other_spaces = models.ManyToManyField(
        "community.Space", blank=True, related_name="visiting_members", verbose_name=_("other spaces")
    )
    website = models.URLField(_("website"), blank=True)
    linkedin = models.URLField(_("LinkedIn"), blank=True)
    social_link = models.URLField(_("other link"), blank=True)
    avatar = models.ImageField(_("photo"), upload_to="avatars/", blank=True)
    available = models.BooleanField(_("available to help"), default=False, db_index=True)
    offers_free_advice = models.BooleanField(_("free advice"), default=False)
    offers_paid_service = models.BooleanField(_("paid service"), default=False)
    offers_skill_swap = models.BooleanField(_("skill swap"), default=False)
    visibility = models.CharField(
        _("who can see my profile"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        blank=True,
        choices=[("en", "English"), ("fr", "Français"), ("nl", "Nederlands")],
    )

    # Set by the moderators (community.moderation): a hidden profile is listed nowhere and shown to
    # managers only; a suspended or banned account cannot log in (profiles.backends).
    hidden_by_moderators = models.BooleanField(_("hidden by the moderators"), default=False)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    banned = models.BooleanField(_("banned"), default=False)

    skills_offered = TaggableManager(
        _("skills I offer"), through=OfferedSkill, related_name="offering_members", blank=True
    )
    skills_wanted = TaggableManager(
        _("skills I am looking for"), through=WantedSkill, related_name="wanting_members", blank=True
    )

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["visibility", "-date_joined"]),
            # The directory's keyset pagination walks these in order, newest first or by name. They
            # carry the columns the directory filters on, so finding a page's 24 ids never reads
            # the (wide) member rows: on 100,000 members that is the difference that matters.
            models.Index(
                fields=[
                    "date_joined",
                    "id",
                    "visibility",
                    "is_active",
                    "hidden_by_moderators",
                    "available",
                    "home_space",
                ],
                name="member_joined_cover",
            ),
            models.Index(
                Lower("display_name"),
                "id",
                "visibility",
                "is_active",
                "hidden_by_moderators",
                "available",
                "home_space",
                name="member_name_cover",
            ),
            # The same columns by id, for a selective filter ("speaks German and offers drone
            # filming") that starts from its few members and checks each one.
            models.Index(
                "id",
                "date_joined",
                Lower("display_name"),
                "visibility",
                "is_active",
                "hidden_by_moderators",
                "available",
                "home_space",
                name="member_id_cover",
            ),
            # A free-text directory query ("anneleen") reads names, professions and headlines of
            # every visible member: from this index, about a sixth of the table's pages.
            models.Index(
                fields=[
                    "is_active",
                    "hidden_by_moderators",
                    "visibility",
                    "date_joined",
                    "id",
                    "display_name",
                    "profession",
                    "headline",
                    "available",
                    "home_space",
                ],
                name="member_text_cover",
            ),
        ]

    def __str__(self) -> str:
        if self.username == FORMER_MEMBER_USERNAME:
            return str(_("Former member"))  # in the reader's language, wherever a sender shows
        return self.display_name or self.username

    def save(self, *args, **kwargs) -> None:
        if not self.display_name:
            self.display_name = self.get_full_name() or self.username
        super().save(*args, **kwargs)

    @property
    def reading_language(self) -> str:
        """The language the member reads the site and their emails in."""
        return self.preferred_language or settings.LANGUAGE_CODE

    def get_absolute_url(self) -> str:
        return reverse("profiles:detail", kwargs={"username": self.username})

    def is_suspended(self, now=None) -> bool:
        """Suspended at `now` (default: the present); a suspension ends by itself when its time passes."""
        return self.suspended_until is not None and self.suspended_until > (now or timezone.now())

    def may_log_in(self) -> bool:
        return self.is_active and not self.banned and not self.is_suspended()

    @property
    def is_hidden(self) -> bool:
        return self.visibility == self.Visibility.HIDDEN

    @property
    def offered_tags(self) -> list[SkillTag]:
        """Offered skills in the order the member gave them (uses the selectors' prefetch)."""
        return _tags_of(self, "offered_items")

    @property
    def wanted_tags(self) -> list[SkillTag]:
        return _tags_of(self, "wanted_items")

    @property
    def spoken_languages(self) -> list[Language]:
        prefetched = getattr(self, "prefetched_languages", None)
        return prefetched if prefetched is not None else list(self.languages.all())

    @property
    def initials(self) -> str:
        words = [w for w in str(self).split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"


def _tags_of(member: Member, relation: str) -> list[SkillTag]:
    # Card pages attach the tags themselves (selectors.attach_skills); profile pages prefetch
    # the rows into plain lists (`prefetched_offered_items`): no queryset per member either way.
    attached = getattr(member, relation.replace("_items", "_tag_list"), None)
    if attached is not None:
        return attached
    prefetched = getattr(member, f"prefetched_{relation}", None)
    if prefetched is not None:
        items = prefetched
    elif relation in getattr(member, "_prefetched_objects_cache", {}):
        items = getattr(member, relation).all()
    else:
        items = getattr(member, relation).select_related("tag__skill").order_by("id")
    return [item.tag for item in items]


class ApiToken(models.Model):
    """A personal token for the JSON API (`Authorization: Token <key>`)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    key = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=80, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.member}: {self.name or self.key[:6]}"


# --- privacy (issue #18): "download my data", the terms and the privacy notice ----------------


class DataExport(models.Model):
    """One "download my data" archive: built by a job, fetched only by its member, until it expires.

    The archive lives in the private "exports" storage (no URL serves it); `token` is part of the
    download link, which also checks that the member asking is its member.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="data_exports")
    token = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    path = models.CharField(max_length=300, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.status}"


class LegalText(models.Model):
    """One version of the terms or the privacy notice, in one language, as the managers wrote it.

    A new version is a new row (the old ones stay: a member's consent names the version they
    read). The current version of a kind is the highest published one.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of use")
        PRIVACY = "privacy", _("Privacy notice")

    kind = models.CharField(_("document"), max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(
        _("language"), max_length=8, choices=[("en", "English"), ("fr", "Français"), ("nl", "Nederlands")]
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Plain text; blank lines separate paragraphs."))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("terms or privacy notice")
        verbose_name_plural = _("terms and privacy notice")
        ordering = ["kind", "-version", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version", "language"], name="one_legal_text_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.language})"


class Consent(models.Model):
    """A member accepted this version of the terms or the privacy notice, at this time."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=10, choices=LegalText.Kind.choices)
    version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.kind} v{self.version}"
