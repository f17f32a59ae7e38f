"""The verbs on ``df.salesrocks``: one request per distinct input, answers on every row.

Every test runs against the sandbox over HTTP; its control plane counts what it
received, and ``sr_frames.sandbox.answers`` says what it answers for any input.
"""

import asyncio
import math
import random

import numpy as np
import pandas as pd
import pytest

import sr_frames
from sr_frames import checks
from sr_frames.sandbox import answers


def messy_lead_list(rows=1_000, distinct=300, seed=7):
    """A frame with ``distinct`` addresses spread over ``rows`` rows, plus every kind of mess."""
    rng = random.Random(seed)
    addresses = [f"person{i}@company{i % 37}.com" for i in range(distinct - 6)]
    mess = [" Alice@Example.COM ", "alice@example.com", "no-at-sign", "also.no.at", 12345, "bob@example.org"]
    pool = addresses + mess + [None, np.nan, ""]
    values = [pool[i % len(pool)] for i in range(rows)]
    rng.shuffle(values)
    index = [f"lead-{rng.randrange(rows // 2)}" for _ in range(rows)]  # shuffled and duplicated
    return pd.DataFrame({"email": values, "owner": [f"rep{i % 5}" for i in range(rows)]}, index=index)


def service_answer(function, *arguments):
    """What the sandbox answers, or ``{}`` for its definitive "not found"."""
    try:
        return function(*arguments)
    except answers.NotFound:
        return {}


def expected_status(value):
    text = checks.normalise("email", str(value)) if value is not None else ""
    if value is None or (isinstance(value, float) and math.isnan(value)) or not text:
        return None
    return answers.verify_email(text)["status"]


def test_verify_emails_sends_one_request_per_distinct_valid_address(sandbox):
    leads = messy_lead_list()
    before = leads.copy()

    checked = leads.salesrocks.verify_emails("email", progress=False)

    valid = {checks.normalise("email", str(v)) for v in leads["email"]
             if isinstance(v, str | int) and str(v).strip() and "@" in str(v)}
    assert sandbox.count("verify_email") == len(valid)
    received = [r["body"]["email"] for r in sandbox.requests("/toolkit/emailVerifier")]
    assert sorted(received) == sorted(valid), "each distinct normalised address exactly once"
    assert [expected_status(v) for v in leads["email"]] == [
        None if pd.isna(s) else s for s in checked["email_status"]]
    pd.testing.assert_frame_equal(leads, before)  # the caller's frame is untouched
    assert checked.index.equals(leads.index)
    assert list(checked.columns[:2]) == ["email", "owner"]
    pd.testing.assert_frame_equal(checked[["email", "owner"]], leads)


def test_rows_without_an_address_say_why_and_cost_nothing(sandbox):
    leads = pd.DataFrame({"email": [None, "", "not an address", "ada@engines.io"]})
    checked = leads.salesrocks.verify_emails(progress=False)
    assert list(checked["email_error"][:2]) == ["missing value in 'email'"] * 2
    assert checked.loc[2, "email_status"] == "Invalid"
    assert checked.loc[2, "email_format"] == "Incorrect"
    assert pd.isna(checked.loc[3, "email_error"])
    assert sandbox.count("verify_email") == 1
    report = checked.attrs["salesrocks"]
    assert (report.rows, report.distinct, report.answered_locally, report.requests_sent) == (4, 2, 1, 1)
    assert report.skipped == {"missing": 2}


def test_answers_from_a_small_vocabulary_are_categoricals(sandbox):
    leads = pd.DataFrame({"email": ["ada@engines.io", "bob@gmail.com", "ada@engines.io", None]})
    checked = leads.salesrocks.verify_emails(progress=False)

    status = checked["email_status"]
    assert isinstance(status.dtype, pd.CategoricalDtype)
    assert list(status.cat.categories) == sorted(set(status.dropna())), "the answers seen, sorted"
    assert (status == "Valid").sum() == list(status.dropna()).count("Valid")  # compares like text
    assert status.value_counts().sum() == 3
    assert checked["email_confidence_score"].dtype == "Int64"
    assert checked["email_mx_records"].dtype == object
    assert isinstance(checked.loc[0, "email_mx_records"], list)
    # free text and the error column stay text, so they take any value
    assert checked["email_error"].dtype == "string"
    assert list(checked["email_error"].fillna("")) == ["", "", "", "missing value in 'email'"]
    # a label column takes new words once it is text
    edited = status.astype("string").fillna("not checked")
    assert edited.iloc[-1] == "not checked"


