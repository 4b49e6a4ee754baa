"""The item codec: lossless round trips in both forms (hypothesis) and plain-English errors."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ddbconsole import codec
from ddbconsole.codec import CodecError
from ddbconsole.errors import UserInputError

BIG = "12345678901234567890123456789012345678"
SMALL = "0.12345678901234567890123456789012345678"
EDGE_NUMBERS = [
    BIG,
    SMALL,
    "-" + BIG,
    "1E-130",
    "-1E-130",
    "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125",
    "0",
    "1.50",
    "100",
    "0.001",
    "1.23E+5",
]


@st.composite
def number_literals(draw: st.DrawFn) -> str:
    """Canonical DynamoDB numbers: 1-38 significant digits, magnitude 1E-130 .. 9.99..E+125."""
    if draw(st.booleans()):
        return draw(st.sampled_from(EDGE_NUMBERS))
    n = draw(st.integers(1, codec.MAX_DIGITS))
    first = draw(st.integers(1, 9))
    rest = draw(st.lists(st.integers(0, 9), min_size=n - 1, max_size=n - 1))
    exponent = draw(st.integers(-130 - (n - 1), 125 - (n - 1)))
    sign = draw(st.integers(0, 1))
    return str(Decimal((sign, (first, *rest), exponent)))


texts = st.text(st.characters(codec="utf-8"), max_size=20)
names = texts.filter(bool) | st.sampled_from(codec.TAGS)
blobs = st.binary(max_size=20)


def scalars_of(
    texts: st.SearchStrategy[str], blobs: st.SearchStrategy[bytes]
) -> st.SearchStrategy[dict[str, Any]]:
    """Every scalar and set type, strings from `texts` and binary from `blobs`."""
    return st.one_of(
        texts.map(lambda s: {"S": s}),
        number_literals().map(lambda n: {"N": n}),
        blobs.map(lambda b: {"B": b}),
        st.booleans().map(lambda b: {"BOOL": b}),
        st.just({"NULL": True}),
        st.lists(texts, min_size=1, max_size=5, unique=True).map(lambda v: {"SS": v}),
        st.lists(number_literals(), min_size=1, max_size=5, unique_by=Decimal).map(
            lambda v: {"NS": v}
        ),
        st.lists(blobs, min_size=1, max_size=5, unique=True).map(lambda v: {"BS": v}),
    )


def values_of(
    scalars: st.SearchStrategy[dict[str, Any]], names: st.SearchStrategy[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """`scalars` nested in lists and maps (names from `names`)."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4).map(lambda v: {"L": v}),
            st.dictionaries(names, children, max_size=4).map(lambda v: {"M": v}),
        ),
        max_leaves=15,
    )


scalars = scalars_of(texts, blobs)
values = values_of(scalars, names)
items = st.dictionaries(names, values, max_size=8)

FIDELITY: dict[str, Any] = {
    "UserId": {"S": "user-fidelity"},
    "BigNumber": {"N": BIG},
    "SmallNumber": {"N": SMALL},
    "Huge": {"N": "9.9999999999999999999999999999999999999E+125"},
    "Tiny": {"N": "-1E-130"},
    "EmptyString": {"S": ""},
    "Nothing": {"NULL": True},
    "Flags": {"L": [{"BOOL": True}, {"BOOL": False}, {"NULL": True}]},
    "Blob": {"B": b"\x00\xffbinary\x00"},
    "EmptyBlob": {"B": b""},
    "Tags": {"SS": ["a", "b", "ü"]},
    "Numbers": {"NS": ["1", "1.5", BIG]},
    "Blobs": {"BS": [b"\x01", b"\x02\x03"]},
    "Nested": {"M": {"deep": {"L": [{"N": "1"}, {"S": "two"}, {"M": {"three": {"NULL": True}}}]}}},
    "EmptyMap": {"M": {}},
    "EmptyList": {"L": []},
    "LooksTagged": {"M": {"$SS": {"S": "not a set"}}},
    "Unicode": {"S": "日本語 – emoji 🚀"},
}

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- round trips -------------------------------------------------------------------------------


@FAST
@given(items)
@example(FIDELITY)
def test_item_plain_item_identical(item: dict[str, Any]) -> None:
    assert codec.loads(codec.dumps(item)) == item
    assert codec.loads(codec.dumps(item, indent=None)) == item


@FAST
@given(items)
@example(FIDELITY)
def test_item_dynamodb_json_item_identical(item: dict[str, Any]) -> None:
    assert codec.loads(codec.dumps(item, "dynamodb"), "dynamodb") == item
    assert codec.loads(codec.dumps(item, "dynamodb", indent=None), "dynamodb") == item


