"""Who may log in: Django's rule (an active account with the right password) plus the moderators'
(an account suspended until a time that has not passed yet, or banned, may not).

The same check runs on every request of an open session (auth.get_user asks the backend), and on
every chat socket's session check (messaging.selectors.session_is_valid): a suspension ends the
member's sessions everywhere at once, and lets them in again by itself when its time passes.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class MemberBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        may_log_in = getattr(user, "may_log_in", None)
        return super().user_can_authenticate(user) and (may_log_in is None or may_log_in())