def test_column_dtypes_do_not_depend_on_what_came_back(sandbox):
    nothing = pd.DataFrame({"email": [None, None]}).salesrocks.verify_emails(progress=False)
    answered = pd.DataFrame({"email": ["ada@engines.io"]}).salesrocks.verify_emails(progress=False)
    for column in ["email_status", "email_confidence_score", "email_mx_records", "email_error"]:
        assert type(nothing[column].dtype) is type(answered[column].dtype), column
    assert len(nothing["email_status"].cat.categories) == 0
    found = pd.DataFrame({"first": ["Ada"], "last": ["Love"], "domain": ["engines.io"]})
    found = found.salesrocks.find_email("first", "last", "domain", progress=False)
    assert found["found_email"].dtype == "string"
    assert found["found_email_confidence"].dtype == "Int64"


def test_a_second_run_is_free_refresh_pays_again_and_cache_false_keeps_nothing(sandbox):
    leads = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(40)]})
    first = leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 40

    again = leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 40, "served from the cache"
    assert again.attrs["salesrocks"].cache_hits == 40
    pd.testing.assert_frame_equal(first, again)

    leads.salesrocks.verify_emails(refresh=True, progress=False)
    assert sandbox.count("verify_email") == 80

    leads.salesrocks.verify_emails(cache=False, progress=False)
    assert sandbox.count("verify_email") == 120, "cache=False does not read the 40 cached answers"
    others = pd.DataFrame({"email": [f"other{i}@example.com" for i in range(10)]})
    others.salesrocks.verify_emails(cache=False, progress=False)
    others.salesrocks.verify_emails(cache=False, progress=False)
    assert sandbox.count("verify_email") == 140, "nor does it write"
    assert sr_frames.cache_info().by_endpoint.get("verify_email") == 40


def test_phones_go_in_batches(sandbox):
    phones = pd.DataFrame({"phone": [f"+44 20 7946 {i:04d}" for i in range(1_000)]})
    checked = phones.salesrocks.verify_phones(progress=False)
    assert sandbox.count("verify_phones") == math.ceil(1_000 / 100)
    sr_frames.configure(batch_size=64)
    phones.salesrocks.verify_phones(progress=False, refresh=True)
    assert sandbox.count("verify_phones") == 10 + math.ceil(1_000 / 64), "the batch size is a setting"
    assert (checked["phone_status"] == "VALID").all()
    assert checked.loc[7, "phone_international"] == "+44 20 7946 0007"
    assert checked.loc[7, "phone_timezone"] == ["Europe/London"]


def test_the_reference_phone_example(sandbox):
    phones = pd.Series(["38922037347", "3897820b4075", "78418838"], name="phone")
    checked = phones.salesrocks.verify_phones(progress=False)
    skopje = checked.iloc[0]
    assert (skopje.phone_local, skopje.phone_international, skopje.phone_location) == (
        "02 203 7347", "+389 2 203 7347", "Skopje")
    assert skopje.phone_timezone == ["Europe/Skopje"]
    assert checked.iloc[1].phone_status == "INVALID FORMAT"
    assert checked.iloc[1].phone_message == "The string supplied did not seem to be a phone number."
    assert checked.iloc[2].phone_status == "INVALID"
    assert sandbox.count("verify_phones") == 1, "the unparseable number is answered locally"


def test_national_numbers_are_read_in_the_region_given(sandbox):
    phones = pd.DataFrame({"phone": ["020 7946 0958", "+1 (415) 555-0132"]})
    plain = phones.salesrocks.verify_phones(progress=False)
    assert plain.loc[0, "phone_status"] == "INVALID FORMAT"
    british = phones.salesrocks.verify_phones(region="GB", progress=False, overwrite=True)
    assert list(british["phone_status"]) == ["VALID", "VALID"]
    assert british.loc[0, "phone_location"] == "London"


