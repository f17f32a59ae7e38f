"""The quick email pre-check gives exactly email_validator's verdicts.

``checks.email_syntax_error`` accepts most addresses with one regular expression and
asks ``email_validator`` about the rest. Whatever the input, its answer must be the one
``email_validator`` alone gives (``checks.full_email_syntax_error``): these tests compare
both over a large generated sample full of near misses, and over hand-picked edge cases.
"""

import random
import string

import pytest

from sr_frames import checks

ATEXT_SPECIALS = "!#$%&'*+/=?^_`{|}~-"
# characters that break an address in some way, or only in some places
TRICKY = (
    ".-@_+\"\\ <>()[],;:\t\n\r\x00\x7f"
    "éüßøñçÅΩжа中文ひ"           # letters outside ASCII: allowed by email_validator, not by us
    "\u200b\u200e\u202e\u0301\ufeff"  # zero width, direction marks, a combining accent, BOM
    "＠﹫。．"                       # full-width and small at-signs, ideographic full stops
    "ABCXYZ0189"
)
TLDS = ["com", "org", "de", "co.uk", "io", "travel", "museum", "test", "local", "localhost",
        "onion", "arpa", "invalid", "example", "c", "c0m", "123", "x" * 63, "x" * 64, "COM",
        "xn--p1ai", "xn--zz", "Com", "q-z", "-com"]


def _label(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.55:
        return "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randint(1, 12)))
    if shape < 0.75:
        return "".join(rng.choices(string.ascii_lowercase + string.digits + "-", k=rng.randint(1, 12)))
    if shape < 0.8:
        return rng.choice(["xn--mller-kva", "xn--bcher-kva", "xn--abc", "ab--cd", "a--b", "xn--",
                           "xn---", "--ab", "ab-", "-ab"])
    if shape < 0.85:
        return "a" * rng.choice([61, 62, 63, 64, 65])
    if shape < 0.95:
        return "".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(1, 10)))
    return "".join(rng.choices(string.ascii_lowercase + TRICKY, k=rng.randint(1, 8)))


def _local(rng: random.Random) -> str:
    shape = rng.random()
    alphabet = string.ascii_lowercase + string.digits
    if shape < 0.5:
        parts = ["".join(rng.choices(alphabet, k=rng.randint(1, 10))) for _ in range(rng.randint(1, 3))]
        return ".".join(parts)
    if shape < 0.7:
        return "".join(rng.choices(alphabet + ATEXT_SPECIALS + ".", k=rng.randint(1, 20)))
    if shape < 0.8:
        return "".join(rng.choices(string.ascii_letters + ".", k=rng.randint(1, 12)))
    if shape < 0.85:
        return "a" * rng.choice([63, 64, 65, 200, 240, 250])
    if shape < 0.9:
        return '"' + "".join(rng.choices(alphabet + ' @."\\', k=rng.randint(0, 10))) + '"'
    return "".join(rng.choices(alphabet + TRICKY, k=rng.randint(0, 10)))


def _address(rng: random.Random) -> str:
    domain = ".".join(_label(rng) for _ in range(rng.randint(0, 3)))
    domain = f"{domain}.{rng.choice(TLDS)}" if domain else rng.choice(TLDS)
    address = f"{_local(rng)}@{domain}"
    for _ in range(rng.choice([0, 0, 0, 1, 2])):  # a typo: a character inserted, lost or changed
        at = rng.randrange(len(address) + 1)
        what = rng.random()
        if what < 0.4:
            address = address[:at] + rng.choice(TRICKY) + address[at:]
        elif what < 0.7:
            address = address[:at] + address[at + 1:]
        else:
            address = address[:at] + rng.choice(TRICKY) + address[at + 1:]
    return address


EDGE_CASES = [
    "jane.doe@example.com", "JANE@EXAMPLE.COM", "a@b.co", "a@b.c", "a@b", "@b.com", "a@", "a@@b.com",
    "a.@b.com", ".a@b.com", "a..b@b.com", "a@.b.com", "a@b..com", "a@b.com.", "a@-b.com", "a@b-.com",
    "a@b.-com", "a@ab--cd.com", "a@xn--mller-kva.de", "a@xn--abc.com", "a@müller.de", "jösé@b.com",
    "a@b.test", "a@b.local", "a@localhost", "a@b.onion", "a@x.arpa", "a@b.invalid", "a@test.com",
    "a@1.2.3.4", "a@[1.2.3.4]", "a@b.123", "a@b.c0m", '"a b"@c.com', '"a"@b.com', "a b@c.com",
    "Jane <jane@b.com>", "a@b.com\n", "\ta@b.com", "a\u200b@b.com", "a@b\u200b.com", "a＠b.com",
    "a@b。com", "info@b.com", "a+tag@b.com", "o'brien@b.com", "a/b=c?d^e`f{g|h}i~j@b.com",
    "a" * 64 + "@b.com", "a" * 65 + "@b.com", "a" * 244 + "@b.com", "a" * 245 + "@bc.com",
    "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com", "a@" + ".".join(["b" * 60] * 4) + ".com",
    "a@" + "b." * 120 + "com", "a@" + "b." * 126 + "com", "a@b.com@c.com", "a@b_c.com", "a@b,c.com",
]


@pytest.mark.parametrize("address", EDGE_CASES)
def test_edge_cases_get_email_validators_verdict(address):
    assert checks.email_syntax_error.__wrapped__(address) == checks.full_email_syntax_error(address)
    if checks.surely_valid_email(address):
        assert checks.full_email_syntax_error(address) is None


def test_a_large_varied_sample_gets_email_validators_verdicts():
    rng = random.Random(20261201)
    sample = {_address(rng) for _ in range(40_000)}
    quick = 0
    for address in sample:
        if checks.surely_valid_email(address):
            quick += 1
            assert checks.full_email_syntax_error(address) is None, address
        assert checks.email_syntax_error.__wrapped__(address) == checks.full_email_syntax_error(address)
    # the sample is varied: many take the quick path, many are refused, many are asked
    refused = sum(checks.full_email_syntax_error(a) is not None for a in sample)
    assert quick > len(sample) / 20 and refused > len(sample) / 5


def test_everyday_addresses_take_the_quick_path():
    for address in ("jane.doe@example.com", "j.o.doe+news@mail.example.co.uk", "x_1@a-b.io",
                    "first-last@sub.domain.travel"):
        assert checks.surely_valid_email(address)
    for address in ("jane@Example.com", "josé@example.com", "jose@müller.de", "a@xn--mller-kva.de"):
        assert not checks.surely_valid_email(address)  # email_validator decides these
        assert checks.email_syntax_error(address) is None
