"""Generate the sample lead list: ``leads.xlsx`` and ``leads.csv`` (the same rows).

Run ``python sample_data/make_leads.py [OUTPUT_DIR]`` (default: this folder). The list is
invented (people, companies and domains are made up; phone numbers come from the ranges
telecom regulators reserve for fiction where a country has one) and carries the defects
real lead lists have, so every verb and the workbook round-trip have something to chew
on: typos, blanks, duplicates that differ only in case or spaces, role and disposable
addresses, phones in every national and international format, ids and postal codes with
leading zeros, LinkedIn handles as bare names or full URLs, and a ``country`` column
written as people write it (names, ISO codes, local names, a few blanks).

The generator is seeded and writes fixed timestamps, so running it again reproduces
both files byte for byte.
"""

from __future__ import annotations

import io
import random
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

SEED = 20240917
ROWS = 320
FIXED_TIME = datetime(2024, 9, 17, 9, 0, 0)
COLUMNS = [
    "lead_id", "first_name", "last_name", "company", "domain", "email", "phone",
    "linkedin", "company_linkedin", "postal_code", "stage",
]
STAGES = ["New", "Contacted", "Qualified", "Proposal", "Won", "Lost"]
# how people write the six countries in a "country" column: names, ISO codes, local names
COUNTRY_SPELLINGS = {
    "UK": ["United Kingdom", "GB", "UK", "England"], "US": ["United States", "US", "USA"],
    "DE": ["Germany", "DE", "Deutschland"], "FR": ["France", "FR", "france"],
    "MK": ["North Macedonia", "MK", "Macedonia"], "AU": ["Australia", "AU"],
}

FIRST_NAMES = [
    "José", "Zoë", "Anne-Marie", "Łukasz", "Søren", "Chloé", "Mateo", "Aoife", "Jürgen",
    "Ana", "Priya", "Kwame", "Marta", "Björn", "Elif", "Noah", "Grace", "Liam", "Olivia",
    "Hannah", "Dimitar", "Ivana", "Seán", "Amélie", "François", "Renée", "Wei", "Yuki",
    "Fatima", "Omar", "Emma", "Lucas", "Sofia", "Jean-Luc", "Mary-Kate", "Ólafur",
    "Håkon", "Zoltán", "Małgorzata", "Nikola",
]
LAST_NAMES = [
    "Núñez-Peña", "O'Brien", "Müller", "García", "Kowalski", "Petrovski", "Dubois", "Smith",
    "Johansson", "Nguyen", "Okafor", "Rossi", "Fernández", "Schröder", "van der Berg",
    "MacLeod", "D'Angelo", "Jovanovska", "Brennan", "Lefèvre", "Ahmed", "Kim", "Silva",
    "Novak", "Hughes", "Walsh", "Taylor", "Andersen", "Stojanović", "Bauer", "Moreau",
    "Costa", "Ó Súilleabháin", "Smith-Jones", "Ørsted-Lund",
]
ADJECTIVES = [
    "Bright", "Quiet", "Copper", "Amber", "Silver", "Velvet", "Lumen", "Hollow", "Tidal",
    "Juniper", "Cobalt", "Saffron", "Granite", "Pebble", "Kestrel", "Orchid", "Marigold",
]
NOUNS = ["wave", "fern", "harbor", "stone", "leaf", "forge", "beacon", "quill", "meadow",
         "lantern", "otter", "spruce"]
KINDS = ["Labs", "Analytics", "Logistics", "Studio", "Foods", "Systems", "Robotics",
         "Ventures", "Works", "Consulting"]


@dataclass(frozen=True)
class Country:
    tld: str
    phones: tuple[str, ...]  # templates: each "#" becomes a digit
    postal_codes: tuple[Any, ...]  # int: stored as a number with format "00000"