def test_find_email_by_domain_or_by_company(sandbox):
    people = pd.DataFrame({
        "first_name": ["Ada", "Alan", "Grace", "Ada"],
        "last_name": ["Lovelace", "Turing", "Hopper", "Lovelace"],
        "domain": ["engines.io", "bletchley.uk", "not a domain", "Engines.IO"],
        "company": ["Analytical Engines", "Bletchley Park", "US Navy", "Analytical Engines"],
    })
    by_domain = people.salesrocks.find_email(progress=False)
    assert sandbox.count("find_email") == 2
    for row in (0, 1):
        try:
            expected = answers.find_email(people.first_name[row], people.last_name[row],
                                          people.domain[row].lower())
        except answers.NotFound:
            assert by_domain.loc[row, "found_email_error"].startswith("not found")
        else:
            assert by_domain.loc[row, "found_email"] == expected["email"]
            assert by_domain.loc[row, "found_email_confidence"] == int(expected["confidence"])
    assert "a dot and a top level domain" in by_domain.loc[2, "found_email_error"]
    assert by_domain.loc[3].equals(by_domain.loc[0].set_axis(by_domain.columns)) or (
        by_domain.loc[3, "found_email"] == by_domain.loc[0, "found_email"])

    by_company = people.salesrocks.find_email(company="company", progress=False)
    assert sandbox.count("find_email_by_company") == 3
    for row in range(4):
        expected = service_answer(answers.find_email_by_company, people.first_name[row],
                                  people.last_name[row], people.company[row])
        found = by_company.loc[row, "found_email"]
        assert (None if pd.isna(found) else found) == expected.get("email")


def test_a_cached_not_found_reads_like_a_fresh_one(sandbox):
    domains = pd.DataFrame({"domain": [f"company{i}.com" for i in range(40)]})
    fresh = domains.salesrocks.email_patterns(progress=False)
    cached = domains.salesrocks.email_patterns(progress=False)
    assert cached.attrs["salesrocks"].requests_sent == 0
    assert fresh["email_patterns_error"].str.startswith("not found: No").any()
    pd.testing.assert_frame_equal(fresh, cached)


def test_domain_level_look_ups_are_asked_once_per_domain(sandbox):
    leads = pd.DataFrame({"domain": ["engines.io", "ENGINES.io", "bletchley.uk"] * 20})
    patterns = leads.salesrocks.email_patterns(progress=False)
    contacts = leads.salesrocks.linkedin_contacts(progress=False)
    assert sandbox.count("email_patterns") == 2
    assert sandbox.count("linkedin_contacts") == 2
    for row, domain in enumerate(leads["domain"][:3]):
        expected = service_answer(answers.email_patterns, domain.lower())
        assert patterns.loc[row, "email_patterns"] == expected.get("email_patterns"), domain
        expected = service_answer(answers.linkedin_contacts, domain.lower())
        handles = contacts.loc[row, "linkedin_contact_handles"]
        assert (None if handles is pd.NA else handles) == expected.get("contact_linkedin_handles")


def test_generated_addresses_need_a_real_domain(sandbox):
    people = pd.DataFrame({"first_name": ["Ada", "Ada"], "last_name": ["Lovelace"] * 2,
                           "domain": ["not a domain", "engines.io"]})
    local = people.salesrocks.generate_emails(progress=False)
    asked = people.salesrocks.generate_emails(use_service=True, progress=False)
    assert local.loc[0, "generated_emails"] is pd.NA
    assert "a dot and a top level domain" in local.loc[0, "generated_emails_error"]
    pd.testing.assert_frame_equal(local, asked)


def test_generate_emails_needs_no_request(sandbox):
    people = pd.DataFrame({"first_name": ["John"], "last_name": ["Doe"], "domain": ["example.com"]})
    local = people.salesrocks.generate_emails(progress=False)
    assert sandbox.count("generate_emails") == 0
    assert local.loc[0, "generated_emails"] == ["john@example.com", "john.doe@example.com",
                                                "johndoe@example.com", "jdoe@example.com",
                                                "j.doe@example.com", "doe@example.com"]
    served = people.salesrocks.generate_emails(use_service=True, progress=False, overwrite=True)
    assert sandbox.count("generate_emails") == 1
    assert served.loc[0, "generated_emails"] == local.loc[0, "generated_emails"]


