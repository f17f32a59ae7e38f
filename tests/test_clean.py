"""The lead-list clean-up, as a user runs it on the sample list: ``df.salesrocks.clean()``.

Every count is checked against what the sandbox received (its traffic log), and the
expected counts are worked out here from the sample itself, not from the library.
"""

import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pytest

import sr_frames
from sr_frames import checks

ROOT = Path(__file__).resolve().parent.parent
LEADS_XLSX = ROOT / "sample_data" / "leads.xlsx"
# how the sample spells its six countries (see sample_data/make_leads.py)
REGION = {"united kingdom": "GB", "gb": "GB", "uk": "GB", "england": "GB", "united states": "US",
          "us": "US", "usa": "US", "germany": "DE", "de": "DE", "deutschland": "DE",
          "france": "FR", "fr": "FR", "north macedonia": "MK", "mk": "MK", "macedonia": "MK",
          "australia": "AU", "au": "AU"}


@pytest.fixture
def leads():
    return sr_frames.read_table(LEADS_XLSX)


def email_of(value):
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def bare(domain):
    if not isinstance(domain, str):
        return None
    text = domain.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    return text.removeprefix("www.") or None


def bodies(sandbox, method):
    return [r["body"] for r in sandbox.requests(method)]


def api_requests(sandbox):
    return sum(n for path, n in sandbox.stats()["by_path"].items() if path != "/auth/accessToken")


def test_clean_sends_each_step_exactly_what_it_needs(sandbox, leads):
    result = leads.salesrocks.clean(progress=False)

    valid_inputs = {e for e in map(email_of, leads["email"]) if e and checks.email_syntax_error(e) is None}
    verified = [b["email"] for b in bodies(sandbox, "verify_email")]
    assert len(verified) == len(set(verified)), "no address is verified twice"
    first_step, third_step = verified[:len(valid_inputs)], verified[len(valid_inputs):]
    assert set(first_step) == valid_inputs, "one verify per distinct valid email"

    no_deliverable = leads["email"].map(email_of).isna() | (result["email_status"] == "Invalid")
    wanted_by_domain, wanted_by_company = set(), set()
    for _, row in leads[no_deliverable].iterrows():
        first, last = (row[c].strip() if isinstance(row[c], str) and row[c].strip() else None
                       for c in ("first_name", "last_name"))
        if not (first and last):
            continue
        domain = bare(row["domain"])
        if domain and checks.domain_error(domain) is None:
            wanted_by_domain.add((first, last, domain))
        elif isinstance(row["company"], str):
            wanted_by_company.add((first, last, row["company"].strip()))
    by_domain = [(b["first_name"], b["last_name"], b["company_domain"])
                 for b in bodies(sandbox, "find_email")]
    by_company = [(b["first_name"], b["last_name"], b["company_name"])
                  for b in bodies(sandbox, "find_email_by_company")]
    assert sorted(by_domain) == sorted(wanted_by_domain), "one find per distinct person by domain"
    assert sorted(by_company) == sorted(wanted_by_company), "and by company where the domain is broken"
    assert wanted_by_domain and wanted_by_company

    found = {email_of(e) for e in result["found_email"].dropna()}
    assert set(third_step) == found - valid_inputs, "one verify per found email not yet verified"

    phones = [p for b in bodies(sandbox, "verify_phones") for p in b["phones"]]
    assert len(phones) == len(set(phones))
    assert sandbox.count("verify_phones") == math.ceil(len(set(phones)) / 100)
    assert result["phone_status"].notna().sum() == leads["phone"].notna().sum()

    before = api_requests(sandbox)
    again = leads.salesrocks.clean(progress=False)
    assert api_requests(sandbox) == before, "a second run sends nothing"
    assert again.attrs["salesrocks"].requests_sent == 0
    pd.testing.assert_frame_equal(again, result)


