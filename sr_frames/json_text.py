"""JSON text in and out on the request path: orjson where it gives what json gives.

Every answer is decoded once and every request body and cache row encoded once, so
the JSON library's speed is a share of each request's cost; orjson decodes about four
times and encodes about eight times faster than the standard library. At the edges the
two differ, and there each function here falls back to :mod:`json`, so a caller gets
what json would give:

* decoding, orjson refuses NaN, Infinity, a byte order mark, lone surrogates and
  UTF-16 text, which json reads, and reads an integer beyond 64 bits as a float: such
  a float sends the text to json again;
* encoding, orjson writes NaN and infinities as ``null`` and refuses integers beyond
  64 bits, keys that are not text and subclasses of the JSON types: a refusal, or a
  ``null`` in its output where the value holds a NaN, an infinity or a type other than
  JSON's own (found by a walk over the value, made only when orjson wrote a ``null``),
  sends the value to json. A value neither can hold raises ``TypeError`` as before; a
  ``uuid.UUID`` or an ``Enum`` member, which orjson writes as its text or value, is
  the one value json would refuse.

A root module: it imports only :mod:`sr_frames.defaults`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import orjson

from sr_frames.defaults import SHARED_TEXT_MAX, SHARED_TEXTS_HELD

__all__ = ["decode_shared", "encode"]

_BEYOND_64_BITS = float(2**63)  # orjson reads any integer from here on as a float
_ENCODE_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME \
    | orjson.OPT_PASSTHROUGH_DATACLASS
# The texts answers share: each short text is held once, and a later copy is swapped for
# the held one. A table of our own rather than sys.intern: the interpreter's table holds
# every name of every loaded module (pandas brings tens of thousands), and an answer's
# texts, looked up there between network reads, cost 4 to 10 us an answer against 2 to
# 3 here (a verifier's answer, measured in a run at 32 requests at a time). Once it
# holds SHARED_TEXTS_HELD texts, it starts over before the next answer.
_shared: dict[str, str] = {}
_share = _shared.setdefault


class _MaybeBigInteger(Exception):
    """A float as large as orjson makes of an integer beyond 64 bits."""


def decode_shared(raw: bytes | str) -> Any:
    """``json.loads(raw)`` with its keys, and its texts of up to
    :data:`~sr_frames.defaults.SHARED_TEXT_MAX` characters, shared between answers
    (texts through a table that starts over once it holds
    :data:`~sr_frames.defaults.SHARED_TEXTS_HELD` of them; keys from orjson's own cache
    of keys, or from that table).

    Answers are decoded one by one, so ten thousand answers would otherwise hold ten
    thousand copies of every key and repeated word ("Valid", "Yes"); shared, they take
    half the memory while a run builds its result columns. Raises ``ValueError`` (or
    ``RecursionError``, for nesting deeper than Python's limit) as json does.
    """
    if len(_shared) >= SHARED_TEXTS_HELD:
        _shared.clear()  # what answers already hold stays shared; later ones share anew
    try:
        return _shared_in_place(orjson.loads(raw))
    except (orjson.JSONDecodeError, _MaybeBigInteger):
        return _shared_copy(json.loads(raw))


def _shared_in_place(body: Any) -> Any:
    """orjson's ``body`` with its short texts shared in place (orjson already shares
    the keys); ``_MaybeBigInteger`` for a float that may have been an integer."""
    kind = type(body)
    if kind is dict or kind is list:
        for place, value in body.items() if kind is dict else enumerate(body):
            kind = type(value)
            if kind is str:
                if len(value) <= SHARED_TEXT_MAX:
                    held = _share(value, value)
                    if held is not value:  # the first copy is held as it is
                        body[place] = held
            elif kind is dict or kind is list:
                _shared_in_place(value)
            elif kind is float and not -_BEYOND_64_BITS < value < _BEYOND_64_BITS:
                raise _MaybeBigInteger
    elif kind is str and len(body) <= SHARED_TEXT_MAX:
        return _share(body, body)
    elif kind is float and not -_BEYOND_64_BITS < body < _BEYOND_64_BITS:
        raise _MaybeBigInteger
    return body


def _shared_copy(body: Any) -> Any:
    """json's ``body`` rebuilt with its keys and short texts shared."""
    if type(body) is dict:
        return {_share(k, k): _shared_copy(v) for k, v in body.items()}
    if type(body) is list:
        return [_shared_copy(v) for v in body]
    if type(body) is str and len(body) <= SHARED_TEXT_MAX:
        return _share(body, body)
    return body


def encode(value: Any, fallback: json.JSONEncoder,
           default: Callable[[Any], Any] | None = None) -> str:
    """``fallback.encode(value)``, or text that decodes to the same value, made by
    orjson when it can. ``default`` turns a value neither library knows into JSON (it
    should also be ``fallback``'s ``default``)."""
    try:
        text = orjson.dumps(value, default=default, option=_ENCODE_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: beyond orjson; json decides
        return fallback.encode(value)
    if b"null" in text and not _finite_and_plain(value):
        # NaN or an infinity that orjson wrote as null, or a value only ``default`` knows
        return fallback.encode(value)
    return text.decode()


_PLAIN = frozenset({str, int, bool, type(None)})
_isfinite = math.isfinite


def _finite_and_plain(value: Any) -> bool:
    """Whether ``value`` holds only JSON's own types and finite floats: then each ``null``
    orjson wrote is a ``None``, as json writes it. An answer with a field left empty
    holds a ``None``, and this walk costs a sixth of json's encoding (1 µs against 6 µs
    for a dozen fields). orjson has written ``value``, so it nests no deeper than
    orjson's limit of 254."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is float:
        return _isfinite(value)
    if kind is dict:
        value = value.values()
    elif kind is not list and kind is not tuple:
        return False
    # the common leaves are checked here, without a call each; a loop, since all() over
    # a generator takes three times as long
    for item in value:  # noqa: SIM110
        if type(item) not in _PLAIN and not _finite_and_plain(item):
            return False
    return True
