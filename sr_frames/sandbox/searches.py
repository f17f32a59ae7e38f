"""Search answers: email patterns, found addresses and LinkedIn look-ups.

Each answer is registered for its endpoint with :func:`answers_for`, which is how the
sandbox's routes find it. Addresses found at a domain follow that domain's own :func:`domain_patterns` (also
when the patterns search answers 404 for it), so the endpoints agree with one
another. About one input in five is a definitive "not found" (:func:`is_missing`).
"""

from __future__ import annotations

from typing import Any

from sr_frames import checks
from sr_frames.sandbox import vocabulary as vocab
from sr_frames.sandbox.derive import BadInput, NotFound, digest, is_missing, person, pick, valid_domain
from sr_frames.sandbox.registry import answers_for

__all__ = [
    "NO_EMAIL_FOUND",
    "company_domain",
    "company_email",
    "contact_email",
    "contact_emails",
    "domain_patterns",
    "email_patterns",
    "find_email",
    "find_email_by_company",
    "handle_domain",
    "linkedin_contacts",
    "render_pattern",
]

NO_EMAIL_FOUND = "No email found for the given input."


def domain_patterns(domain: str) -> list[str]:
    """The patterns a domain really uses (1 to 3, the most used first), even when the
    patterns search answers 404 for it; every address found at the domain follows one."""
    ranked = sorted(vocab.PATTERNS, key=lambda p: digest("pattern", domain, p))
    return ranked[: 1 + digest("pattern-count", domain) % 3]


def render_pattern(pattern: str, first_name: str, last_name: str, domain: str) -> str | None:
    """The address ``pattern`` gives for a person, or ``None`` when a name has no letters."""
    first, last = checks.name_token(first_name), checks.name_token(last_name)
    if not first or not last:
        return None
    local = pattern.format(first=first, last=last, f=first[0], l=last[0])
    return f"{local}@{domain}"


def _address(first_name: str, last_name: str, domain: str) -> str | None:
    """The person's address at ``domain``: usually the main pattern, sometimes another."""
    patterns = domain_patterns(domain)
    roll = digest("which-pattern", first_name, last_name, domain)
    pattern = patterns[0] if roll % 10 < 7 else patterns[roll % len(patterns)]
    return render_pattern(pattern, first_name, last_name, domain)


@answers_for("email_patterns")
def email_patterns(domain: str) -> dict[str, Any]:
    """Email Patterns by Domain."""
    domain = valid_domain(domain)
    if is_missing("email_patterns", domain):
        raise NotFound("No email patterns found for the given domain.")
    return {"email_patterns": domain_patterns(domain)}


@answers_for("find_email")
def find_email(first_name: str, last_name: str, company_domain: str) -> dict[str, Any]:
    """Email by First, Last Name and Company Domain."""
    domain = valid_domain(company_domain)
    key = "\x1f".join((checks.name_token(first_name), checks.name_token(last_name), domain))
    address = _address(first_name, last_name, domain)
    if address is None or is_missing("find_email", key):
        raise NotFound(NO_EMAIL_FOUND)
    return {"email": address, "confidence": 60 + digest("confidence", key) % 40}


def company_domain(company_name: str) -> str | None:
    """The domain the sandbox gives a company name (``"Acme Corp"`` -> ``acme.com``)."""
    words = [checks.name_token(w).replace("-", "") for w in company_name.replace(",", " ").split()]
    kept = [w for w in words if w and w not in vocab.LEGAL_SUFFIXES] or [w for w in words if w]
    if not kept:
        return None
    return "".join(kept)[:40] + ".com"


@answers_for("find_email_by_company")
def find_email_by_company(first_name: str, last_name: str, company_name: str) -> dict[str, Any]:
    """Email by First, Last and Company Name: the company's domain, then as :func:`find_email`."""
    domain = company_domain(company_name)
    if domain is None:
        raise NotFound(NO_EMAIL_FOUND)
    key = "\x1f".join((checks.name_token(first_name), checks.name_token(last_name), domain))
    address = _address(first_name, last_name, domain)
    if address is None or is_missing("find_email_by_company", key):
        raise NotFound(NO_EMAIL_FOUND)
    return {"email": address, "confidence": 60 + digest("confidence", key) % 40}


def _handle(value: str) -> str:
    handle = checks.normalise_handle(value).lower()
    if not handle:
        raise BadInput("Field 'linkedin_handle' must not be empty.")
    return handle


@answers_for("linkedin_contacts")
def linkedin_contacts(domain: str) -> dict[str, Any]:
    """LinkedIn Contacts by Domain: 2 to 8 handles shaped like ``jane-doe-12345``."""
    domain = valid_domain(domain)
    if is_missing("linkedin_contacts", domain):
        raise NotFound("No LinkedIn contacts found for the given domain.")
    handles: list[str] = []
    for i in range(2 + digest("contact-count", domain) % 7):
        first, last = person(domain, i)
        number = digest("handle", domain, i)
        handles.append(f"{first}-{last}-{number % 100000}" if number % 3 else f"{first}-{number % 10**9}")
    return {"contact_linkedin_handles": list(dict.fromkeys(handles))}


def handle_domain(handle: str) -> str:
    """The company domain the sandbox gives a company LinkedIn handle."""
    words = [w for w in handle.split("-") if w and not w.isdigit()]
    return company_domain(" ".join(words)) or f"company{digest('handle-domain', handle) % 10**6}.com"


@answers_for("company_email")
def company_email(linkedin_handle: str) -> dict[str, Any]:
    """Company Email by Company LinkedIn Handle: a role address at the company's domain."""
    handle = _handle(linkedin_handle)
    if is_missing("company_email", handle):
        raise NotFound("No company email found for the given LinkedIn handle.")
    return {"company_email": f"{pick(vocab.ROLE_MAILBOXES, 'role', handle)}@{handle_domain(handle)}"}


@answers_for("contact_emails")
def contact_emails(linkedin_handle: str) -> dict[str, Any]:
    """Contact Emails by Company LinkedIn Handle: 1 to 5 people at the company's domain."""
    handle = _handle(linkedin_handle)
    if is_missing("contact_emails", handle):
        raise NotFound("No contact emails found for the given LinkedIn handle.")
    domain = handle_domain(handle)
    found = [_address(*person(handle, i), domain) for i in range(1 + digest("count", handle) % 5)]
    return {"contact_emails": list(dict.fromkeys(a for a in found if a))}


@answers_for("contact_email")
def contact_email(linkedin_handle: str) -> dict[str, Any]:
    """Contact Email by Contact LinkedIn Handle: the handle's first two words are the name."""
    handle = _handle(linkedin_handle)
    words = [w for w in handle.split("-") if checks.name_token(w) and not w.isdigit()]
    if len(words) < 2 or is_missing("contact_email", handle):
        raise NotFound("No email found for the given LinkedIn handle.")
    domain = pick(vocab.COMPANY_DOMAINS, "employer", handle)
    return {"contact_email": _address(words[0], words[1], domain)}
