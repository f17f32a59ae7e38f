"""Planning: how rows collapse into the distinct requests a verb sends.

No network here: a plan only decides what would be sent, which is why these tests can
say exactly how many requests a frame costs.
"""

import numpy as np
import pandas as pd

from sr_frames import checks
from sr_frames.cells import as_text
from sr_frames.endpoints import endpoint
from sr_frames.enrich.columns import result_columns
from sr_frames.enrich.plan import check_locally, make_plan
from sr_frames.sandbox import answers


def plan_for(method, **columns):
    """The plan after local checks, as a run sees it once the cache has had its say."""
    plan = make_plan(endpoint(method), {name: pd.Series(values) for name, values in columns.items()})
    check_locally(plan)
    return plan


def test_emails_are_trimmed_lower_cased_and_sent_once():
    plan = plan_for("verify_email", email=[" Alice@Example.COM ", "alice@example.com",
                                           "ALICE@example.com", "bob@example.com"])
    assert [s.body for s in plan.pending()] == [{"email": "alice@example.com"},
                                               {"email": "bob@example.com"}]
    assert plan.distinct == 2
    # every row points at the slot of its normalised address
    assert [plan.slots[i].body["email"] for i in plan.row_slot] == [
        "alice@example.com", "alice@example.com", "alice@example.com", "bob@example.com"]


def test_missing_values_send_nothing_and_say_why():
    plan = plan_for("verify_email", email=[None, np.nan, "", "   ", pd.NA, "a@example.com"])
    missing = [plan.slots[i] for i in plan.row_slot[:5]]
    assert {id(s) for s in missing} == {id(missing[0])}, "all missing rows share one slot"
    assert missing[0].state == "skipped"
    assert missing[0].error == "missing value in 'email'"
    assert missing[0].rows == 5
    assert plan.distinct == 1
    assert len(plan.pending()) == 1


def test_broken_addresses_get_the_services_answer_locally():
    plan = plan_for("verify_email", email=["no-at-sign", "a@-broken.com", 12345])
    for slot in plan.slots:
        assert slot.state == "local"
        assert slot.answer["status"] == "Invalid"
        assert slot.answer["format"] == "Incorrect"
        assert slot.answer == checks.invalid_email_answer(slot.answer["email"], slot.answer["message"])
    assert plan.pending() == []


def test_unparseable_phones_are_answered_with_the_parsers_message():
    plan = plan_for("verify_phones", phones=["3897820b4075", "38922037347", "+44 20 7946 0958"])
    local, *pending = plan.slots
    assert local.state == "local"
    assert local.answer == answers.verify_phone("3897820b4075")
    assert [s.body for s in pending] == [{"phones": ["38922037347"]}, {"phones": ["+44 20 7946 0958"]}]
    assert [s.item for s in pending] == ["38922037347", "+44 20 7946 0958"]


def test_an_invalid_domain_is_skipped_with_the_rule_it_breaks():
    plan = plan_for("email_patterns", domain=["Example.COM", "acme", "-bad.com", "example.com"])
    assert [s.body for s in plan.pending()] == [{"domain": "example.com"}]
    invalid = [s for s in plan.slots if s.state == "skipped"]
    assert len(invalid) == 2
    assert all("a dot and a top level domain" in s.error for s in invalid)


def test_several_columns_make_one_distinct_input_per_combination():
    plan = plan_for(
        "find_email",
        first_name=["Ada", "Ada ", "Ada", "Alan", None],
        last_name=["Lovelace", "Lovelace", "Byron", "Turing", "Hopper"],
        company_domain=["Engines.io", "engines.io", "engines.io", "bletchley.uk", "navy.mil"],
    )
    assert [s.body for s in plan.pending()] == [
        {"first_name": "Ada", "last_name": "Lovelace", "company_domain": "engines.io"},
        {"first_name": "Ada", "last_name": "Byron", "company_domain": "engines.io"},
        {"first_name": "Alan", "last_name": "Turing", "company_domain": "bletchley.uk"},
    ]
    assert plan.slots[plan.row_slot[4]].error == "missing value in 'first_name'"


def test_linkedin_urls_and_handles_are_the_same_input():
    plan = plan_for("contact_email", linkedin_handle=[
        "https://www.linkedin.com/in/jane-doe-12345/", "jane-doe-12345", "linkedin.com/in/jane-doe-12345"])
    assert [s.body for s in plan.pending()] == [{"linkedin_handle": "jane-doe-12345"}]


def test_a_million_rows_with_ten_thousand_addresses_plan_ten_thousand_requests():
    addresses = np.array([f"user{i}@example.com" for i in range(10_000)], dtype=object)
    rows = pd.Series(addresses[np.arange(1_000_000) % 10_000])
    plan = make_plan(endpoint("verify_email"), {"email": rows})
    assert len(plan.pending()) == 10_000
    assert plan.rows == 1_000_000
    assert plan.slots[plan.row_slot[123_456]].body == {"email": "user3456@example.com"}