@FAST
@given(items)
@example(FIDELITY)
def test_canonical_text_item_text_identical(item: dict[str, Any]) -> None:
    for form in ("plain", "dynamodb"):
        for indent in (2, None):
            text = codec.dumps(item, form, indent=indent)  # type: ignore[arg-type]
            again = codec.dumps(codec.loads(text, form), form, indent=indent)  # type: ignore[arg-type]
            assert again == text


@FAST
@given(items)
def test_plain_text_is_valid_json_with_exact_numbers(item: dict[str, Any]) -> None:
    text = codec.dumps(item)
    parsed = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    assert list(parsed) == list(item)
    for name, value in item.items():
        if "N" in value:
            assert parsed[name] == Decimal(value["N"])


@FAST
@given(items)
def test_python_native_round_trip_keeps_values(item: dict[str, Any]) -> None:
    try:
        native = codec.to_python(item)
    except UserInputError:
        # boto3's context (Emin -128, 38 digits) cannot hold e.g. 1.000…001E-130: refused, not
        # rounded. Such items still round-trip through both text forms (tests above).
        assume(False)
    assert codec.same_item(codec.from_python(native), item)


def test_python_conversion_refuses_rather_than_rounds() -> None:
    tiny = "1.000000000000000000000000000000000001E-130"
    with pytest.raises(UserInputError):
        codec.to_python({"a": {"N": tiny}})
    assert codec.loads(codec.dumps({"a": {"N": tiny}})) == {"a": {"N": tiny}}


@FAST
@given(values)
def test_single_value_round_trip(value: dict[str, Any]) -> None:
    for form in ("plain", "dynamodb"):
        assert codec.loads_value(codec.dumps_value(value, form), form) == value  # type: ignore[arg-type]


def test_fidelity_item_plain_text_is_exact() -> None:
    text = codec.dumps(FIDELITY)
    assert f'"BigNumber": {BIG},' in text
    assert f'"SmallNumber": {SMALL},' in text
    assert '"Huge": 9.9999999999999999999999999999999999999E+125,' in text
    assert '"Blob": {"$B": "AP9iaW5hcnkA"},' in text
    assert '"Tags": {"$SS": ["a", "b", "ü"]},' in text
    assert f'"Numbers": {{"$NS": [1, 1.5, {BIG}]}},' in text
    assert '"Blobs": {"$BS": ["AQ==", "AgM="]},' in text
    assert '"LooksTagged": {"$M": {' in text
    assert '"Unicode": "日本語 – emoji 🚀"' in text
    assert '"EmptyMap": {},' in text and '"EmptyList": [],' in text
    assert text.startswith('{\n  "UserId": "user-fidelity",\n')


def test_dynamodb_json_matches_the_api_shape() -> None:
    data = json.loads(codec.dumps(FIDELITY, "dynamodb"))
    assert data["BigNumber"] == {"N": BIG}
    assert data["Blob"] == {"B": "AP9iaW5hcnkA"}
    assert data["Nothing"] == {"NULL": True}
    assert data["Blobs"] == {"BS": ["AQ==", "AgM="]}


def test_plain_reads_needless_m_escape_and_writes_canonical() -> None:
    item = codec.loads('{"a": {"$M": {"x": 1}}, "b": {"$M": {"$B": "AQ=="}}}')
    assert item == {"a": {"M": {"x": {"N": "1"}}}, "b": {"M": {"$B": {"S": "AQ=="}}}}
    assert codec.dumps(item, indent=None) == '{"a":{"x":1},"b":{"$M":{"$B":"AQ=="}}}'


def test_top_level_names_are_never_tags() -> None:
    item = codec.loads('{"$B": "plain string"}')
    assert item == {"$B": {"S": "plain string"}}


def test_number_spelling_is_kept() -> None:
    item = codec.loads('{"a": 1.50, "b": 1E+5, "c": -0.0010}')
    assert item == {"a": {"N": "1.50"}, "b": {"N": "1E+5"}, "c": {"N": "-0.0010"}}


def test_non_json_number_spellings_are_normalised_when_written() -> None:
    assert codec.dumps({"a": {"N": ".5"}, "b": {"N": "+7"}}, indent=None) == '{"a":0.5,"b":7}'


def test_same_item_compares_like_dynamodb() -> None:
    a = {"n": {"N": "1.50"}, "s": {"SS": ["a", "b"]}, "m": {"M": {"x": {"N": "1"}, "y": {"S": ""}}}}
    b = {
        "m": {"M": {"y": {"S": ""}, "x": {"N": "1.0"}}},
        "s": {"SS": ["b", "a"]},
        "n": {"N": "1.5"},
    }
    assert codec.same_item(a, b)
    assert not codec.same_item(a, {**b, "n": {"S": "1.5"}})
    assert not codec.same_item(a, {**b, "extra": {"NULL": True}})


