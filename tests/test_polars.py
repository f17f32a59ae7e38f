"""``pl.DataFrame.salesrocks`` and ``pl.LazyFrame.salesrocks``: the pandas verbs' answers,
row for row, in Polars dtypes; one request per distinct input; lazy until collected.

Every test runs against the sandbox over HTTP; the pandas verb on the same data is the
reference, compared value by value after turning both frames into plain Python values.
"""

import inspect
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

pl = pytest.importorskip("polars")

import sr_frames  # noqa: E402
from sr_frames import checks  # noqa: E402
from sr_frames.accessor import VERBS  # noqa: E402
from sr_frames.endpoints import BY_PATH, endpoint  # noqa: E402
from sr_frames.polars import register  # noqa: E402
from sr_frames.polars.namespaces import FrameVerbs  # noqa: E402

register()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEADS_CSV = os.path.join(ROOT, "sample_data", "leads.csv")

CALLS = {verb: {} for verb in VERBS}
CALLS["verify_phones"] = {"region": "GB"}
CALLS["generate_emails"] = {"use_service": True}
METHOD = {"verify_emails": "verify_email", "find_email": "find_email"}

CAMPAIGN = pl.Struct({"id": pl.Int64, "name": pl.String})
MEMBERSHIPS = pl.List(pl.Struct({"id": pl.Int64, "list_name": pl.String, "date_of_creation": pl.String,
                                 "campaigns": pl.List(CAMPAIGN)}))
KIND_DTYPE = {"label": pl.Categorical, "integer": pl.Int64, "list": pl.List(pl.String), "text": pl.String}


def messy_leads():
    """Every input column of every verb, with duplicates in other case, blanks, nulls,
    broken values and a number where text is expected."""
    return pl.DataFrame({
        "lead_id": [10, 11, 12, 13, 14, 15, 16, 17],
        "email": ["ada@acme.com", " ADA@acme.com", None, "broken", "bob@example.org", "eve@gmail.com",
                  "", "ada@acme.com"],
        "phone": ["020 7946 0958", "+44 20 7946 0958", None, "abc", "+1 415 555 0132", "38922037347",
                  "   ", "020 7946 0958"],
        "first_name": ["Ada", "ada", "Bob", None, "Eve", "Zoë", "Ada", "Ada"],
        "last_name": ["Love", "Love", "Smith", "X", "Ng", "Núñez", "Love", "Love"],
        "domain": ["acme.com", "ACME.com", "bad domain", None, "example.org", "umbrella.eu", "acme.com",
                   "acme.com"],
        "company": ["Acme", "acme", None, "Initech", "Umbrella", "Globex", "Acme", "Acme"],
        "company_linkedin": ["acme", "https://www.linkedin.com/company/acme/", None, "initech",
                             "umbrella", "globex", "acme", "acme"],
        "linkedin": ["jane-doe", "https://www.linkedin.com/in/jane-doe/", None, "john", "eve-ng", "zoe",
                     "jane-doe", "jane-doe"],
        "score": [1.5, float("nan"), None, 2.0, 1.5, 3.0, 1.5, 1.5],
    })


def as_pandas(frame):
    """What a pandas user has for ``frame``: Polars' own conversion (it needs pyarrow),
    else the columns' Python values."""
    try:
        return frame.to_pandas()
    except ModuleNotFoundError:
        return pd.DataFrame({c: pd.Series(frame.get_column(c).to_list(), dtype=object).infer_objects()
                             for c in frame.columns})


