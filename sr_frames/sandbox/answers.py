"""Deterministic answers of the read endpoints, as pure functions of their input.

The sandbox serves exactly what these functions return, so a test imports them to
know the right answer for any input instead of hard-coding one. Every choice comes
from a stable hash (:func:`digest`, SHA-256), never from Python's ``hash()`` or a
random generator, so answers are the same in every process and on every run.

This module is the one to import: the verifiers, Generate Email and campaign
statistics live here, the searches in :mod:`searches` and the hash and refusals in
:mod:`derive`, all re-exported; any answer registered with
:func:`~sr_frames.sandbox.registry.answers_for` is also reachable here by its endpoint
method (``answers.email_patterns``), wherever it is defined. A refusal is raised as
:class:`NotFound` (answered 404: a definitive "not found", about one input in five
for the searches) or :class:`BadInput` (answered 400).

The rules, in brief:

* email verifier: syntax-broken addresses answer
  ``checks.invalid_email_answer(email, checks.email_syntax_error(email))``. Otherwise
  the domain decides the provider (free-mail domains their real one, others by hash;
  one professional domain in twelve has no mail service and answers every address
  Invalid), whether it is catch-all (one professional domain in four: every address
  "Accept All", score 50-79) and the type (Personal for free mail). Each address
  then lands, by hash, in Invalid (25 %, score 0-49), Valid with a full inbox
  (15 %, 80-89) or Valid (60 %, 90-99).
* phone verifier: ``verify_phone`` per number, in input order.
* searches: 404 for one input in five (:func:`is_missing`); addresses follow the
  domain's own :func:`domain_patterns`, so the endpoints agree with one another.
* generate email: ``checks.permute_emails``.
* campaign statistics: 404 when ``campaign_id <= 0`` or ``campaign_id % 10 == 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, geocoder, timezone

from sr_frames import checks
from sr_frames.sandbox import vocabulary as vocab
from sr_frames.sandbox.derive import (
    NOT_FOUND_SHARE,
    BadInput,
    NotFound,
    Refusal,
    digest,
    is_missing,
    person,
    pick,
    valid_domain,
)
from sr_frames.sandbox.registry import ANSWERS, answers_for
from sr_frames.sandbox.searches import (
    NO_EMAIL_FOUND,
    company_domain,
    company_email,
    contact_email,
    contact_emails,
    domain_patterns,
    email_patterns,
    find_email,
    find_email_by_company,
    handle_domain,
    linkedin_contacts,
    render_pattern,
)

__all__ = [
    "NOT_FOUND_SHARE",
    "NO_EMAIL_FOUND",
    "PHONE_INVALID_MESSAGE",
    "PHONE_SUCCESS_MESSAGE",
    "BadInput",
    "NotFound",
    "Refusal",
    "campaign_statistics",
    "company_domain",
    "company_email",
    "confidence_description",
    "contact_email",
    "contact_emails",
    "digest",
    "domain_patterns",
    "email_patterns",
    "find_email",
    "find_email_by_company",
    "generate_emails",
    "handle_domain",
    "is_disposable",
    "is_missing",
    "linkedin_contacts",
    "render_pattern",
    "verify_email",
    "verify_phone",
    "verify_phones",
]


# --- validation -----------------------------------------------------------------------


def confidence_description(score: int) -> str:
    """The reference's band for a confidence score."""
    if score < 50:
        return "Invalid"
    if score < 70:
        return "Risky"
    if score < 80:
        return "Likely"
    if score < 90:
        return "Valid with full inbox"
    return "Valid"


def _provider(domain: str) -> str | None:
    """The mail provider of ``domain``; ``None`` when it has no mail service."""
    if domain in vocab.FREE_MAIL:
        return vocab.FREE_MAIL[domain]
    return vocab.PROFESSIONAL_PROVIDERS[digest("provider", domain) % len(vocab.PROFESSIONAL_PROVIDERS)]


def _is_catch_all(domain: str) -> bool:
    return domain not in vocab.FREE_MAIL and digest("catch-all", domain) % 4 == 0


def _mailbox(email: str, domain: str) -> tuple[str, int, str]:
    """``(status, score, message)`` of one address at a domain with mail service."""
    spread = digest("score", email)
    if _is_catch_all(domain):
        return "Accept All", 50 + spread % 30, "The domain accepts every address (catch-all)."
    roll = digest("mailbox", email) % 100
    if roll < 25:
        return "Invalid", spread % 50, "Mailbox does not exist."
    if roll < 40:
        return "Valid", 80 + spread % 10, "Mailbox exists but its inbox is full."
    return "Valid", 90 + spread % 10, "Mailbox exists."