def test_national_phones_are_read_in_their_rows_country(sandbox, leads):
    result = leads.salesrocks.clean(progress=False, steps=["phones"])
    checked = 0
    for _, row in result.iterrows():
        phone, country = row["phone"], row["country"]
        if not isinstance(phone, str) or not isinstance(country, str) or phone.startswith(("+", "00")):
            continue
        try:
            number = phonenumbers.parse(phone, REGION[country.lower()])
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            assert row["phone_status"] == "VALID", (phone, country, row["phone_message"])
            checked += 1
    assert checked > 50
    formats = result.loc[result["phone_status"] == "INVALID FORMAT", "phone"]
    assert len(formats) < 12, "only the garbage is unreadable"
    assert set(result["phone_region"].dropna()) == {"GB", "US", "DE", "FR", "MK", "AU"}


def test_every_row_gets_a_verdict_by_the_documented_rules(sandbox, leads):
    result = leads.salesrocks.clean(progress=False)
    assert list(result.columns[:len(leads.columns)]) == list(leads.columns)
    assert result.index.equals(leads.index)
    assert result["verdict"].notna().all() and result["verdict_reason"].notna().all()
    assert set(result["verdict"]) == {"keep", "review", "drop"}

    keep = result[result["verdict"] == "keep"]
    assert (keep["best_email_status"] == "Valid").all()
    assert keep["duplicate_of"].isna().all()
    assert keep["best_email"].is_unique
    assert set(keep["best_email_source"]) == {"input", "found"}

    for label, row in result[result["duplicate_of"].notna()].iterrows():
        first = result.loc[row["duplicate_of"]]
        assert row["verdict"] == "drop" and row["verdict_reason"] == f"duplicate of row {row['duplicate_of']}"
        assert first["duplicate_of"] is pd.NA or pd.isna(first["duplicate_of"])
        same_email = isinstance(row["best_email"], str) and row["best_email"] == first["best_email"]
        same_person = (str(row["first_name"]).strip().lower() == str(first["first_name"]).strip().lower()
                       and bare(row["domain"]) == bare(first["domain"]))
        assert same_email or same_person, label
        assert row["duplicate_of"] < label

    review = result[result["verdict"] == "review"]
    assert (review["best_email_status"] == "Accept All").any()
    only_phone = review[review["best_email"].isna()]
    assert (only_phone["phone_status"] == "VALID").all()
    drop = result[(result["verdict"] == "drop") & result["duplicate_of"].isna()]
    for _, row in drop.iterrows():
        disposable = row["verdict_reason"] == "disposable address"
        no_valid_phone = row["phone_status"] is pd.NA or row["phone_status"] != "VALID"
        assert disposable or (pd.isna(row["best_email"]) and no_valid_phone)
    disposable = result["best_email"].str.contains("@yopmail.com|@mailinator.com|@guerrillamail.com",
                                                   na=False)
    assert disposable.any()
    assert (result.loc[disposable, "verdict"] == "drop").all()


def test_thresholds_are_arguments(sandbox, leads):
    strict = leads.salesrocks.clean(progress=False, min_confidence=95)
    lenient = leads.salesrocks.clean(progress=False, min_confidence=0, min_found_confidence=0)
    assert (strict["verdict"] == "keep").sum() < (lenient["verdict"] == "keep").sum()
    assert strict["verdict_reason"].str.contains("below 95").any()
    with pytest.raises(ValueError, match="min_confidence"):
        leads.salesrocks.clean(min_confidence=101)


def test_the_estimate_is_exact_where_inputs_are_known_and_a_bound_elsewhere(sandbox, leads):
    estimate = leads.salesrocks.estimate("clean")
    assert api_requests(sandbox) == 0, "an estimate sends nothing"
    steps = estimate.steps
    assert steps["verify"].exact and steps["phones"].exact
    assert not steps["find"].exact and not steps["verify_found"].exact
    assert "at most" in str(estimate) and "upper bound" in str(steps["find"])

    leads.salesrocks.clean(progress=False)
    assert sandbox.count("verify_phones") == steps["phones"].requests
    finds = sandbox.count("find_email") + sandbox.count("find_email_by_company")
    assert finds <= steps["find"].requests
    assert sandbox.count("verify_email") - steps["verify"].requests <= steps["verify_found"].requests
    assert len(bodies(sandbox, "verify_email")[:steps["verify"].requests]) == steps["verify"].requests

    after = leads.salesrocks.estimate("clean")
    assert after.exact and after.requests == 0


