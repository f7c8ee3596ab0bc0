"""Who may see a member: the one rule every page, API, socket, group form and suggestion list applies.

- An anonymous visitor sees public profiles; a logged-in member sees public and members-only
  profiles. Everyone sees their own profile, whatever its setting.
- A hidden profile is never listed, suggested, counted or found by search. Its member is
  reachable only where they showed themselves (they asked or answered on a help request, they
  are already in a conversation with the viewer): guessing a username gets the same answer as a
  member who does not exist.
- A deactivated account is seen by nobody. A profile the moderators hid is listed nowhere and
  shown only to the network's staff (who moderate it) and to its member.

Callers filter with `visible_members` / `visible_members_q` (querysets, related rows) and check
one member with `member_is_visible` / `member_is_reachable`.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from profiles.models import Member

Viewer = Member | AnonymousUser | None


def _logged_in(viewer: Viewer) -> bool:
    return viewer is not None and viewer.is_authenticated


# The profile settings each kind of viewer may see listed.
FOR_VISITORS = (Member.Visibility.PUBLIC,)
FOR_MEMBERS = (Member.Visibility.PUBLIC, Member.Visibility.MEMBERS)


def visibility_levels(viewer: Viewer) -> tuple[str, ...]:
    """The profile settings a viewer may see listed."""
    return FOR_MEMBERS if _logged_in(viewer) else FOR_VISITORS


def _levels_q(levels: tuple[str, ...], prefix: str) -> Q:
    return Q(
        **{
            f"{prefix}is_active": True,
            f"{prefix}visibility__in": levels,
            f"{prefix}hidden_by_moderators": False,
        }
    )


def visible_members_q(viewer: Viewer, *, prefix: str = "") -> Q:
    """The condition on members (or on rows pointing at them through `prefix`, e.g. "member__")."""
    return _levels_q(visibility_levels(viewer), prefix)


def listed_members_q(*, prefix: str = "") -> Q:
    """Members some viewer may see listed (logged-in members see the most): what the search index holds.

    Said as "not hidden" rather than "public or members only" (the same members): with IN,
    SQLite drives a rebuild batch's id range through the visibility index and reads every member.
    """
    return Q(**{f"{prefix}is_active": True, f"{prefix}hidden_by_moderators": False}) & ~Q(
        **{f"{prefix}visibility": Member.Visibility.HIDDEN}
    )


def visible_members(*, viewer: Viewer) -> QuerySet[Member]:
    """Members the viewer may see listed."""
    return Member.objects.filter(visible_members_q(viewer))


def listed_members() -> QuerySet[Member]:
    return Member.objects.filter(listed_members_q())


def member_is_visible(member: Member, *, viewer: Viewer) -> bool:
    """Whether the viewer may see this member's profile (their own always)."""
    if _logged_in(viewer) and viewer.pk == member.pk:
        return True
    if member.hidden_by_moderators:
        return _logged_in(viewer) and viewer.is_staff and member.is_active
    return member.is_active and member.visibility in visibility_levels(viewer)


def member_is_reachable(member: Member, *, viewer: Viewer, showed_themselves: bool = False) -> bool:
    """Whether the viewer may contact this member: a visible one, or a hidden one who showed
    themselves to the viewer (`showed_themselves`, decided by the caller: they answered on the
    viewer's request, they already talk to the viewer)."""
    if not _logged_in(viewer) or not member.is_active:
        return False
    if member.hidden_by_moderators:
        return member_is_visible(member, viewer=viewer)
    return member_is_visible(member, viewer=viewer) or (member.is_hidden and showed_themselves)