def test_linkedin_verbs_take_handles_or_urls(sandbox):
    people = pd.DataFrame({"linkedin": ["https://www.linkedin.com/in/jane-doe-12345/", "jane-doe-12345"],
                           "company_linkedin": ["acme-rockets", "acme-rockets"]})
    found = (people.salesrocks.contact_email(progress=False)
             .salesrocks.company_email(progress=False)
             .salesrocks.contact_emails(progress=False))
    assert sandbox.count("contact_email") == 1
    assert sandbox.count("company_email") == 1
    assert sandbox.count("contact_emails") == 1
    assert found.loc[0, "contact_email"] == found.loc[1, "contact_email"]


def test_list_memberships_are_per_account_and_list_valued(sandbox):
    client = sr_frames.Client()
    list_id = client.create_list(list_name="Conference leads")
    client.add_to_list(list_id=list_id, data=[{"name": "Ada", "email": "ada@engines.io"}])
    client.close()
    leads = pd.DataFrame({"email": ["ada@engines.io", "nobody@engines.io"]})
    memberships = leads.salesrocks.list_memberships(progress=False)
    assert [m["list_name"] for m in memberships.loc[0, "list_memberships"]] == ["Conference leads"]
    assert memberships.loc[1, "list_memberships"] == []


def test_linkedin_handles_ignore_case(sandbox):
    handles = ["Jane-Doe-12345", "jane-doe-12345", "linkedin.com/in/JANE-DOE-12345"]
    people = pd.DataFrame({"linkedin": handles})
    people.salesrocks.contact_email(progress=False)
    assert sandbox.count("contact_email") == 1


def test_internationalised_domains_are_asked_not_rejected(sandbox):
    leads = pd.DataFrame({"email": ["info@müller.de"]})
    checked = leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 1
    assert checked.loc[0, "email_format"] == "Correct"


def test_replaced_columns_keep_their_place(sandbox):
    leads = pd.DataFrame({"email_status": ["old"], "email": ["a@example.com"], "z": [1]})
    replaced = leads.salesrocks.verify_emails(overwrite=True, progress=False)
    assert list(replaced.columns[:3]) == ["email_status", "email", "z"]
    assert replaced.loc[0, "email_status"] != "old"


def test_list_memberships_need_an_account(sandbox, monkeypatch):
    monkeypatch.delenv("SALESROCKS_USERNAME")
    monkeypatch.delenv("SALESROCKS_PASSWORD")
    leads = pd.DataFrame({"email": ["ada@engines.io"]})
    with pytest.raises(sr_frames.MissingCredentialsError, match="SALESROCKS_USERNAME"):
        leads.salesrocks.list_memberships(progress=False)
    with pytest.raises(sr_frames.MissingCredentialsError):
        leads.salesrocks.list_memberships(cache=False, progress=False)


def test_a_token_refused_mid_run_stops_the_run(sandbox, monkeypatch):
    monkeypatch.delenv("SALESROCKS_USERNAME")
    monkeypatch.delenv("SALESROCKS_PASSWORD")
    monkeypatch.setenv("SALESROCKS_TOKEN", "not.a.token")
    leads = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(50)]})
    with pytest.raises(sr_frames.AuthenticationError):
        leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") <= 32, "no more requests once the token is refused"


def test_an_environment_token_never_rides_along_with_configured_credentials(sandbox, monkeypatch):
    monkeypatch.setenv("SALESROCKS_TOKEN", "a.stale.token")
    sr_frames.configure(username="analyst", password="secret")
    pd.DataFrame({"email": ["a@example.com"]}).salesrocks.verify_emails(progress=False)
    assert "401" not in sandbox.stats()["by_status"], "the stale token was never sent"


def test_a_missing_column_names_close_matches():
    leads = pd.DataFrame({"e_mail": ["a@example.com"], "name": ["A"]})
    with pytest.raises(KeyError, match=r"column 'email' \(argument column=\) is not in the frame.*'e_mail'"):
        leads.salesrocks.verify_emails()