# --- item size ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({"a": {"S": "abc"}}, 1 + 3),
        ({"name": {"S": "ü"}}, 4 + 2),
        ({"a": {"N": "123"}}, 1 + 3),  # 3 digits: 2 bytes + 1
        ({"a": {"N": BIG}}, 1 + 20),
        ({"a": {"N": "1000000"}}, 1 + 2),  # trailing zeros are trimmed
        ({"a": {"B": b"\x00" * 10}}, 1 + 10),
        ({"a": {"BOOL": True}, "b": {"NULL": True}}, 2 + 2),
        ({"a": {"M": {}}}, 1 + 3),
        ({"a": {"L": [{"S": "xy"}, {"N": "1"}]}}, 1 + 3 + (1 + 2) + (1 + 2)),
        ({"a": {"M": {"k": {"S": "v"}}}}, 1 + 3 + (1 + 1 + 1)),
        ({"a": {"SS": ["x", "yz"]}}, 1 + 3),
        ({"a": {"BS": [b"1", b"22"]}}, 1 + 3),
    ],
)
def test_item_size(item: dict[str, Any], size: int) -> None:
    assert codec.item_size(item) == size


def test_item_size_of_a_large_item_exceeds_the_limit() -> None:
    item = {"k": {"S": "x"}, "blob": {"B": b"\x00" * codec.MAX_ITEM_BYTES}}
    assert codec.item_size(item) > codec.MAX_ITEM_BYTES


# --- errors: where and what --------------------------------------------------------------------


def error(text: str, form: codec.Form = "plain") -> CodecError:
    with pytest.raises(CodecError) as info:
        codec.loads(text, form)
    return info.value


def test_syntax_error_names_line_and_column() -> None:
    err = error('{\n  "a": 1,\n  "b": 2\n  "c": 3\n}')
    assert err.message == "line 4, column 3: expected ',' or '}'"
    assert (err.line, err.column) == (4, 3)
    assert isinstance(err, UserInputError) and err.exit_code == 2
    assert str(err) == "Invalid item JSON: line 4, column 3: expected ',' or '}'"


def test_ns_values_must_be_numbers() -> None:
    err = error('{\n  "a": 1,\n  "Scores": {"$NS": [\n    1,\n    "2"\n  ]}\n}')
    assert err.message == "line 5: $NS values must be numbers"
    assert err.line == 5


def test_duplicate_keys_are_refused() -> None:
    err = error('{\n  "Id": 1,\n  "Name": "a",\n  "Name": "b"\n}')
    assert err.message == "duplicate key 'Name' on line 4"
    nested = error('{"m": {\n "x": 1,\n "x": 1}}')
    assert nested.message == "duplicate key 'x' on line 3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": {"$SS": []}}', "line 1: empty $SS: DynamoDB does not allow empty sets"),
        (
            '{"a": {"$NS": [1, 1.0]}}',
            "line 1: $NS holds 1 and 1.0, which are equal; a set cannot hold duplicates",
        ),
        ('{"a": {"$SS": ["x", "x"]}}', 'line 1: $SS holds "x" twice; a set cannot hold duplicates'),
        (
            '{"a": {"$BS": ["AQ==", "AQ=="]}}',
            'line 1: $BS holds "AQ==" twice; a set cannot hold duplicates',
        ),
        ('{"a": {"$SS": ["x", 1]}}', "line 1: $SS values must be strings"),
        ('{"a": {"$B": "not base64!"}}', 'line 1: $B: invalid base64 "not base64!"'),
        ('{"a": {"$B": 12}}', "line 1: $B must be a base64 string"),
        ('{"a": {"$SS": "x"}}', "line 1: $SS takes an array, got a string"),
        ('{"a": {"$M": [1]}}', "line 1: $M takes an object, got an array"),
        (
            '{"a": 1234567890123456789012345678901234567890}',
            "line 1: 1234567890123456789012345678901234567890 has 39 significant digits; "
            "DynamoDB keeps at most 38",
        ),
        ('{"a": 1E+126}', "line 1: 1E+126 is too large; DynamoDB numbers go up to 9.99...E+125"),
        ('{"a": 1E-131}', "line 1: 1E-131 is too small; the smallest DynamoDB number is 1E-130"),
        (
            '{"a": NaN}',
            "line 1, column 7: NaN and Infinity are not allowed: DynamoDB numbers must be finite",
        ),
        ("[1, 2]", "line 1: an item must be a JSON object, got an array"),
        ("", "line 1, column 1: the text is empty; expected a JSON object"),
        ('{"a": "open', "line 1, column 7: this string is never closed (missing '\"')"),
        ("{'a': 1}", "line 1, column 2: expected a key in double quotes"),
        ('{"a": 1,}', "line 1, column 9: trailing comma before '}'"),
        ('{"a": [1,]}', "line 1, column 10: trailing comma before ']'"),
        ('{"a" 1}', "line 1, column 6: expected ':' after the key"),
        ('{"a": 1} x', "line 1, column 10: unexpected text after the end of the JSON value"),
        (
            '{"a": tru}',
            "line 1, column 7: expected a value (string, number, object, array, true, false or null)",
        ),
        (
            '{"a": "\\ud800"}',
            "line 1, column 7: the string holds an unpaired surrogate (\\ud800-\\udfff)",
        ),
    ],
)
def test_plain_errors(text: str, message: str) -> None:
    assert error(text).message == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": {"N": 1}}', 'line 1: N values are strings in DynamoDB JSON, e.g. {"N": "1.5"}'),
        ('{"a": {"N": "x"}}', "line 1: 'x' is not a number"),
        ('{"a": {"N": " 1"}}', "line 1: ' 1' is not a number (digits 0-9"),
        ('{"a": {"N": "1_000"}}', "line 1: '1_000' is not a number"),
        ('{"a": {"N": "\u0661"}}', "line 1: '\u0661' is not a number"),
        ('{"a": {"NULL": false}}', "line 1: NULL must be true"),
        ('{"a": {"SS": []}}', "line 1: empty SS: DynamoDB does not allow empty sets"),
        ('{"a": {"NS": ["1", "1"]}}', 'line 1: NS holds "1" twice; a set cannot hold duplicates'),
        ('{"a": "plain"}', 'line 1: expected a typed value such as {"S": "text"} or {"N": "1"}'),
        ('{"a": {"S": "x", "N": "1"}}', "line 1: expected a typed value"),
    ],
)
def test_dynamodb_json_errors(text: str, message: str) -> None:
    assert error(text, "dynamodb").message.startswith(message)