# Ofcom (020 7946 0xxx), NANPA (555-01xx), ARCEP (01 99 00 xx xx) and ACMA (02 5550 xxxx)
# reserve these ranges for fiction; the German and Macedonian ones are shaped like real
# Berlin and Skopje numbers.
COUNTRIES = {
    "UK": Country(".co.uk", ("+44 20 7946 0###", "0044 20 7946 0###", "020 7946 0###",
                             "(020) 7946 0###", "+44 (0)20 7946 0###", "+442079460###"),
                  ("EC1A 1BB", "SW1A 2AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT")),
    "US": Country(".com", ("+1 (415) 555-01##", "(212) 555-01##", "415-555-01##",
                           "+1 212 555 01##", "1-800-555-01##", "+1 (415) 555-01## ext. 7"),
                  (2139, 7030, 1060, 94107, 10001, 2116, 60601)),
    "DE": Country(".de", ("+49 30 901820", "+49 30 23125 ###", "030 23125###", "0049 89 4###1",
                          "+49 (0)30 23125-###"),
                  ("01067", "10115", "04109", "80331", "20095")),
    "FR": Country(".fr", ("+33 1 99 00 ## ##", "01 99 00 ## ##", "0033 1 99 00 ## ##"),
                  ("75008", "69001", "06000", "13001")),
    "MK": Country(".mk", ("+389 2 203 7347", "+389 2 3###-###", "02 3### ###", "070 ### ###"),
                  ("1000", "7000", "6000")),
    "AU": Country(".com.au", ("+61 2 5550 ####", "(02) 5550 ####", "0061 2 5550 ####"),
                  ("2000", "0800", "3000")),
    "IO": Country(".io", ("+44 20 7946 0###", "+1 (646) 555-01##"), ("EC2A 4NE", 2110)),
}
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "gmx.de", "hotmail.co.uk"]
TYPO_MAIL = ["gmial.com", "gmail.con", "hotmial.com", "yaho.com", "outlok.com"]
DISPOSABLE = ["mailinator.com", "yopmail.com", "guerrillamail.com"]
ROLES = ["info", "sales", "contact", "hello", "office"]
BROKEN_DOMAINS = ["acme", "-bad.com", "bad_domain.com", "example..com", "localhost"]
GARBAGE_PHONES = ["n/a", "12ab34", "TBD", "-", "call reception", "0"]
# Excel turns a typed 442079460958 into a number shown as 4.42079E+11
NUMERIC_PHONES = [442079460958, 4930231250, 14155550147]


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    country: str
    linkedin: str
    pattern: str


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters for addresses and handles: "Núñez-Peña" -> "nunez-pena"."""
    text = text.translate(str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(" +", sep, text.replace("'", ""))
    return re.sub(r"[^a-z0-9.-]", "", text)


def digits(template: str, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in template)


def make_companies(rng: random.Random, count: int = 70) -> list[Company]:
    names = sorted({f"{a}{n} {k}" for a in ADJECTIVES for n in NOUNS for k in KINDS})
    companies = []
    for name in rng.sample(names, count):
        country = rng.choice(sorted(COUNTRIES))
        slug = ascii_slug(name, "-")
        domain = slug + COUNTRIES[country].tld
        linkedin = rng.choice([slug, slug, f"https://www.linkedin.com/company/{slug}/", None])
        pattern = rng.choice(["first.last", "flast", "first", "first_last", "firstl"])
        companies.append(Company(name, domain, country, linkedin, pattern))
    # a couple of names that need quoting in a CSV file
    companies[0] = Company("Pebblequill Foods, Inc.", "pebblequill-foods.com", "US",
                           "pebblequill-foods", "first.last")
    companies[1] = Company('Lantern & Otter "L&O" Ltd', "lantern-otter.co.uk", "UK", None, "flast")
    return companies


def work_email(first: str, last: str, company: Company) -> str:
    given, family = ascii_slug(first), ascii_slug(last)
    local = {
        "first.last": f"{given}.{family}", "flast": f"{given[:1]}{family}", "first": given,
        "first_last": f"{given}_{family}", "firstl": f"{given}{family[:1]}",
    }[company.pattern]
    return f"{local}@{company.domain}"


def flawed_email(email: str, first: str, last: str, company: Company, rng: random.Random) -> str | None:
    """The work address, or (about one row in four) one of the usual faults."""
    local = email.split("@")[0]
    roll = rng.random()
    faults = [
        (0.05, lambda: None),
        (0.08, lambda: email.replace("@", ".")),
        (0.12, lambda: f"{ascii_slug(first)}.{ascii_slug(last)}@{rng.choice(TYPO_MAIL)}"),
        (0.20, lambda: f"{ascii_slug(first)}{rng.randrange(10, 99)}@{rng.choice(FREE_MAIL)}"),
        (0.24, lambda: f"{rng.choice(ROLES)}@{company.domain}"),
        (0.27, lambda: f"{local}@{rng.choice(DISPOSABLE)}"),
        (0.29, lambda: rng.choice([f"{local}@@{company.domain}", f"{local}@{company.domain}.",
                                   f"{local} @{company.domain}", f"{local}@{company.domain.split('.')[0]}"])),
    ]
    for limit, make in faults:
        if roll < limit:
            return make()
    return email


def flawed_domain(company: Company, rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.03:
        return None
    if roll < 0.06:
        return rng.choice(BROKEN_DOMAINS)
    if roll < 0.09:
        return rng.choice([f"www.{company.domain}", f"https://www.{company.domain}/",
                           company.domain.upper()])
    return company.domain


def phone(country: str, rng: random.Random) -> str | int | None:
    roll = rng.random()
    if roll < 0.06:
        return None
    if roll < 0.09:
        return rng.choice(GARBAGE_PHONES)
    if roll < 0.11:
        return rng.choice(NUMERIC_PHONES)
    return digits(rng.choice(COUNTRIES[country].phones), rng)


def linkedin(first: str, last: str, rng: random.Random) -> str | None:
    handle = f"{ascii_slug(first, '-')}-{ascii_slug(last, '-')}-{rng.randrange(1000, 99999)}"
    return rng.choices(
        [None, handle, f"https://www.linkedin.com/in/{handle}/", f"linkedin.com/in/{handle}",
         f"https://uk.linkedin.com/in/{handle}?trk=public_profile", f"@{handle}"],
        weights=[20, 45, 22, 5, 5, 3],
    )[0]


def make_lead(n: int, company: Company, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = flawed_email(work_email(first, last, company), first, last, company, rng)
    country = COUNTRIES[company.country]
    lead = {
        "lead_id": f"{n:06d}",
        "first_name": first if rng.random() > 0.02 else None,
        "last_name": last.upper() if rng.random() < 0.03 else last,
        "company": company.name if rng.random() > 0.02 else None,
        "domain": flawed_domain(company, rng),
        "email": email,
        "phone": phone(company.country, rng),
        "linkedin": linkedin(first, last, rng),
        "company_linkedin": company.linkedin,
        "postal_code": rng.choice(country.postal_codes) if rng.random() > 0.04 else None,
        "stage": rng.choice(STAGES) if rng.random() > 0.05 else None,
        "_country": company.country,
    }
    if rng.random() < 0.03 and lead["first_name"]:
        lead["first_name"] = f" {lead['first_name']} "
    return lead


def repeat_of(lead: dict[str, Any], n: int, rng: random.Random) -> dict[str, Any]:
    """The same person entered again: the address differs only in case or spaces."""
    email = lead["email"] or ""
    variant = rng.choice([email.upper(), f" {email} ", email.title(), f"{email}  "])
    return {**lead, "lead_id": f"{n:06d}", "email": variant or None,
            "stage": rng.choice(STAGES)}


def make_leads(rng: random.Random, rows: int = ROWS) -> list[dict[str, Any]]:
    companies = make_companies(rng)
    leads: list[dict[str, Any]] = []
    for n in range(1, rows + 1):
        if n > 40 and rng.random() < 0.05:
            leads.append(repeat_of(rng.choice(leads[:-1]), n, rng))
        else:
            leads.append(make_lead(n, rng.choice(companies), rng))
    spelling = random.Random(SEED + 1)  # its own generator: the other columns stay as they were
    for lead in leads:
        first, last = lead["first_name"] or "", lead["last_name"] or ""
        lead["full_name"] = f"{first} {last}"  # what the workbook's =B2&" "&C2 shows
        lead["country"] = country_cell(lead.pop("_country"), lead["phone"], spelling)
    return leads


def country_cell(country: str, phone: Any, rng: random.Random) -> str | None:
    """The lead's country as someone typed it; ``.io`` start-ups are where their phone is."""
    if country == "IO":
        text = str(phone or "")
        country = "UK" if text.startswith("+44") else "US" if text.startswith("+1") else ""
    if not country or rng.random() < 0.04:
        return None
    return rng.choice(COUNTRY_SPELLINGS[country])


