"""Local checks: what the reference documents as invalid, decided without a request.

The sandbox answers with these same functions, so a row the library answers locally
gets exactly the answer the service would have given (an address without ``@``:
``status`` "Invalid", ``format`` "Incorrect"; a phone the parser rejects:
"INVALID FORMAT" with the parser's own message), and no credit is spent on it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # both load on first use: ``import sr_frames`` stays quick
    import phonenumbers

__all__ = [
    "DOMAIN_PATTERN",
    "ascii_domain",
    "domain_error",
    "email_syntax_error",
    "full_email_syntax_error",
    "invalid_email_answer",
    "name_token",
    "normalise",
    "normalise_handle",
    "parse_phone",
    "permute_emails",
    "phone_format_error",
    "surely_valid_email",
    "to_international",
]

# The reference: "must start with a letter or number, can be followed by letters,
# numbers or dashes, then a dot followed by a top level domain". Sub-domains allowed.
DOMAIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)*\.[a-z]{2,63}$")

_LINKEDIN_URL = re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(?:in|company|pub)/([^/?#]+)",
                           re.IGNORECASE)

_LETTERS = re.compile(r"[A-Za-z]")
_EXTENSION = re.compile(r"\s*(?:ext\.?|x|#)\s*\d+\s*$", re.IGNORECASE)


def normalise(kind: str, value: str) -> str:
    """The canonical form of one input: trimmed; emails and domains lower-cased;
    LinkedIn URLs reduced to their handle, lower-cased (LinkedIn ignores case)."""
    value = value.strip()
    if kind in ("email", "domain"):
        return value.lower()
    if kind == "handle":
        return normalise_handle(value).lower()
    return value


def normalise_handle(value: str) -> str:
    """``https://www.linkedin.com/in/jane-doe-1/`` and ``jane-doe-1`` are the same handle."""
    match = _LINKEDIN_URL.match(value.strip())
    return (match.group(1) if match else value.strip()).strip("/")


def ascii_domain(domain: str) -> str:
    """An internationalised domain in its ASCII (punycode) form, which the rule applies to:
    ``müller.de`` is ``xn--mller-kva.de``."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def domain_error(domain: str) -> str | None:
    """Why ``domain`` is not one the service accepts, or ``None`` when it is."""
    if DOMAIN_PATTERN.match(ascii_domain(domain)):
        return None
    return (f"invalid domain {domain!r}: a domain starts with a letter or number, "
            "may go on with letters, numbers or dashes, then a dot and a top level domain")


# What email_validator accepts without a second look, and our domain rule too: an ASCII
# dot-atom before the one @-sign; after it, lower-case labels of letters, digits and
# inner hyphens (none with "--", so no Punycode and no reserved R-LDH label), 63
# characters at most each, and a top level domain of letters. Anything else (upper
# case, Unicode, quotes, IDNA, lengths near the limits) goes to email_validator.
_SURELY_VALID = re.compile(
    r"[a-zA-Z0-9_!#$%&'*+/=?^`{|}~-]+(?:\.[a-zA-Z0-9_!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:(?!(?:[a-z0-9-]*--))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"[a-z]{2,63}"
)
# email_validator refuses these top level domains (IANA special-use names)
_SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
_MAX_LENGTH = 254  # of the address; the domain's own limit (253) is then met too


def surely_valid_email(email: str) -> bool:
    """``True`` only for addresses :func:`email_syntax_error` certainly accepts, decided by
    one regular expression (about a microsecond); ``False`` says nothing, ask
    :func:`email_syntax_error`. tests/test_checks.py compares both on a large sample."""
    return (len(email) <= _MAX_LENGTH and _SURELY_VALID.fullmatch(email) is not None
            and email[email.rindex(".") + 1:] not in _SPECIAL_USE_TLDS)


@lru_cache(maxsize=65536)
def email_syntax_error(email: str) -> str | None:
    """Why ``email`` is not a syntactically valid address (no DNS look-up), or ``None``.

    The common address is settled by :func:`surely_valid_email`; the rest is parsed by
    ``email_validator`` (loaded on first use), whose message is the answer."""
    if surely_valid_email(email):
        return None
    return full_email_syntax_error(email)


def full_email_syntax_error(email: str) -> str | None:
    """:func:`email_syntax_error` without the quick path: ``email_validator`` always."""
    if "@" not in email:
        return "The email address is not valid. It must have exactly one @-sign."
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    if not DOMAIN_PATTERN.match(valid.ascii_domain.lower()):
        return f"The domain name {email.rsplit('@', 1)[1]} is not valid."
    return None


def invalid_email_answer(email: str, message: str) -> dict[str, Any]:
    """The verifier's answer for an address whose syntax is broken."""
    return {
        "email": email,
        "top_level_domain": "No",
        "type": "Unknown",
        "disposable": "No",
        "mx_records": [],
        "provider": "Unknown",
        "status": "Invalid",
        "format": "Incorrect",
        "full_inbox": "Not full",
        "confidence_score": 0,
        "confidence_description": "Invalid",
        "message": message,
    }


def parse_phone(raw: str) -> phonenumbers.PhoneNumber:
    """Parse as the service does: international form, ``00`` or a missing ``+`` allowed.

    Letters make the string "not a number" (the service does not read vanity numbers),
    with the parser's own NOT_A_NUMBER message.
    """
    import phonenumbers

    text = raw.strip()
    if _LETTERS.search(_EXTENSION.sub("", text)):
        phonenumbers.parse("", None)  # raises NOT_A_NUMBER with the parser's message
    if text.startswith("00"):
        text = "+" + text[2:]
    elif not text.startswith("+"):
        text = "+" + text
    return phonenumbers.parse(text, None)


def phone_format_error(raw: str) -> str | None:
    """The parser's message when it rejects ``raw`` (an "INVALID FORMAT" answer)."""
    import phonenumbers

    try:
        parse_phone(raw)
    except phonenumbers.NumberParseException as exc:
        return exc._msg
    return None


def to_international(raw: str, region: str) -> str:
    """``raw`` written in ``region``'s national format, rewritten as ``+CC...``.

    Numbers already international, or that the parser cannot read with ``region``,
    come back unchanged so the service (and its answer) decides.
    """
    import phonenumbers

    text = raw.strip()
    if text.startswith(("+", "00")):
        return text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_token(name: str) -> str:
    """A name as it appears in an address: accents folded, lower case, letters, digits
    and hyphens only (``"José Núñez"`` -> ``"josenunez"``)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", folded.lower())


def permute_emails(first_name: str, last_name: str, domain: str) -> list[str]:
    """The Generate Email permutations, in the reference's order:
    ``first``, ``first.last``, ``firstlast``, ``flast``, ``f.last``, ``last``."""
    first, last, domain = name_token(first_name), name_token(last_name), domain.strip().lower()
    if not first or not last:
        return []
    locals_ = [first, f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}",
               f"{first[0]}.{last}", last]
    return [f"{local}@{domain}" for local in dict.fromkeys(locals_)]