def test_max_requests_is_one_budget_for_all_steps(sandbox, leads):
    partial = leads.salesrocks.clean(progress=False, max_requests=300)
    assert api_requests(sandbox) == 300
    report = partial.attrs["salesrocks"]
    assert report.requests_sent == 300 and report.unanswered > 0
    assert "not verified" in " ".join(partial["verdict_reason"].dropna().unique())
    full = leads.salesrocks.clean(progress=False)
    sent = api_requests(sandbox)
    sandbox.reset()
    fresh_cache = leads.salesrocks.clean(progress=False, cache=False)
    assert sent == api_requests(sandbox), "what the budget held back was sent once, later"
    pd.testing.assert_frame_equal(full, fresh_cache)


def test_steps_can_be_left_out(sandbox, leads):
    result = leads.salesrocks.clean(progress=False, steps=["verify", "phones"])
    assert sandbox.count("find_email") == sandbox.count("find_email_by_company") == 0
    assert "found_email" not in result.columns and "phone_status" in result.columns
    assert set(result.attrs["salesrocks"].steps) == {"verify", "phones"}
    with pytest.raises(ValueError, match=r"unknown step.*verify, find, verify_found, phones"):
        leads.salesrocks.clean(steps=["verify", "enrich"])


def test_the_report_has_a_part_per_step_and_a_total(sandbox, leads):
    report = leads.salesrocks.clean(progress=False).attrs["salesrocks"]
    assert list(report.steps) == ["verify", "find", "verify_found", "phones"]
    assert report.requests_sent == api_requests(sandbox)
    assert sum(report.verdicts.values()) == len(leads)
    text = str(report)
    assert text.splitlines()[-1].startswith("clean: 320 rows")
    assert "keep" in report._repr_html_() and "total" in report._repr_html_()
    assert sr_frames.last_report() is report


def test_the_summary_counts_verdicts_statuses_and_countries(sandbox, leads):
    result = leads.salesrocks.clean(progress=False)
    summary = result.salesrocks.summary()
    verdicts = summary[summary["section"] == "verdict"]
    assert verdicts["value"].tolist() == ["keep", "review", "drop"]
    assert verdicts["rows"].sum() == 320
    expected = [int((result["verdict"] == v).sum()) for v in ("keep", "review", "drop")]
    assert verdicts["rows"].tolist() == expected
    assert abs(float(verdicts["share"].sum()) - 1) < 0.001
    assert {"email status", "phone status", "country", "run"} <= set(summary["section"])
    run = summary[summary["section"] == "run"].set_index("value")["rows"]
    assert run["requests sent"] == api_requests(sandbox)
    html = summary._repr_html_()
    assert html.count("<div style='background") == int(summary["share"].notna().sum())
    with pytest.raises(KeyError, match="clean"):
        leads.salesrocks.summary()


def test_the_input_frame_is_never_modified_and_clashes_are_refused(sandbox, leads):
    before = leads.copy()
    result = leads.salesrocks.clean(progress=False)
    pd.testing.assert_frame_equal(leads, before)
    with pytest.raises(ValueError, match="overwrite=True"):
        result.salesrocks.clean(progress=False)
    again = result.salesrocks.clean(progress=False, overwrite=True)
    assert list(again.columns) == list(result.columns)
    prefixed = leads.salesrocks.clean(progress=False, prefix="c_")
    assert {"c_verdict", "c_best_email", "c_email_status"} <= set(prefixed.columns)
    assert prefixed.salesrocks.summary(prefix="c_")["rows"].iloc[0] == (prefixed["c_verdict"] == "keep").sum()