def test_result_columns_never_silently_replace_data(sandbox):
    leads = pd.DataFrame({"email": ["a@example.com"], "email_status": ["hand-checked"]})
    with pytest.raises(ValueError, match=r"email_status.*overwrite=True"):
        leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 0, "nothing is sent before the clash is reported"
    replaced = leads.salesrocks.verify_emails(overwrite=True, progress=False)
    assert replaced.loc[0, "email_status"] == answers.verify_email("a@example.com")["status"]
    prefixed = leads.salesrocks.verify_emails(prefix="sr_", progress=False)
    assert prefixed.loc[0, "email_status"] == "hand-checked"
    assert "sr_email_status" in prefixed


def test_series_verbs_return_a_frame(sandbox):
    emails = pd.Series(["a@example.com", "b@example.com"], name="contact", index=[10, 20])
    checked = emails.salesrocks.verify_emails(progress=False)
    assert list(checked.index) == [10, 20]
    assert list(checked.columns[:2]) == ["contact", "email_status"]


def test_cancelling_an_async_verb_stops_sending(sandbox):
    sandbox.configure(latency_ms=50)
    leads = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(400)]})

    async def cancelled_cell():
        task = asyncio.create_task(leads.salesrocks.verify_emails_async(progress=False))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        at_cancel = sandbox.count("verify_email")
        await asyncio.sleep(0.5)
        return at_cancel

    at_cancel = asyncio.run(cancelled_cell())
    assert 0 < at_cancel < 400
    assert sandbox.count("verify_email") <= at_cancel + 32, "only requests already in flight"
    assert sr_frames.last_report().interrupted


def test_max_requests_counts_retries_too(sandbox):
    sandbox.add_fault("status", path="verify_email", status=503, times=5)
    leads = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(30)]})
    checked = leads.salesrocks.verify_emails(max_requests=10, progress=False)
    assert sandbox.count("verify_email") == 10
    assert checked["email_error"].str.startswith("not sent: max_requests=10").sum() >= 20


def test_the_progress_bar_counts_cache_hits_and_requests(sandbox, capsys):
    leads = pd.DataFrame({"email": [f"user{i}@example.com" for i in range(30)]})
    leads.head(10).salesrocks.verify_emails(progress=False)
    leads.salesrocks.verify_emails()
    err = capsys.readouterr().err
    assert "verify_emails:" in err and "30/30" in err
    assert "sent=20" in err, "the bar shows this run's requests"


def test_verbs_work_inside_a_running_event_loop(sandbox):
    leads = pd.DataFrame({"email": ["a@example.com", "b@example.com"]})

    async def notebook_cell():
        synchronous = leads.salesrocks.verify_emails(progress=False)
        asynchronous = await leads.salesrocks.verify_emails_async(progress=False)
        return synchronous, asynchronous

    synchronous, asynchronous = asyncio.run(notebook_cell())
    pd.testing.assert_frame_equal(synchronous, asynchronous)
    assert sandbox.count("verify_email") == 2


def test_a_wrong_password_fails_before_any_row_is_sent(sandbox):
    sandbox.configure(password="the right one")
    leads = pd.DataFrame({"email": ["a@example.com", "b@example.com"]})
    with pytest.raises(sr_frames.AuthenticationError):
        leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 0


def test_the_report_is_returned_printed_and_remembered(sandbox, capsys):
    leads = pd.DataFrame({"email": ["a@example.com", "a@example.com", None]})
    checked = leads.salesrocks.verify_emails()
    report = checked.attrs["salesrocks"]
    assert report is sr_frames.last_report()
    assert report.to_dict()["requests_sent"] == 1
    assert "verify_emails: 3 rows, 1 distinct, 0 from cache, 1 requests" in capsys.readouterr().err
    assert "<table>" in report._repr_html_()


def test_concurrent_runs_share_a_request_and_survive_each_others_cancel(sandbox):
    sandbox.configure(latency_ms=300)
    leads = pd.DataFrame({"email": ["shared@example.com"]})

    async def two_cells():
        async with sr_frames.AsyncClient() as client:
            await client.login()
            first = asyncio.create_task(leads.salesrocks.verify_emails_async(client=client, progress=False))
            await asyncio.sleep(0.1)
            second = asyncio.create_task(leads.salesrocks.verify_emails_async(client=client, progress=False))
            await asyncio.sleep(0.05)
            first.cancel()
            return await second

    checked = asyncio.run(two_cells())
    assert checked.loc[0, "email_status"] == answers.verify_email("shared@example.com")["status"]
    assert sandbox.count("verify_email") == 2, "the second run asked again once the first was cancelled"


