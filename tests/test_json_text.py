"""Answers, request bodies and cache rows go through orjson where it gives what json
gives: here both are compared on a large generated sample, edges included."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sr_frames import json_text
from sr_frames.config import Secret
from sr_frames.json_text import decode_shared, encode

# every character, lone surrogates and control characters too
ANY_TEXT = st.text(st.characters(codec=None, categories=None, min_codepoint=0), max_size=12)
LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
          | st.floats(allow_nan=True, allow_infinity=True) | ANY_TEXT)
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=24)
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
SAMPLE = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same(a, b) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0 nor True; NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def json_loads(raw):
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        return type(error)


def ours(raw):
    try:
        return decode_shared(raw)
    except (ValueError, RecursionError) as error:
        return type(error)


@SAMPLE
@given(VALUES, st.booleans(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_an_answer_decodes_exactly_as_json_reads_it(value, ascii_only, encoding):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode(encoding, "surrogatepass")
    assert same(ours(raw), json_loads(raw))


@SAMPLE
@given(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_any_bytes_decode_or_fail_as_json_does(raw):
    mine, reference = ours(raw), json_loads(raw)
    assert same(mine, reference) or (mine is ValueError and isinstance(reference, type)
                                     and issubclass(reference, ValueError))


def test_the_edges_where_orjson_differs_from_json_give_what_json_gives():
    for raw in [b"NaN", b"[Infinity, -Infinity]", b"\xef\xbb\xbf{}", b'"\\ud800"',
                b"18446744073709551616", b"-9223372036854775809", b'{"id": 123456789012345678901234}',
                b"[1e400]", '{"a": 1}'.encode("utf-16"), b'{"a": 1, "a": 2}', b"-0", b"-0.0",
                b"9.3e18", b"[1.0, 1]"]:
        assert same(ours(raw), json_loads(raw)), raw


def test_short_texts_of_an_answer_are_shared_between_answers():
    first, second = (decode_shared(b'{"status": "Valid", "list": ["Yes"], "id": 1}') for _ in range(2))
    assert first["status"] is second["status"] and first["list"][0] is second["list"][0]
    assert next(iter(first)) is next(iter(second))  # the keys too
    long = "x" * 100
    assert decode_shared(json.dumps({"a": long}))["a"] is not decode_shared(json.dumps({"a": long}))["a"]


def test_the_table_sharing_texts_is_bounded_and_shares_again_after_starting_over():
    held = json_text.SHARED_TEXTS_HELD
    answers = [decode_shared(json.dumps({"email": f"lead{i}@example.com", "status": "Valid"}))
               for i in range(held + held // 2)]
    assert len(json_text._shared) <= held  # distinct texts never pile up past the bound
    assert answers[-1]["status"] is answers[-2]["status"]  # shared again after the start over


@SAMPLE
@given(VALUES | st.dictionaries(st.integers() | st.booleans(), LEAVES, max_size=3))
def test_a_row_encodes_to_what_json_would_read_back(value):
    try:
        reference = ENCODER.encode(value)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            encode(value, ENCODER)
        return
    try:
        text = encode(value, ENCODER)
    except UnicodeEncodeError:  # json writes a lone surrogate as is: text that is not UTF-8
        return pytest.fail("orjson refused what json wrote")
    assert same(json.loads(text), json.loads(reference))


def test_what_json_cannot_hold_is_refused_as_json_refuses_it():
    class Text(str):
        pass

    for value in [object(), {1, 2}, b"bytes", {"a": object()}]:
        with pytest.raises(TypeError):
            encode(value, ENCODER)
    assert encode({"a": Text("b"), 1: 2}, ENCODER) == '{"a":"b","1":2}'  # as json writes them
    nan_and_null = [float("nan"), None]  # orjson would write both as null
    assert same(json.loads(encode(nan_and_null, ENCODER)), json.loads(ENCODER.encode(nan_and_null)))


def test_a_request_body_reveals_its_secret_only_in_the_encoder():
    wire = json.JSONEncoder(allow_nan=False, default=lambda v: v.reveal())
    text = encode({"username": "demo", "password": Secret("s3cret")}, wire, lambda v: v.reveal())
    assert json.loads(text) == {"username": "demo", "password": "s3cret"}


def test_a_row_holding_none_is_written_by_orjson_and_a_nan_by_json():
    class Refusing(json.JSONEncoder):
        def encode(self, o):
            raise AssertionError("json's encoder was asked")

    answer = {"status": "valid", "did_you_mean": None, "scores": [0.5, None], "pair": (1, None)}
    assert json.loads(encode(answer, Refusing())) == json.loads(ENCODER.encode(answer))
    nan, inf = {"score": float("nan"), "other": None}, [None, [float("-inf")]]
    # orjson writes a null for each of these; only json knows what it stood for
    for value in [nan, inf, {"a": None, "b": Secret("x")}]:
        with pytest.raises(AssertionError, match="json's encoder was asked"):
            encode(value, Refusing(), default=lambda v: v.reveal())
