"""The Ion text subset DynamoDB writes in an ION export, read losslessly (services/transfer/ion.py)."""

from __future__ import annotations

import pytest

from ddbconsole import codec
from ddbconsole.services.transfer.ion import IonError, item_of, loads_line

# The documentation's example line (DynamoDB table export output format, Amazon Ion).
DOCUMENTED = (
    '$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",'
    'ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,'
    'ProductCategory:"Book",Title:"Book 103 Title"}}'
)


def test_the_documented_line() -> None:
    item = item_of(loads_line(DOCUMENTED), incremental=False)
    assert item == {
        "Authors": {"SS": ["Author1", "Author2"]},
        "Dimensions": {"S": "8.5 x 11.0 x 1.5"},
        "ISBN": {"S": "333-3333333333"},
        "Id": {"N": "103"},
        "InPublication": {"BOOL": False},
        "PageCount": {"N": "6E2"},
        "Price": {"N": "2E3"},
        "ProductCategory": {"S": "Book"},
        "Title": {"S": "Book 103 Title"},
    }


def test_every_type_and_escape_losslessly() -> None:
    line = (
        "{Item:{pk:\"a\\\"b\\\\c\\u00fc\\x41\\U0001F680\", 'odd name':'''long ''' '''string''',"
        " big:12345678901234567890123456789012345678., small:-0.12345678901234567890123456789012345678,"
        " tiny:-1d-130, none:null, nul2:null.null, yes:true, blob:{{ AP9i aW5h cnkA }},"
        " empty:{{}}, ns:$dynamodb_NS::[1.,1.5,2d1], bs:$dynamodb_BS::[{{AQ==}},{{AgM=}}],"
        ' l:[1., "two", {three:null}, []], m:{}, /* comment */ x:.5}}'
    )
    item = item_of(loads_line(line), incremental=False)
    assert item is not None
    assert item["pk"] == {"S": 'a"b\\cüA🚀'}
    assert item["odd name"] == {"S": "long string"}
    assert item["big"] == {"N": "12345678901234567890123456789012345678"}
    assert item["small"] == {"N": "-0.12345678901234567890123456789012345678"}
    assert item["tiny"] == {"N": "-1E-130"}
    assert item["none"] == item["nul2"] == {"NULL": True}
    assert item["blob"] == {"B": b"\x00\xffbinary\x00"} and item["empty"] == {"B": b""}
    assert item["ns"] == {"NS": ["1", "1.5", "2E1"]}
    assert item["bs"] == {"BS": [b"\x01", b"\x02\x03"]}
    assert item["l"] == {
        "L": [{"N": "1"}, {"S": "two"}, {"M": {"three": {"NULL": True}}}, {"L": []}]
    }
    assert item["m"] == {"M": {}} and item["x"] == {"N": "0.5"}
    # the codec takes every one of them (numbers within DynamoDB's rules)
    assert codec.loads(codec.dumps(item, "plain")) == item


def test_incremental_rows() -> None:
    row = loads_line('{Keys:{pk:"a"},NewImage:{pk:"a",n:1.},OldImage:{pk:"a"}}')
    assert item_of(row, incremental=True) == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert item_of(loads_line('{Keys:{pk:"gone"},OldImage:{pk:"gone"}}'), incremental=True) is None


@pytest.mark.parametrize(
    "line",
    [
        '{Item:{a:"unterminated}}',
        "{Item:{a:1,a:2}}",
        "{Item:{a:$dynamodb_SS::[1.]}}",
        "{Item:{a:{{not base64!}}}}",
        '{Item:{a:"x"}} {Item:{}}',
        "{Item:{a:sym}}",
        '{Other:{a:"x"}}',
    ],
)
def test_refused_with_a_column(line: str) -> None:
    with pytest.raises(IonError, match="Ion:"):
        item_of(loads_line(line), incremental=False)