def plain(value):
    """A cell as plain Python: missing -> None, numpy -> Python, arrays -> lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def pandas_values(frame: pd.DataFrame) -> dict:
    return {str(c): [plain(v) for v in frame[c]] for c in frame.columns}


def polars_values(frame) -> dict:
    return {c: [plain(v) for v in frame.get_column(c).to_list()] for c in frame.columns}


@pytest.fixture
def memberships(sandbox):
    """Two addresses of the messy leads pushed into a list, so memberships are not empty."""
    list_id = sr_frames.create_list("Polars fair")
    pd.DataFrame({"email": ["ada@acme.com", "eve@gmail.com"]}).salesrocks.push_to_list(
        list_id, progress=False)
    return list_id


@pytest.mark.parametrize("verb", VERBS)
def test_every_read_verb_gives_the_pandas_answers_in_polars_dtypes(sandbox, memberships, verb):
    frame = messy_leads()
    before = frame.clone()
    # each run asks afresh (cache=False), so both see the same answers from the sandbox
    expected = getattr(as_pandas(frame).salesrocks, verb)(progress=False, cache=False, **CALLS[verb])
    result = getattr(frame.salesrocks, verb)(progress=False, cache=False, **CALLS[verb])

    assert isinstance(result, pl.DataFrame)
    assert result.columns == [str(c) for c in expected.columns]
    assert polars_values(result) == pandas_values(expected)
    assert frame.equals(before), "the caller's frame is untouched"
    assert result.select(frame.columns).equals(frame), "input columns and row order kept"

    kinds = BY_PATH[expected.attrs["salesrocks"].endpoint].column_kinds()
    for column, kind in kinds.items():
        wanted = MEMBERSHIPS if column == "list_memberships" else KIND_DTYPE[kind]
        assert result.schema[column] == wanted, column
    assert result.salesrocks.report.to_dict() | {"elapsed_s": 0} == \
        expected.attrs["salesrocks"].to_dict() | {"elapsed_s": 0}, "the same report"


def test_memberships_are_structs_with_their_fields(sandbox, memberships):
    found = messy_leads().salesrocks.list_memberships(progress=False)
    ada = found.get_column("list_memberships")[0].to_list()
    assert [(m["list_name"], m["campaigns"]) for m in ada] == [("Polars fair", [])]
    assert isinstance(ada[0]["id"], int)
    assert found.get_column("list_memberships")[4].to_list() == [], "in no list: an empty list"
    assert found.get_column("list_memberships")[3] is None
    assert found.get_column("list_memberships_error")[3].startswith("invalid email")


def test_a_run_where_every_row_failed_has_the_same_dtypes(sandbox):
    sandbox.add_fault("status", path="verify_email", status=500)
    frame = pl.DataFrame({"email": ["ada@acme.com", "bob@example.org"]})
    failed = frame.salesrocks.verify_emails(progress=False)
    assert failed.get_column("email_error").null_count() == 0
    assert failed.schema == frame.salesrocks.verify_emails(progress=False, cache_only=True).schema
    assert failed.schema["email_status"] == pl.Categorical
    assert failed.schema["email_mx_records"] == pl.List(pl.String)


def test_each_distinct_input_is_sent_once_and_answers_reach_every_row(sandbox):
    addresses = [f"person{i}@company{i % 7}.com" for i in range(50)]
    mess = [" Person1@Company1.COM", "PERSON2@company2.com", None, "", "no-at-sign"]
    pool = addresses + mess
    frame = pl.DataFrame({"email": [pool[(i * 7) % len(pool)] for i in range(2_000)],
                          "owner": [f"rep{i % 3}" for i in range(2_000)]})
    checked = frame.salesrocks.verify_emails(progress=False)
    received = sorted(r["body"]["email"] for r in sandbox.requests("verify_email"))
    assert received == sorted(addresses), "each distinct normalised address exactly once"
    expected = as_pandas(frame).salesrocks.verify_emails(progress=False)
    assert polars_values(checked) == pandas_values(expected)
    report = checked.salesrocks.report
    assert (report.rows, report.distinct, report.requests_sent) == (2_000, 51, 50)
    assert report.skipped == {"missing": sum(1 for v in frame["email"] if not (v or "").strip())}


def test_the_cache_is_shared_with_the_pandas_verbs(sandbox):
    frame = pl.read_csv(LEADS_CSV)
    as_pandas(frame).salesrocks.verify_emails(progress=False)
    sent = sandbox.stats()["total"]
    checked = frame.salesrocks.verify_emails(progress=False)
    assert sandbox.stats()["total"] == sent, "a pandas run then a Polars run sends nothing more"
    assert checked.salesrocks.report.requests_sent == 0
    assert checked.salesrocks.report.cache_hits > 0
    # and the other way round: a Polars run fills the cache for pandas
    frame.salesrocks.email_patterns(progress=False)
    sent = sandbox.stats()["total"]
    again = as_pandas(frame).salesrocks.email_patterns(progress=False)
    assert sandbox.stats()["total"] == sent and again.attrs["salesrocks"].requests_sent == 0


def test_a_lazy_frame_sends_nothing_until_collected_then_each_input_once(sandbox):
    addresses = [f"lazy{i}@example.com" for i in range(40)]
    parts = [pl.DataFrame({"email": addresses[i % 7:] + addresses[: i % 7], "part": [i] * 40})
             for i in range(6)]
    lf = pl.concat(parts, rechunk=False).lazy().filter(pl.col("part") >= 0)

    checked = lf.salesrocks.verify_emails(prefix="v_")
    schema = checked.collect_schema()
    plan = checked.explain()
    assert sandbox.stats()["total"] == 0, "building, the schema and explain() send nothing"
    assert "python" in plan.lower(), plan
    assert schema["v_email_status"] == pl.Categorical
    assert schema.names()[:2] == ["email", "part"]

    streaming = ({"engine": "streaming"} if "engine" in inspect.signature(pl.LazyFrame.collect).parameters
                 else {"streaming": True})  # (Polars before 1.23)
    collected = checked.collect(**streaming)  # in batches where Polars can
    assert sorted(r["body"]["email"] for r in sandbox.requests("verify_email")) == sorted(addresses)
    assert collected.schema == schema
    assert collected.equals(lf.collect().salesrocks.verify_emails(prefix="v_", progress=False))
    assert sr_frames.last_report().rows == 240


def test_a_lazy_verb_checks_its_columns_before_anything_runs(sandbox):
    lf = pl.LazyFrame({"e_mail": ["ada@acme.com"]})
    with pytest.raises(KeyError, match="e_mail"):
        lf.salesrocks.verify_emails()
    with pytest.raises(ValueError, match="overwrite=True"):
        pl.LazyFrame({"email": ["a@b.co"], "email_status": ["x"]}).salesrocks.verify_emails()
    assert sandbox.stats()["total"] == 0


def test_every_read_verb_is_lazy_with_the_eager_schema(sandbox):
    frame = messy_leads()
    lazies = {verb: getattr(frame.lazy().salesrocks, verb)(**arguments)
              for verb, arguments in CALLS.items()}
    schemas = {verb: lazy.collect_schema() for verb, lazy in lazies.items()}
    assert sandbox.stats()["total"] == 0
    for verb, arguments in CALLS.items():
        eager = getattr(frame.salesrocks, verb)(progress=False, **arguments)
        assert schemas[verb] == eager.schema, verb
        assert lazies[verb].collect().equals(eager), verb


def test_overwrite_keeps_the_place_of_replaced_columns_and_prefix_renames(sandbox):
    frame = pl.DataFrame({"email": ["ada@acme.com", "x"], "note": ["a", "b"]})
    first = frame.salesrocks.verify_emails(progress=False)
    moved = first.select(["email", "email_status", "note"])
    again = moved.salesrocks.verify_emails(progress=False, overwrite=True)
    assert again.columns[:3] == ["email", "email_status", "note"]
    assert again.schema["email_status"] == pl.Categorical
    with pytest.raises(ValueError, match="already exist"):
        first.salesrocks.verify_emails(progress=False)
    prefixed = frame.salesrocks.verify_emails(progress=False, prefix="v_")
    assert prefixed.columns == ["email", "note", *endpoint("verify_email").result_columns("v_")]


def test_a_missing_column_is_named_with_close_matches(sandbox):
    with pytest.raises(KeyError, match=r"Did you mean 'Email'"):
        pl.DataFrame({"Email": ["a@b.co"]}).salesrocks.verify_emails()


def test_estimate_matches_the_pandas_estimate_and_sends_nothing(sandbox):
    frame = messy_leads()
    frame.salesrocks.verify_emails(progress=False)
    sent = sandbox.stats()["total"]
    for verb, arguments in CALLS.items():
        ours = frame.salesrocks.estimate(verb, **arguments)
        theirs = as_pandas(frame).salesrocks.estimate(verb, **arguments)
        assert ours.to_dict() == theirs.to_dict(), verb
    assert sandbox.stats()["total"] == sent
    with pytest.raises(ValueError, match="unknown verb"):
        frame.salesrocks.estimate("verify_everything")


def test_push_to_list_is_the_pandas_push(sandbox):
    list_id = sr_frames.create_list("Polars pushes")
    frame = pl.DataFrame({"email": ["ada@acme.com", "bob@example.org", None],
                          "first_name": ["Ada", "Bob", None], "lead_id": [1, 2, 3]})
    before = frame.clone()
    pushed = frame.salesrocks.push_to_list(list_id, progress=False)
    assert pushed.columns == ["email", "first_name", "lead_id", "sr_contact_id", "sr_push_error"]
    assert pushed.schema["sr_contact_id"] == pl.String and pushed.schema["sr_push_error"] == pl.String
    assert pushed.get_column("sr_contact_id").null_count() == 0, "a lead id alone is a contact"
    assert frame.equals(before)
    contacts = sr_frames.read_list(list_id)
    assert sorted(contacts["email"].dropna()) == ["ada@acme.com", "bob@example.org"]
    sent = sandbox.count("add_to_list")
    again = as_pandas(frame).salesrocks.push_to_list(list_id, progress=False)
    assert sandbox.count("add_to_list") == sent, "the ledger knows the Polars push"
    assert list(again["sr_contact_id"]) == pushed.get_column("sr_contact_id").to_list()
    assert pushed.salesrocks.report.verb == "push_to_list"


def test_series_verbs_make_a_frame_with_the_series_first(sandbox):
    series = pl.Series("work_email", ["ada@acme.com", " ADA@acme.com", None])
    checked = series.salesrocks.verify_emails(progress=False)
    assert checked.columns[0] == "work_email"
    assert checked.get_column("work_email").equals(series)
    assert checked.get_column("email_status").to_list()[:2] == [checked["email_status"][0]] * 2
    unnamed = pl.Series(["+44 20 7946 0958"]).salesrocks.verify_phones(progress=False)
    assert unnamed.columns[0] == "value"
    with pytest.raises(AttributeError, match="series verbs"):
        series.salesrocks.find_email()


def test_the_report_belongs_to_the_frame_a_verb_returned(sandbox):
    checked = pl.DataFrame({"email": ["ada@acme.com"]}).salesrocks.verify_emails(progress=False)
    assert checked.salesrocks.report is sr_frames.last_report()
    assert checked.head(1).salesrocks.report is None, "a derived frame is another frame"


def test_max_requests_leaves_the_last_inputs_in_frame_order(sandbox):
    frame = pl.DataFrame({"email": [f"p{i}@example.com" for i in (3, 1, 3, 2, 0)]})
    checked = frame.salesrocks.verify_emails(progress=False, max_requests=2)
    assert sorted(r["body"]["email"] for r in sandbox.requests("verify_email")) == \
        ["p1@example.com", "p3@example.com"]
    errors = checked.get_column("email_error").to_list()
    assert errors[:3] == [None, None, None] and "max_requests=2" in errors[3]


def test_frame_order_holds_over_many_chunks_and_missing_values(sandbox):
    # a frame read in pieces (several chunks), shuffled, with gaps: the distinct inputs
    # still count in order of first appearance, so the budget sends the first ones
    rng = np.random.default_rng(3)
    addresses = np.array([f"lead{i}@example.com" for i in range(20_000)], dtype=object)
    rows = rng.permutation(np.concatenate([addresses, rng.choice(addresses, 80_000)]))
    rows[rng.choice(len(rows), 500, replace=False)] = None
    pieces = [pl.DataFrame({"email": part}, schema={"email": pl.String}) for part in np.array_split(rows, 4)]
    frame = pl.concat(pieces, rechunk=False)
    assert frame.n_chunks() == 4
    checked = frame.salesrocks.verify_emails(progress=False, max_requests=5)
    first = list(dict.fromkeys(r for r in rows if r is not None))[:5]
    assert sorted(r["body"]["email"] for r in sandbox.requests("verify_email")) == sorted(first)
    answered = checked.filter(pl.col("email_status").is_not_null()).get_column("email")
    assert set(answered) == set(first) and answered.len() == sum(r in first for r in rows)


def test_the_sample_leads_read_by_polars(sandbox):
    checked = pl.read_csv(LEADS_CSV).salesrocks.verify_emails(progress=False)
    statuses = set(checked.get_column("email_status").drop_nulls().to_list())
    assert statuses <= {"Valid", "Invalid", "Accept All"} and len(statuses) > 1
    valid = {checks.normalise("email", e) for e in checked["email"].drop_nulls()
             if e.strip() and checks.email_syntax_error(checks.normalise("email", e)) is None}
    assert sandbox.count("verify_email") == len(valid)


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_polars_the_library_imports_and_does_not_import_it():
    out = _python("""
        import sys
        sys.modules["polars"] = None  # as if Polars were not installed
        import pandas as pd
        import sr_frames
        from sr_frames.polars import register
        assert register() is False
        assert sys.modules["polars"] is None
        assert "sr_frames.polars.namespaces" not in sys.modules
        print(type(pd.DataFrame({"email": ["a@b.co"]}).salesrocks).__name__)
    """)
    assert out.strip() == "SalesRocksFrameAccessor"


def test_the_namespaces_appear_when_polars_is_imported_after_sr_frames():
    out = _python("""
        import sys
        import sr_frames
        assert "polars" not in sys.modules, "import sr_frames does not import Polars"
        import polars as pl
        print(type(pl.DataFrame({"email": ["a@b.co"]}).salesrocks).__name__,
              type(pl.LazyFrame({"email": ["a@b.co"]}).salesrocks).__name__,
              type(pl.Series(["a@b.co"]).salesrocks).__name__)
    """)
    assert out.split() == ["FrameVerbs", "LazyFrameVerbs", "SeriesVerbs"]


@pytest.mark.parametrize("module", ["schema", "distinct", "namespaces"])
def test_the_namespaces_appear_whichever_module_imports_polars_first(module):
    out = _python(f"""
        import warnings
        warnings.simplefilter("error")
        import sr_frames.polars.{module}
        import polars as pl
        print(type(pl.DataFrame({{"a": [1]}}).salesrocks).__name__)
    """)
    assert out.strip() == "FrameVerbs"


def test_the_namespace_lists_its_verbs():
    names = dir(pl.DataFrame({"a": [1]}).salesrocks)
    assert {*VERBS, "estimate", "push_to_list", "report"} <= set(names)
    assert FrameVerbs.verify_emails.__doc__ and "column" in str(
        inspect.signature(FrameVerbs.verify_emails))



CLEAN_DTYPES = {"email_status": pl.Categorical, "found_email": pl.String,
                "found_email_status": pl.Categorical,
                "phone_region": pl.String, "best_email": pl.String, "best_email_source": pl.Categorical,
                "duplicate_of": pl.Int64, "verdict": pl.Categorical, "verdict_reason": pl.String}


def api_requests(sandbox) -> dict:
    """Requests received so far per API path, logins aside."""
    return {path: n for path, n in sandbox.stats()["by_path"].items() if not path.startswith("/auth/")}


def timeless(report):
    """A report's dict without its timings, which differ from run to run."""
    if isinstance(report, dict):
        return {k: timeless(v) for k, v in report.items() if not k.startswith("elapsed")}
    return report