def test_only_ascii_digits_make_a_number() -> None:
    # Other scripts' digits are digits to Python's regex \\d and to Decimal, not to DynamoDB.
    assert "expected ',' or '}'" in error('{"a": 1\u0661}').message
    for literal in ("+1", "1.", ".5", "1e5", "-0.0E-3"):
        assert codec.check_number(literal) is not None


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    err = error('{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    assert "nested too deeply" in err.message


def test_from_python_refuses_floats_with_a_clear_error() -> None:
    with pytest.raises(UserInputError) as info:
        codec.from_python({"a": 1.5})
    assert "Decimal" in str(info.value) or "float" in str(info.value)


# --- the quick path (json.loads) must accept, refuse and read exactly as the precise parser -------

json_scalars = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["$B", "$SS", "$NS", "$BS", "$M", "S", "N", "AQ==", "\\", "\ud800"]),
    st.integers(-(10**40), 10**40),
    st.sampled_from(["1.0", "1E-131", "-0", "1e5", "0.10", "NaN", "Infinity"]),
    st.booleans(),
    st.none(),
)
json_texts = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(
            st.tuples(
                st.sampled_from(["a", "$B", "$SS", "$NS", "$BS", "$M", "S", "N", "L"]), inner
            ),
            max_size=3,
        ).map(lambda pairs: ("obj", pairs)),
    ),
    max_leaves=10,
)


def render(value: Any) -> str:
    """JSON text, allowing duplicate keys, raw number literals and escaped surrogates."""
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {render(v)}" for k, v in value[1]) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, str) and value in (
        "1.0",
        "1E-131",
        "-0",
        "1e5",
        "0.10",
        "NaN",
        "Infinity",
    ):
        return value
    return json.dumps(value)


def precise(text: str, form: codec.Form) -> Any:
    parser = codec._Parser(text)
    reader = codec._PlainReader if form == "plain" else codec._DdbReader
    try:
        return reader(parser).members(codec._item_node(parser, parser.document()))
    except CodecError as exc:
        return ("error", exc.message)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_texts.map(lambda v: v if isinstance(v, tuple) else ("obj", [("a", v)])))
def test_quick_path_reads_exactly_as_the_precise_parser(value: Any) -> None:
    text = render(value)
    for form in ("plain", "dynamodb"):
        try:
            quick: Any = codec.loads(text, form)
        except CodecError as exc:
            quick = ("error", exc.message)
        assert quick == precise(text, form)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\udc00"}',  # lone low surrogate
        '{"a": "\\ud83d\\ude00"}',  # a valid pair
        '{"a": 1, "a": 1}',
        '{"a": ' + "[" * 200 + "]" * 200 + "}",  # 201 levels
        '{"a": ' + "[" * 199 + "]" * 199 + "}",  # 200 levels: allowed
        '\ufeff{"a": 1}',
        ' \n{"a": -0}\t',
    ],
)
def test_quick_path_edge_cases(text: str) -> None:
    try:
        quick: Any = codec.loads(text)
    except CodecError as exc:
        quick = ("error", exc.message)
    assert quick == precise(text, "plain")