@answers_for("verify_email")
def verify_email(email: str) -> dict[str, Any]:
    """The Email Verifier's answer for ``email`` (echoed as sent)."""
    syntax = checks.email_syntax_error(email)
    if syntax:
        return checks.invalid_email_answer(email, syntax)
    normalised = checks.normalise("email", email)
    domain = normalised.rsplit("@", 1)[1]
    provider = _provider(domain)
    if provider is None:
        status, score, message = "Invalid", digest("score", normalised) % 50, (
            "Domain does not have email service set up")
    else:
        status, score, message = _mailbox(normalised, domain)
    return {
        "email": email,
        "top_level_domain": "Yes",
        "type": "Personal" if domain in vocab.FREE_MAIL else "Professional",
        "disposable": "Yes" if is_disposable(domain) else "No",
        "mx_records": vocab.mx_records(provider, domain),
        "provider": provider or "Unknown",
        "status": status,
        "format": "Correct",
        "full_inbox": "Full" if 80 <= score < 90 else "Not full",
        "confidence_score": score,
        "confidence_description": confidence_description(score),
        "message": message,
    }


@answers_for("verify_phones")
def verify_phones(phones: Sequence[str]) -> list[dict[str, Any]]:
    """The Phone Verifier's answer: ``verify_phone`` per number, in input order."""
    return [verify_phone(p) for p in phones]


@answers_for("generate_emails")
def generate_emails(first_name: str, last_name: str, domain: str) -> dict[str, Any]:
    """Generate Email: ``checks.permute_emails`` (400 for a domain that is not one)."""
    return {"emails": checks.permute_emails(first_name, last_name, valid_domain(domain))}


# --- campaigns ------------------------------------------------------------------------


@answers_for("campaign_statistics")
def campaign_statistics(campaign_id: int) -> dict[str, Any]:
    """Get Campaign Statistics: consistent counters (``opened <= sent`` and so on)."""
    if campaign_id <= 0 or campaign_id % 10 == 0:
        raise NotFound("Campaign not found.")
    h = digest("campaign", campaign_id)
    status = ("active", "inactive", "paused", "finished")[h % 4]
    total = 5 + h % 500
    sent = total if status == "finished" else total * (h % 101) // 100
    opened = sent * (10 + h % 61) // 100
    first, _ = person("sender", campaign_id)
    created = datetime(2020, 1, 1) + timedelta(seconds=h % (4 * 365 * 86400))
    return {
        "campaign_name": f"{pick(vocab.CAMPAIGN_NAMES, 'name', campaign_id)} #{campaign_id}",
        "campaign_status": status,
        "sender_email": f"{first}@{pick(vocab.COMPANY_DOMAINS, 'sender', campaign_id)}",
        "to_send": total - sent,
        "sent": sent,
        "total_scheduled": total,
        "opened": opened,
        "clicked": opened * (h % 7) // 10,
        "replied": opened * (h % 5) // 10,
        "bounced": (sent - opened) * (h % 3) // 10,
        "opted_out": sent // 50,
        "campaign_created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
    }


PHONE_INVALID_MESSAGE = "The phone number entered is not valid."
PHONE_SUCCESS_MESSAGE = "Success"

def is_disposable(domain: str) -> bool:
    """Whether ``domain`` belongs to a disposable-mail service (maintained blocklist)."""
    from disposable_email_domains import blocklist

    return domain.lower() in blocklist


_NUMBER_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "Fixed Line",
    phonenumbers.PhoneNumberType.MOBILE: "Mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "Fixed Line or Mobile",
    phonenumbers.PhoneNumberType.TOLL_FREE: "Toll Free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "Premium Rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "Shared Cost",
    phonenumbers.PhoneNumberType.VOIP: "VOIP",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "Personal Number",
    phonenumbers.PhoneNumberType.PAGER: "Pager",
    phonenumbers.PhoneNumberType.UAN: "UAN",
    phonenumbers.PhoneNumberType.VOICEMAIL: "Voicemail",
}


def verify_phone(raw: str) -> dict[str, Any]:
    """The phone verifier's answer for one number (exactly what the ``phonenumbers`` parser says)."""
    try:
        number = checks.parse_phone(raw)
    except phonenumbers.NumberParseException as exc:
        return {"input": raw, "status": "INVALID FORMAT", "message": exc._msg}
    if not phonenumbers.is_valid_number(number):
        return {"input": raw, "status": "INVALID", "message": PHONE_INVALID_MESSAGE}
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return {
        "input": raw,
        "status": "VALID",
        "message": PHONE_SUCCESS_MESSAGE,
        "default": e164.lstrip("+"),
        "country_code": f"+{number.country_code}",
        "country_isoCode": phonenumbers.region_code_for_number(number),
        "local": phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        "international": phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        "number_type": _NUMBER_TYPES.get(phonenumbers.number_type(number), "Unknown"),
        "country": geocoder.country_name_for_number(number, "en"),
        "location": geocoder.description_for_number(number, "en"),
        "timezone": list(timezone.time_zones_for_number(number)),
    }


def __getattr__(name: str) -> Any:
    """Any registered answer by its endpoint method, so a new one needs no ``__all__`` edit."""
    try:
        return ANSWERS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