def test_cells_read_as_request_text():
    assert as_text(42.0) == "42"
    assert as_text(" x ") == "x"
    assert as_text(float("nan")) is None
    assert as_text(pd.NaT) is None
    assert as_text("") is None


def test_result_dtypes_follow_the_table_even_when_answers_do_not():
    # a service that answers a number or a flag where the reference shows text still
    # gives the column the dtype the table promises (a Dask graph declares it up front)
    plan = plan_for("verify_email", email=["a@example.com", "b@example.com", None, "a@example.com"])
    first, second = plan.pending()
    first.settle("answered", answer={"status": "Valid", "disposable": False, "provider": 7,
                                     "confidence_score": "97", "mx_records": ["mx.example.com"]})
    second.settle("answered", answer={"status": "Invalid", "disposable": True, "provider": None,
                                      "confidence_score": None, "mx_records": []})

    columns = result_columns(plan)

    disposable = pd.Series(columns["email_disposable"])
    assert isinstance(disposable.dtype, pd.CategoricalDtype)
    assert disposable.tolist()[:2] == ["false", "true"] and pd.isna(disposable[2])
    assert pd.Series(columns["email_provider"]).tolist()[0] == "7"
    assert pd.Series(columns["email_confidence_score"]).dtype == "Int64"
    assert pd.Series(columns["email_error"]).dtype == "string"
    assert columns["email_mx_records"][3] is columns["email_mx_records"][0], "one list, shared"


def test_unusable_cells_share_a_slot_per_problem_and_send_nothing():
    plan = plan_for("verify_email", email=[{"a": 1}, {"b": 2}, ["x"], b"a@example.com",
                                           "a@example.com", 42.0, pd.Timestamp("2024-01-02")])
    errors = [plan.slots[i].error for i in plan.row_slot]
    assert errors[0] == errors[1] == "invalid value in 'email': a dict, not text"
    assert plan.row_slot[0] == plan.row_slot[1], "one slot for every dict"
    assert errors[2] == "invalid value in 'email': a list, not text"
    assert errors[3].startswith("invalid value in 'email': bytes, not text")
    assert [s.body for s in plan.pending()] == [{"email": "a@example.com"}]
    # numbers and dates are text, checked like any other (neither is an address)
    assert plan.slots[plan.row_slot[5]].state == "local"
    assert plan.slots[plan.row_slot[6]].state == "local"


def test_an_arrow_column_of_lists_is_refused_cell_by_cell():
    import pyarrow as pa

    column = pd.Series(pd.array([["a@example.com"], None, ["b@example.com"]],
                                dtype=pd.ArrowDtype(pa.list_(pa.string()))))
    plan = make_plan(endpoint("verify_email"), {"email": column})
    assert plan.slots[plan.row_slot[0]].error == "invalid value in 'email': an array, not text"
    assert plan.slots[plan.row_slot[1]].reason == "missing"
    assert plan.pending() == []


def test_text_columns_are_planned_as_the_value_by_value_rules_plan_them():
    """Plain text columns take a quicker path (whole-list string methods, one factorize);
    every row must end with the request, or the reason for none, that taking each value
    on its own gives (an identity transform forces that path)."""
    rng = np.random.default_rng(5)
    forms = ["Ana@X.example", " ana@x.example", "ANA@x.EXAMPLE\t", "bo@y.example", "", "   ", None,
             np.nan, "Zoë@ü.example", "x" * 400 + "@z.example", "no-at-sign", 42, "\u00a0c@d.example"]
    for kind_column, method, column in [("email", "verify_email", "email"),
                                        ("domain", "email_patterns", "domain"),
                                        ("domain", "find_email", "company_domain"),
                                        ("phone", "verify_phones", "phones")]:
        picked = rng.choice(len(forms), 500)
        values = pd.Series([forms[i] for i in picked], dtype=object)
        for dtype in (object, "string"):
            typed = values if dtype is object else values.map(
                lambda v: v if isinstance(v, str) else None).astype("string")
            inputs = {column: typed}
            if method == "find_email":  # several fields: the slots are made by the general path
                inputs["first_name"] = pd.Series(["Ana"] * len(typed))
                inputs["last_name"] = pd.Series(["Li"] * len(typed))
            quick = make_plan(endpoint(method), inputs)
            one_by_one = make_plan(endpoint(method), inputs, transforms={column: lambda t: t})
            def outcome(plan, row):
                slot = plan.slots[plan.row_slot[row]]
                return slot.state, slot.body, slot.error, slot.rows
            assert [outcome(quick, i) for i in range(len(typed))] == \
                [outcome(one_by_one, i) for i in range(len(typed))], (kind_column, dtype)
            assert quick.distinct == one_by_one.distinct