def test_overwrite_replaces_by_position_and_leaves_duplicated_columns_alone(sandbox):
    leads = pd.DataFrame([["x", "y", "jane@example.com", "old", 1]],
                         columns=["a", "a", "email", "email_status", "b"])
    replaced = leads.salesrocks.verify_emails(overwrite=True, progress=False)
    assert list(replaced.columns[:5]) == ["a", "a", "email", "email_status", "b"]
    assert list(replaced.iloc[0, :2]) == ["x", "y"], "each duplicate kept once, in its place"
    assert replaced.loc[0, "email_status"] == answers.verify_email("jane@example.com")["status"]
    assert replaced.columns.tolist().count("email_status") == 1


def test_the_callers_attrs_are_kept_beside_the_report(sandbox):
    leads = pd.DataFrame({"email": ["jane@example.com"]})
    leads.attrs["source"] = {"file": "leads.xlsx"}
    checked = leads.salesrocks.verify_emails(progress=False)
    assert checked.attrs["source"] == {"file": "leads.xlsx"}
    assert checked.attrs["salesrocks"].rows == 1
    checked.attrs["source"]["file"] = "changed"
    assert leads.attrs == {"source": {"file": "leads.xlsx"}}, "the caller's attrs are not shared"


def test_multiindex_columns_get_the_results_as_padded_tuples(sandbox):
    leads = pd.DataFrame([["Jane", "jane@example.com"], ["John", "john@example.com"]],
                         columns=pd.MultiIndex.from_tuples([("contact", "name"), ("contact", "email")]))
    checked = leads.salesrocks.verify_emails(column=("contact", "email"), progress=False)
    assert checked.columns.nlevels == 2
    assert all(isinstance(c, tuple) for c in checked.columns)
    assert checked.columns[:2].tolist() == leads.columns.tolist()
    assert ("email_status", "") in checked.columns and ("email_error", "") in checked.columns
    assert checked[("email_status", "")].tolist() == [
        answers.verify_email(e)["status"] for e in ("jane@example.com", "john@example.com")]
    again = checked.salesrocks.verify_emails(column=("contact", "email"), overwrite=True,
                                             progress=False)
    assert again.columns.tolist() == checked.columns.tolist()
    with pytest.raises(KeyError, match=r"MultiIndex, so name column 'email' .* by its tuple"):
        leads.salesrocks.verify_emails(progress=False)
    assert sandbox.count("verify_email") == 2


def test_a_series_named_like_a_result_column_keeps_its_input(sandbox):
    addresses = pd.Series(["jane@example.com"], name="email_status")
    with pytest.raises(ValueError, match="input column 'email_status' is named like a result column"):
        addresses.salesrocks.verify_emails(overwrite=True, progress=False)
    checked = addresses.salesrocks.verify_emails(prefix="checked_", progress=False)
    assert checked.loc[0, "email_status"] == "jane@example.com"
    assert sandbox.count("verify_email") == 1


def test_a_missing_answer_shows_one_way_in_every_kind_of_result_column(sandbox):
    leads = pd.DataFrame({
        "email": ["ada@engines.io", None], "first_name": ["Ada", None], "last_name": ["Love", None],
        "domain": ["engines.io", None], "company": ["Engines", None], "phone": ["+44 20 7946 0958", None],
        "country": ["GB", None]})
    checked = leads.salesrocks.verify_emails(progress=False)
    cleaned = leads.salesrocks.clean(progress=False)
    for result in (checked, cleaned):
        added = result[[c for c in result.columns if c not in leads.columns]]
        kinds = {str(d) if not isinstance(d, pd.CategoricalDtype) else "category" for d in added.dtypes}
        assert {"category", "Int64", "object"} <= kinds and kinds & {"str", "string"}, kinds
        assert added.iloc[1].isna().sum() >= len(kinds), "the second row has missing answers of each kind"
        text, html = added.to_string(), added._repr_html_()  # as a notebook shows it
        assert "<NA>" in text and "&lt;NA&gt;" in html
        for other in ("NaN", "None"):
            assert other not in text and other not in html, other
    # the caller's own columns are as they were, in their dtype and missing marker
    pd.testing.assert_frame_equal(cleaned[list(leads.columns)], leads)
