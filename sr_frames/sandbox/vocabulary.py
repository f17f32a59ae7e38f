"""Fixed word lists the deterministic answers choose from.

Changing an entry changes answers for some inputs, so tests compute expected answers
through :mod:`sr_frames.sandbox.answers` rather than copying them from here.
"""

from __future__ import annotations

FREE_MAIL: dict[str, str] = {
    "gmail.com": "Google",
    "googlemail.com": "Google",
    "yahoo.com": "Yahoo",
    "yahoo.co.uk": "Yahoo",
    "yahoo.de": "Yahoo",
    "ymail.com": "Yahoo",
    "hotmail.com": "Microsoft",
    "hotmail.co.uk": "Microsoft",
    "outlook.com": "Microsoft",
    "live.com": "Microsoft",
    "msn.com": "Microsoft",
    "aol.com": "AOL",
    "icloud.com": "Apple",
    "me.com": "Apple",
    "mac.com": "Apple",
    "gmx.de": "GMX",
    "gmx.net": "GMX",
    "gmx.com": "GMX",
    "web.de": "WEB.DE",
    "t-online.de": "T-Online",
    "mail.ru": "Mail.ru",
    "yandex.ru": "Yandex",
    "yandex.com": "Yandex",
    "protonmail.com": "Proton",
    "proton.me": "Proton",
    "zoho.com": "Zoho",
    "mail.com": "Mail.com",
}
"""Well-known free-mail domains (type "Personal") and their providers."""

PROFESSIONAL_PROVIDERS: tuple[str | None, ...] = (
    None, "Google", "Google", "Google", "Google", "Microsoft", "Microsoft", "Microsoft",
    "Zoho", "Amazon SES", "Other", "Other",
)
"""A professional domain's provider, by hash: ``None`` (no mail service) is one in 12."""

_MX: dict[str, tuple[str, ...]] = {
    "Google": ("aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com"),
    "Yahoo": ("mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"),
    "AOL": ("mx-aol.mail.gm0.yahoodns.net",),
    "Apple": ("mx01.mail.icloud.com", "mx02.mail.icloud.com"),
    "GMX": ("mx00.gmx.net", "mx01.gmx.net"),
    "WEB.DE": ("mx-ha02.web.de", "mx-ha03.web.de"),
    "T-Online": ("mx00.t-online.de", "mx01.t-online.de"),
    "Mail.ru": ("mxs.mail.ru",),
    "Yandex": ("mx.yandex.ru",),
    "Proton": ("mail.protonmail.ch", "mailsec.protonmail.ch"),
    "Zoho": ("mx.zoho.com", "mx2.zoho.com", "mx3.zoho.com"),
    "Mail.com": ("mx00.mail.com", "mx01.mail.com"),
    "Amazon SES": ("inbound-smtp.eu-west-1.amazonaws.com",),
}


def mx_records(provider: str | None, domain: str) -> list[str]:
    """The MX records the verifier reports for ``domain`` served by ``provider``."""
    if provider is None:
        return []
    if provider == "Microsoft":
        return [f"{domain.replace('.', '-')}.mail.protection.outlook.com"]
    if provider == "Other":
        return [f"mail.{domain}", f"mail2.{domain}"]
    return list(_MX[provider])


PATTERNS: tuple[str, ...] = (
    "{first}.{last}", "{first}", "{first}{last}", "{f}{last}", "{f}.{last}", "{last}",
    "{first}_{last}", "{last}.{first}", "{first}{l}",
)
"""Email patterns in the reference's notation (``{first}.{last}``); ``{f}``/``{l}`` are initials."""

LEGAL_SUFFIXES = frozenset({
    "inc", "ltd", "llc", "gmbh", "corp", "corporation", "co", "company", "sa", "ag", "bv",
    "plc", "srl", "doo", "dooel", "limited", "group",
})
"""Words dropped from a company name before it becomes a domain."""

FIRST_NAMES: tuple[str, ...] = (
    "jane", "john", "maria", "ahmed", "li", "olga", "pierre", "sofia", "liam", "emma",
    "noah", "ana", "ivan", "elena", "marko", "sara", "lucas", "mia", "omar", "nina",
)

LAST_NAMES: tuple[str, ...] = (
    "doe", "smith", "garcia", "nguyen", "mueller", "rossi", "kowalski", "petrov", "silva",
    "jansen", "dubois", "novak", "stojanovski", "larsen", "kim", "costa", "meyer", "ivanova",
)

COMPANY_DOMAINS: tuple[str, ...] = (
    "northwind.com", "contoso.com", "fabrikam.io", "initech.com", "globex.com",
    "umbrella.eu", "hooli.com", "vandelay.com", "acme.io", "wayne-enterprises.com",
)
"""Employers the sandbox gives a person found by LinkedIn handle."""

ROLE_MAILBOXES: tuple[str, ...] = ("info", "contact", "hello", "office", "sales", "team")

CAMPAIGN_NAMES: tuple[str, ...] = (
    "My first campaign", "Spring outreach", "Webinar follow-up", "Trade fair leads",
    "Re-engagement", "Product launch",
)
