"""A message body as HTML: escaped text, with safe links and the mentions of known members marked.

chat.js builds the same from the same two patterns (`renderBody`): keep them in step. The body
is stored as typed; this runs when it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from messaging.services import MENTION

# http(s) links up to the next space; closing punctuation at the end belongs to the sentence.
LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""
TOKEN = re.compile(f"{LINK.pattern}|{MENTION.pattern}", re.IGNORECASE)


def _link(url: str) -> tuple[str, str]:
    """(the link's HTML, the punctuation after it)."""
    stripped = url.rstrip(TRAILING)
    # A closing parenthesis that closes one in the URL (Wikipedia links) stays in it.
    while url[len(stripped) :].startswith(")") and stripped.count("(") > stripped.count(")"):
        stripped += ")"
    rest = url[len(stripped) :]
    html = format_html('<a href="{0}" rel="noopener nofollow ugc" target="_blank">{0}</a>', stripped)
    return html, escape(rest)


def body_html(body: str, *, usernames: Collection[str], me: str = "") -> SafeString:
    """The body with http(s) links made clickable and `@username` marked for the members given."""
    out: list[str] = []
    position = 0
    for match in TOKEN.finditer(body):
        out.append(escape(body[position : match.start()]))
        token = match.group(0)
        if token.startswith("@"):
            name = token[1:].rstrip(".-")
            tail = token[1 + len(name) :]
            if name in usernames:
                css = "mention me" if name == me else "mention"
                out.append(format_html('<span class="{}">@{}</span>{}', css, name, tail))
            else:
                out.append(escape(token))
        else:
            html, rest = _link(token)
            out.append(html + rest)
        position = match.end()
    out.append(escape(body[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped or format_html