def test_a_missing_column_names_the_argument(sandbox, leads):
    with pytest.raises(KeyError, match=r"column 'e-mail' \(argument email=\)"):
        leads.salesrocks.clean(email="e-mail")
    with pytest.raises(KeyError, match=r"'land' \(argument country=\)"):
        leads.salesrocks.clean(country="land")
    assert api_requests(sandbox) == 0
    without = leads.drop(columns=["country", "company"]).salesrocks.clean(progress=False, steps=["phones"])
    assert without["phone_status"].notna().any(), "country and company are used when present"


def test_find_email_only_where_the_email_is_missing(sandbox, leads):
    result = leads.salesrocks.find_email(only_missing="email", progress=False)
    missing = leads["email"].map(email_of).isna()
    people = {(r.first_name.strip(), r.last_name.strip(), r.domain.strip().lower())
              for r in leads[missing].itertuples()
              if all(isinstance(v, str) and v.strip() for v in (r.first_name, r.last_name, r.domain))
              and checks.domain_error(r.domain.strip().lower()) is None}
    assert sandbox.count("find_email") == len(people) > 0
    found = ["found_email", "found_email_confidence", "found_email_error"]
    assert result.loc[~missing, found].isna().all().all()
    assert result.loc[missing, "found_email"].notna().any()
    assert result.index.equals(leads.index)
    estimate = leads.salesrocks.estimate("find_email", only_missing="email")
    assert estimate.requests == 0


def test_verify_phones_takes_a_region_per_row(sandbox, leads):
    one_region = leads.salesrocks.verify_phones(region="GB", progress=False)
    per_row = leads.salesrocks.verify_phones(region_column="country", progress=False)
    assert (per_row["phone_status"] == "VALID").sum() > (one_region["phone_status"] == "VALID").sum()
    french = per_row[per_row["country"].str.lower().isin(["france", "fr"]).fillna(False)
                     & per_row["phone"].str.startswith("01", na=False)]
    assert len(french) and (french["phone_status"] == "VALID").all()
    assert (one_region.loc[french.index, "phone_status"] != "VALID").all()


def test_the_summary_sheet_is_added_without_touching_any_other_part(sandbox, leads, tmp_path):
    from sr_frames.cleanup.sheets import add_sheets, split_sheets, summary_sheet

    result = leads.salesrocks.clean(progress=False)
    output = tmp_path / "out.xlsx"
    sr_frames.write_table(result, LEADS_XLSX, output)
    with zipfile.ZipFile(output) as before:
        parts = {name: before.read(name) for name in before.namelist()}
    names = add_sheets(output, [summary_sheet(result.salesrocks.summary()), *split_sheets(result)])
    assert names == ["Summary", "keep", "review", "drop"]
    with zipfile.ZipFile(output) as after:
        changed = {n for n in parts if after.read(n) != parts[n]}
        added = set(after.namelist()) - set(parts)
    assert changed == {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    assert {"xl/charts/chart1.xml", "xl/drawings/drawing1.xml"} <= added

    import openpyxl

    book = openpyxl.load_workbook(output)
    assert book.sheetnames == ["Leads", "Notes", "Summary", "keep", "review", "drop"]
    assert book.active.title == "Leads"
    [chart] = book["Summary"]._charts
    assert chart.tagname == "barChart"
    assert book["keep"].max_row - 1 == (result["verdict"] == "keep").sum()
    assert sr_frames.read_table(output, sheet="Summary")["value"].tolist()[:3] == ["keep", "review", "drop"]
    again = add_sheets(output, [summary_sheet(result.salesrocks.summary())])
    assert again == ["Summary 2"], "a taken name is never overwritten"


def test_split_sheets_keep_formula_looking_text_as_text(tmp_path):
    from sr_frames.cleanup.sheets import NewSheet, add_sheets

    output = tmp_path / "book.xlsx"
    pd.DataFrame({"a": ["x"]}).to_excel(output, index=False)
    add_sheets(output, [NewSheet("odd", [["text"], ['=HYPERLINK("http://x","y")'], [np.nan], [3]])])
    import openpyxl

    sheet = openpyxl.load_workbook(output)["odd"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet["A3"].value is None and sheet["A4"].value == 3