def test_clean_is_the_pandas_clean_in_polars_dtypes(sandbox):
    frame = messy_leads()
    before = frame.clone()
    # each run asks afresh (cache=False), so both send what a first run sends
    expected = as_pandas(frame).salesrocks.clean(progress=False, cache=False)
    by_pandas = api_requests(sandbox)
    cleaned = frame.salesrocks.clean(progress=False, cache=False)
    by_both = api_requests(sandbox)

    assert isinstance(cleaned, pl.DataFrame)
    assert cleaned.columns == [str(c) for c in expected.columns]
    assert polars_values(cleaned) == pandas_values(expected)
    assert frame.equals(before), "the caller's frame is untouched"
    assert cleaned.select(frame.columns).equals(frame), "input columns and row order kept"
    for column, dtype in CLEAN_DTYPES.items():
        assert cleaned.schema[column] == dtype, column
    assert by_pandas and by_both == {path: 2 * n for path, n in by_pandas.items()}, \
        "the Polars clean sends what the pandas clean sends"
    assert timeless(cleaned.salesrocks.report.to_dict()) == \
        timeless(expected.attrs["salesrocks"].to_dict()), "the same report, step by step"


def test_a_pandas_clean_then_a_polars_clean_sends_nothing_more(sandbox):
    frame = messy_leads()
    as_pandas(frame).salesrocks.clean(progress=False)
    sent = api_requests(sandbox)
    cleaned = frame.salesrocks.clean(progress=False)
    assert api_requests(sandbox) == sent
    assert cleaned.salesrocks.report.requests_sent == 0


def test_clean_names_a_missing_column_and_summary_counts_the_verdicts(sandbox):
    frame = messy_leads()
    with pytest.raises(KeyError, match="first_name"):
        frame.drop("first_name").salesrocks.clean(progress=False)
    cleaned = frame.salesrocks.clean(progress=False, steps=["verify", "phones"])
    table = cleaned.salesrocks.summary()
    expected = as_pandas(cleaned).salesrocks.summary()
    assert isinstance(table, pl.DataFrame)
    assert table.schema == pl.Schema({"section": pl.String, "value": pl.String, "rows": pl.Int64,
                                      "share": pl.Float64})
    assert polars_values(table.filter(pl.col("section") != "run")) == pandas_values(expected)
    run = dict(table.filter(pl.col("section") == "run").select("value", "rows").iter_rows())
    assert run == {"requests sent": cleaned.salesrocks.report.requests_sent,
                   "cache hits": cleaned.salesrocks.report.cache_hits}