# -- files --------------------------------------------------------------------------


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
THIN = Side(style="thin", color="9BA7B4")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WIDTHS = [10, 14, 18, 30, 26, 36, 22, 44, 40, 12, 12, 28, 16]


def write_csv(leads: list[dict[str, Any]], path: Path) -> None:
    # UTF-8 with a byte order mark: what Excel writes as "CSV UTF-8" and reads back
    frame = pd.DataFrame(leads, columns=[*COLUMNS, "full_name", "country"], dtype=object)
    # the text the workbook shows for a postal code stored as a number formatted "00000"
    frame["postal_code"] = [f"{p:05d}" if isinstance(p, int) else p for p in frame["postal_code"]]
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_xlsx(leads: list[dict[str, Any]], path: Path) -> None:
    book = Workbook()
    book.properties.creator = "sr_frames sample data"
    book.properties.created = FIXED_TIME
    fill_leads(book.active, leads)
    fill_notes(book.create_sheet("Notes"), len(leads))
    book.save(path)
    freeze_zip(path)


def fill_leads(ws: Any, leads: list[dict[str, Any]]) -> None:
    ws.title = "Leads"
    ws.append([*COLUMNS, "full_name", "country"])
    for cell in ws[1]:
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, GRID
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row, lead in enumerate(leads, start=2):
        ws.append([*(lead[c] for c in COLUMNS), f'=B{row}&" "&C{row}', lead["country"]])
        ws.cell(row, 1).number_format = "@"
        if isinstance(lead["postal_code"], int):
            ws.cell(row, 10).number_format = "00000"
        ws.cell(row, 12).font = Font(italic=True, color="555555")
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:M{len(leads) + 1}"
    stage = DataValidation(type="list", formula1='"' + ",".join(STAGES) + '"', allow_blank=True,
                           error="Pick a stage from the list", errorTitle="Unknown stage")
    stage.add(f"K2:K{len(leads) + 1}")
    ws.add_data_validation(stage)


def fill_notes(ws: Any, rows: int) -> None:
    ws["A1"] = "About this file"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"] = ("Invented leads for trying sr_frames. Every person, company and domain is "
                "made up; phone numbers use ranges reserved for fiction. Rows carry the "
                "usual defects on purpose.")
    ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A3:F6")
    ws["A8"], ws["B8"] = "Leads in file", f"=COUNTA(Leads!A2:A{rows + 1})"
    ws["A9"], ws["B9"] = "Won", f'=COUNTIF(Leads!K2:K{rows + 1},"Won")'
    ws["A8"].font = ws["A9"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 18


def freeze_zip(path: Path) -> None:
    """Rewrite the workbook with fixed timestamps so regenerating gives the same bytes."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).resolve().parent
    leads = make_leads(random.Random(SEED))
    write_csv(leads, folder / "leads.csv")
    write_xlsx(leads, folder / "leads.xlsx")
    print(f"wrote {len(leads)} leads to {folder / 'leads.xlsx'} and {folder / 'leads.csv'}")


if __name__ == "__main__":
    main()
