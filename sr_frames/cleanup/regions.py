"""Which country a row's phone number belongs to, and the number in international form.

The Phone Verifier reads numbers in international form only (reading 3 of the
README), so a national number (``020 7946 0958``) needs its country first. A row's
region comes from its ``country`` cell (an ISO code or a country name, in English or
the country's own language), else from the country-code top level domain of its
email, else of its domain (``.co.uk`` -> GB, ``.de`` -> DE), else from the caller's
``region=``. Top level domains used as brands (``.io``, ``.co``, ``.ai``, ...) say
nothing about a country and are ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberFormat

from sr_frames import checks
from sr_frames.cells import as_text

__all__ = ["COUNTRY_NAMES", "region_of_country", "region_of_domain", "rewrite_phones", "row_regions"]

COUNTRY_NAMES: dict[str, str] = {
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "united states": "US", "united states of america": "US", "usa": "US", "us": "US",
    "america": "US",
    "germany": "DE", "deutschland": "DE", "allemagne": "DE",
    "france": "FR", "republique francaise": "FR",
    "north macedonia": "MK", "macedonia": "MK", "severna makedonija": "MK",
    "makedonija": "MK", "северна македонија": "MK", "македонија": "MK",
    "australia": "AU",
    "ireland": "IE", "eire": "IE", "spain": "ES", "espana": "ES", "italy": "IT", "italia": "IT",
    "netherlands": "NL", "the netherlands": "NL", "holland": "NL", "nederland": "NL",
    "belgium": "BE", "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "austria": "AT",
    "osterreich": "AT", "portugal": "PT", "poland": "PL", "polska": "PL", "sweden": "SE",
    "sverige": "SE", "norway": "NO", "norge": "NO", "denmark": "DK", "danmark": "DK",
    "finland": "FI", "suomi": "FI", "canada": "CA", "new zealand": "NZ", "india": "IN",
    "japan": "JP", "china": "CN", "brazil": "BR", "brasil": "BR", "mexico": "MX",
    "serbia": "RS", "srbija": "RS", "croatia": "HR", "hrvatska": "HR", "bulgaria": "BG",
    "greece": "GR", "czech republic": "CZ", "czechia": "CZ", "hungary": "HU", "romania": "RO",
    "turkey": "TR", "turkiye": "TR", "south africa": "ZA", "singapore": "SG",
}
"""Country names (accents folded, lower case) to ISO 3166 codes; ISO codes themselves
(``GB``, ``de``) and ``UK`` are understood without this table."""

BRAND_TLDS = frozenset({"io", "co", "ai", "me", "tv", "fm", "ly", "cc", "ws", "to", "gg", "sh",
                        "am", "la", "so"})
"""Country-code top level domains mostly used for their look, not their country."""

_TLD_REGION = {"uk": "GB"}


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or text
    return " ".join(folded.lower().replace(".", " ").split())


@lru_cache(maxsize=4096)
def region_of_country(value: str) -> str | None:
    """``"GB"``, ``"uk"``, ``"United Kingdom"``, ``"Deutschland"`` -> the ISO region;
    ``None`` for a name we do not know."""
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        code = "GB" if text.upper() == "UK" else text.upper()
        return code if code in phonenumbers.SUPPORTED_REGIONS else None
    return COUNTRY_NAMES.get(_fold(text)) or COUNTRY_NAMES.get(text.lower())


@lru_cache(maxsize=4096)
def region_of_domain(value: str) -> str | None:
    """The region of a domain's (or an address's) country-code top level domain."""
    text = value.strip().lower().rstrip("/").rsplit("@", 1)[-1]
    text = text.split("://", 1)[-1].split("/", 1)[0].rstrip(".")
    tld = text.rsplit(".", 1)[-1] if "." in text else ""
    if tld in _TLD_REGION:
        return _TLD_REGION[tld]
    if len(tld) != 2 or tld in BRAND_TLDS:
        return None
    code = tld.upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _first_known(columns: Sequence[pd.Series | None], lookups: Sequence, default: str | None,
                 rows: int) -> np.ndarray:
    regions = np.full(rows, default, dtype=object)
    todo = np.ones(rows, dtype=bool)
    for column, lookup in zip(columns, lookups, strict=True):
        if column is None or not todo.any():
            continue
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        found = [lookup(t) if (t := as_text(u)) else None for u in uniques]
        per_row = np.array([*found, None], dtype=object)[codes]
        hit = todo & pd.notna(per_row)
        regions[hit] = per_row[hit]
        todo &= ~hit
    return regions


def row_regions(rows: int, *, country: pd.Series | None = None, email: pd.Series | None = None,
                domain: pd.Series | None = None, default: str | None = None) -> np.ndarray:
    """One region (or ``None``) per row: country cell, else the email's ccTLD, else the
    domain's, else ``default``. Each distinct cell is looked at once."""
    return _first_known([country, email, domain],
                        [region_of_country, region_of_domain, region_of_domain], default, rows)


@lru_cache(maxsize=65536)
def international(raw: str, region: str | None) -> str:
    """``raw`` in international form when its ``region`` reads it as a valid number.

    Numbers written with ``+`` or ``00`` are kept. A number valid only when read as
    international (``442079460958``) is kept too, so the service reads it that way.
    Otherwise the region's reading is sent (the service then says whether it is
    valid), or ``raw`` itself when the region cannot read it.
    """
    text = raw.strip()
    if region is None or text.startswith(("+", "00")):
        return text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    try:
        if phonenumbers.is_valid_number(checks.parse_phone(text)):
            return text
    except phonenumbers.NumberParseException:
        pass
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def rewrite_phones(phones: pd.Series, regions: np.ndarray) -> pd.Series:
    """``phones`` with each national number rewritten for its row's region (same index);
    each distinct (number, region) pair is rewritten once."""
    texts = [as_text(v) for v in phones.array]
    pairs = pd.factorize(pd.Series(list(zip(texts, regions.tolist(), strict=True)), dtype=object))
    codes, uniques = pairs
    rewritten = np.array([international(t, r) if t else None for t, r in uniques], dtype=object)
    return pd.Series(rewritten[codes], index=phones.index, name=phones.name, dtype=object)
