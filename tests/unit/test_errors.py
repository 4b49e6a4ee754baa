"""Error translation: AWS errors become one clear line, whatever the endpoint sent."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ddbconsole.errors import translate


def client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ExecuteStatement")


def test_an_html_error_page_becomes_its_title() -> None:
    page = (
        "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
        "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n"
    )
    error = translate(client_error("500", page))
    text = str(error)
    assert "\n" not in text and "<" not in text
    assert "500 Internal Server Error (the endpoint answered with an HTML page" in text


def test_long_messages_are_folded_to_one_line() -> None:
    error = translate(client_error("ValidationException", "first line\n  second " + "x" * 400))
    text = str(error)
    assert "\n" not in text and "first line second" in text and "x..." in text
