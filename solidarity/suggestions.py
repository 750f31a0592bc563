"""Residents' suggestions (``/meld``): what is checked before one is kept, and what an editor starts from.

Spam protection that works offline and asks nothing of a person (no puzzle, no third party):

- a **honeypot**: a field people do not see (hidden by the page's style, skipped by the keyboard,
  ``autocomplete=off``); a program that fills every field fills it too;
- a **minimum time to fill in** (:data:`MIN_FILL_S`), counted from when the form was shown;
- **rate limits in the store**, for every app process together: :data:`PER_SESSION` per browser
  session and :data:`PER_HOUR` for everyone together in the last hour
  (:meth:`solidarity.store.Store.add_suggestion`);
- **limits on the text**: at most :data:`MAX_TEXT` characters, no link in the name or the
  address, at most :data:`MAX_LINKS` links in all.

Nothing of a suggestion reaches the public map before an editor approves it, and the resident's
own contact is only ever shown on the team's page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geo.area import in_antwerp
from solidarity.i18n import N_, _
from solidarity.safety import safe_url

MIN_FILL_S = 4.0
PER_SESSION = 3
PER_HOUR = 30
MAX_TEXT = 2000
MAX_SHORT = 200
MAX_LINKS = 2
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
#: A bare domain (``spam.example.com``) where no address belongs, not the domain of an e-mail address.
_DOMAIN = re.compile(r"(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:be|com|org|net|eu|info|ru|xyz|example)\b", re.IGNORECASE)

REFUSED_TRAP = N_("Your message could not be sent. If you filled in the field that says to leave it empty, clear it "
                  "and send again.")  # fmt: skip
REFUSED_FAST = N_("That was very quick. Please check what you wrote and send it again.")
REFUSED_SESSION = N_("You have sent several messages already. Thank you! Please wait an hour before sending more.")
REFUSED_HOUR = N_("Many messages have arrived in the last hour. Please try again later.")
TOO_LONG = N_("At most {n} characters.")
NO_LINKS_HERE = N_("No web addresses here, please.")
TOO_MANY_LINKS = N_("At most {n} web addresses in one message.")
REQUIRED = N_("Fill this in.")
WHERE = N_("Tell us where: look up the address or tap the map.")

#: The fields of the form per kind: (name, label msgid, long text?, required?).
FORM_FIELDS: dict[str, tuple[tuple[str, str, bool, bool], ...]] = {
    "new": (
        ("name", N_("Name of the initiative"), False, True),
        ("description", N_("What does it do?"), True, True),
        ("address", N_("Where? (address)"), False, False),
        ("contact", N_("How to reach the initiative (website, e-mail or phone)"), False, False),
        ("reporter_contact", N_("Your e-mail or phone, if you would like an answer (never shown publicly)"), False, False),
    ),
    "correction": (
        ("description", N_("What is wrong, and what is right?"), True, True),
        ("reporter_contact", N_("Your e-mail or phone, if you would like an answer (never shown publicly)"), False, False),
    ),
}


@dataclass
class Verdict:
    """Whether a suggestion may be kept: messages per field, or one refusal for the whole of it."""

    errors: dict[str, str] = field(default_factory=dict)
    refusal: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refusal


def check(
    kind: str, values: Mapping[str, Any], honeypot: str, elapsed_s: float, point: tuple[float, float] | None
) -> Verdict:
    """The checks of the form (see the module docstring), in the user's language."""
    verdict = Verdict()
    if honeypot.strip():
        verdict.refusal = _(REFUSED_TRAP)
        return verdict
    if elapsed_s < MIN_FILL_S:
        verdict.refusal = _(REFUSED_FAST)
        return verdict
    links = 0
    for name, _label, long, required in FORM_FIELDS[kind]:
        text = str(values.get(name) or "").strip()
        limit = MAX_TEXT if long else MAX_SHORT
        found = len(_LINK.findall(text))
        links += found
        if required and not text:
            verdict.errors[name] = _(REQUIRED)
        elif len(text) > limit:
            verdict.errors[name] = _(TOO_LONG).format(n=limit)
        elif name in ("name", "address") and (found or _DOMAIN.search(text)):
            verdict.errors[name] = _(NO_LINKS_HERE)
    if links > MAX_LINKS and not verdict.errors:
        verdict.errors["description"] = _(TOO_MANY_LINKS).format(n=MAX_LINKS)
    if kind == "new" and point is None and not str(values.get("address") or "").strip():
        verdict.errors["address"] = _(WHERE)
    if point is not None and not in_antwerp(*point):
        verdict.errors["address"] = _(WHERE)
    return verdict


def refusal_for(scope: str) -> str:
    """The polite sentence for a rate limit (:class:`solidarity.store.RateLimited` ``scope``)."""
    message = REFUSED_SESSION if scope == "session" else REFUSED_HOUR
    return _(message)


def source_key(session_token: str) -> str:
    """What the store keeps of a browser session: a hash of a random token of the session, never the token."""
    return hashlib.sha256(("suggestion:" + session_token).encode()).hexdigest()[:40]


def contact_fields(contact: str) -> dict[str, str]:
    """A resident's "how to reach the initiative" as the initiative's website, e-mail or phone."""
    text = contact.strip()
    if not text:
        return {}
    url = safe_url(text if "://" in text else f"https://{text}") if "." in text and "@" not in text else None
    if url and url.startswith(("http://", "https://")) and " " not in text:
        return {"website": url}
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        return {"email": text}
    if re.fullmatch(r"\+?[0-9 ./()\-]{6,25}", text):
        return {"phone": text}
    return {}


def initiative_draft(suggestion: Any) -> dict[str, Any]:
    """The initiative form's first values for an approval (the editor corrects and completes them)."""
    draft: dict[str, Any] = {
        "name": suggestion.name,
        "description": suggestion.description,
        "address": suggestion.address,
        "solidarity_type": "direct",
        "category": "other",
        "location_precision": "street" if suggestion.address else "approximate",
        "wheelchair": "unknown",
        "status": "active",
    }
    if suggestion.lat is not None and suggestion.lon is not None:
        draft["lat"], draft["lon"] = float(suggestion.lat), float(suggestion.lon)
    draft |= contact_fields(suggestion.contact)
    if "website" in draft:
        draft["source_url"] = draft["website"]
    return draft
