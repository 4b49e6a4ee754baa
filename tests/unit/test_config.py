from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ddbconsole.config import Flags, Profile, load_settings
from ddbconsole.errors import ConfigError

GOOD = """
default_profile: prod
page_size: 50
metrics_refresh_seconds: 15
theme: nord
keys:
  refresh: f5
profiles:
  prod:
    aws_profile: prod-admin
    region: eu-west-1
    read_only: true
  local:
    endpoint_url: http://localhost:8000
    region: us-east-1
    endpoints:
      cloudwatch: http://localhost:4566
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_file_values_and_default_profile(tmp_path: Path) -> None:
    s = load_settings(Flags(config=str(write(tmp_path, GOOD))), environ={})
    assert s.profile.name == "prod" and s.profile.aws_profile == "prod-admin"
    assert s.profile.region == "eu-west-1"
    assert s.read_only is True  # per-profile read-only
    assert s.page_size == 50 and s.metrics_refresh_seconds == 15.0 and s.theme == "nord"
    assert s.keys == {"refresh": "f5"}
    assert set(s.profiles) == {"prod", "local"}


def test_env_overrides_file_and_flags_override_env(tmp_path: Path) -> None:
    path = str(write(tmp_path, GOOD))
    env = {"AWS_REGION": "us-west-2", "AWS_ENDPOINT_URL": "http://env:1"}
    s = load_settings(Flags(config=path), environ=env)
    assert s.profile.region == "us-west-2"
    assert s.profile.endpoint_for("dynamodb") == "http://env:1"
    s = load_settings(
        Flags(config=path, region="ap-south-1", endpoint_url="http://flag:2"), environ=env
    )
    assert s.profile.region == "ap-south-1"
    assert s.profile.endpoint_for("cloudwatch") == "http://flag:2"


def test_aws_default_region_and_service_endpoint(tmp_path: Path) -> None:
    env = {
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ENDPOINT_URL": "http://all:1",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2",
    }
    s = load_settings(Flags(), environ=env)
    assert s.profile.region == "eu-north-1"
    assert s.profile.endpoint_for("dynamodb") == "http://ddb:2"
    assert s.profile.endpoint_for("cloudwatch") == "http://all:1"
    # AWS_REGION beats AWS_DEFAULT_REGION, as in the AWS CLI.
    assert (
        load_settings(Flags(), environ={**env, "AWS_REGION": "sa-east-1"}).profile.region
        == "sa-east-1"
    )


def test_profile_flag_selects_config_profile_or_aws_profile(tmp_path: Path) -> None:
    path = str(write(tmp_path, GOOD))
    s = load_settings(Flags(config=path, profile="local"), environ={})
    assert s.profile.endpoint_for("dynamodb") == "http://localhost:8000"
    assert s.profile.endpoint_for("cloudwatch") == "http://localhost:4566"
    assert s.read_only is False
    s = load_settings(Flags(config=path, profile="sandbox"), environ={})
    assert s.profile.aws_profile == "sandbox"
    s = load_settings(Flags(), environ={"AWS_PROFILE": "team"})
    assert s.profile.aws_profile == "team"


def test_read_only_from_flag_env_and_never_weakened(tmp_path: Path) -> None:
    assert load_settings(Flags(read_only=True), environ={}).read_only
    assert load_settings(Flags(), environ={"DDBCONSOLE_READ_ONLY": "1"}).read_only
    # A read-only profile stays read-only even if the environment says 0.
    path = str(write(tmp_path, GOOD))
    assert load_settings(Flags(config=path), environ={"DDBCONSOLE_READ_ONLY": "0"}).read_only


def test_config_from_env_var_and_xdg(tmp_path: Path, isolated_env: Path) -> None:
    path = write(tmp_path, "page_size: 7\n")
    assert load_settings(Flags(), environ={"DDBCONSOLE_CONFIG": str(path)}).page_size == 7
    xdg = isolated_env / ".config" / "ddbconsole"
    xdg.mkdir(parents=True)
    (xdg / "config.yaml").write_text("page_size: 9\n")
    s = load_settings(Flags(), environ={"XDG_CONFIG_HOME": str(isolated_env / ".config")})
    assert s.page_size == 9 and s.config_path == xdg / "config.yaml"
    # No file at the XDG path is fine: defaults.
    (xdg / "config.yaml").unlink()
    assert load_settings(Flags(), environ={}).page_size == 100


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("pagesize: 10\n", ["unknown key 'pagesize'", "page_size"]),
        ("page_size: ten\n", ["'page_size' must be an integer", "'ten'"]),
        ("page_size: true\n", ["'page_size' must be an integer"]),
        ("profiles:\n  p:\n    regoin: x\n", ["unknown key 'profiles.p.regoin'"]),
        (
            "profiles:\n  p:\n    read_only: maybe\n",
            ["'profiles.p.read_only' must be true or false"],
        ),
        ("default_profile: nope\n", ["'default_profile' names 'nope'"]),
        ("page_size: 0\n", ["between 1 and 1000"]),
        ("profiles:\n  p:\n    endpoints:\n      sqs: http://x\n", ["profiles.p.endpoints.sqs"]),
        ("- a list\n", ["must hold a mapping"]),
        ("page_size: [1\n", ["invalid YAML", "line"]),
    ],
)
def test_bad_config_names_key_and_file(tmp_path: Path, text: str, words: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(Flags(config=str(path)), environ={})
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message
    assert err.value.exit_code == 2
    assert "\n" not in message


def test_missing_named_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(Flags(config=str(tmp_path / "nope.yaml")), environ={})
    assert "nope.yaml" in str(err.value) and "not found" in str(err.value)


def test_bad_endpoint_url() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(Flags(endpoint_url="localhost:8000"), environ={})
    assert "http://" in str(err.value)


def test_example_config_is_valid() -> None:
    example = Path(__file__).parents[2] / "config.example.yaml"
    s = load_settings(Flags(config=str(example)), environ={})
    assert s.profiles  # documents named profiles


def test_prices_are_validated_and_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, "prices:\n  eu-west-1:\n    rcu_hour: 0.000147\n    wcu_hour: 1\n")
    s = load_settings(Flags(config=str(path)), environ={})
    assert s.prices == {"eu-west-1": {"rcu_hour": 0.000147, "wcu_hour": 1.0}}
    assert load_settings(environ={}).prices == {}
    for text, word in [
        ("prices:\n  eu-west-1:\n    rcu_hr: 1\n", "unknown key 'prices.eu-west-1.rcu_hr'"),
        ("prices:\n  eu-west-1:\n    rcu_hour: cheap\n", "'prices.eu-west-1.rcu_hour' must be"),
        ("prices:\n  eu-west-1:\n    rcu_hour: -1\n", "must be >= 0"),
        ("prices:\n  eu-west-1: 3\n", "'prices.eu-west-1' must be a mapping"),
    ]:
        with pytest.raises(ConfigError) as err:
            load_settings(Flags(config=str(write(tmp_path, text))), environ={})
        assert word in str(err.value) and err.value.exit_code == 2


@pytest.mark.parametrize(
    ("flags", "env", "source"),
    [
        (Flags(region="bad region!"), {}, "--region"),
        (Flags(region="euwest1"), {}, "--region"),
        (Flags(), {"AWS_REGION": "eu west 1"}, "AWS_REGION"),
        (Flags(), {"AWS_DEFAULT_REGION": "EU-WEST-1"}, "AWS_DEFAULT_REGION"),
        # A local endpoint takes any region its client can sign for, but not spaces or '!'.
        (Flags(region="bad region!", endpoint_url="http://localhost:8000"), {}, "--region"),
    ],
)
def test_bad_region_is_a_config_error(flags: Flags, env: dict[str, str], source: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(flags, environ=env)
    message = str(err.value)
    assert source in message and "is not a region name (like eu-west-1)" in message
    assert err.value.exit_code == 2


def test_bad_region_in_the_file_names_the_profile(tmp_path: Path) -> None:
    path = write(tmp_path, "profiles:\n  p:\n    region: Frankfurt\n")
    with pytest.raises(ConfigError) as err:
        load_settings(Flags(config=str(path), profile="p"), environ={})
    assert str(path) in str(err.value) and "profiles.p.region" in str(err.value)
    assert "'Frankfurt' is not a region name" in str(err.value)


def test_region_names_that_are_accepted() -> None:
    for region in ("eu-west-1", "us-gov-west-1", "us-isob-east-1", "cn-northwest-1"):
        assert load_settings(Flags(region=region), environ={}).profile.region == region
    # DynamoDB Local and emulators accept made-up regions: allowed with an endpoint URL.
    local = load_settings(Flags(region="local", endpoint_url="http://localhost:8000"), environ={})
    assert local.profile.region == "local"
    with pytest.raises(ConfigError):
        load_settings(Flags(region="local"), environ={})


# --- duplicate keys and read-only that nothing later can weaken ---------------------------------


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        # A later `read_only: false` must not silently undo an earlier `true`.
        ("read_only: true\npage_size: 5\nread_only: false\n", "read_only", 3),
        # A profile defined twice: the second (without read_only) would replace the first.
        (
            "profiles:\n  prod:\n    read_only: true\n  local: {}\n  prod:\n    region: eu-west-1\n",
            "prod",
            5,
        ),
        ("profiles:\n  prod:\n    read_only: true\n    read_only: false\n", "read_only", 4),
        ("prices:\n  eu-west-1: {rcu_hour: 1, rcu_hour: 2}\n", "rcu_hour", 2),
    ],
)
def test_duplicate_yaml_keys_are_refused(tmp_path: Path, text: str, key: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(Flags(config=str(path)), environ={})
    message = str(err.value)
    assert str(path) in message and f"duplicate key '{key}'" in message
    assert f"line {line}" in message
    assert err.value.exit_code == 2 and "\n" not in message


def test_yaml_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    text = (
        "profiles:\n"
        "  base: &base {region: eu-west-1, read_only: true}\n"
        "  prod:\n    <<: *base\n    region: us-east-1\n"
    )
    s = load_settings(Flags(config=str(write(tmp_path, text)), profile="prod"), environ={})
    assert s.profile.region == "us-east-1" and s.read_only


# Everything that comes later in the chain (file < environment < flags) and could touch the profile
# or read-only, none of which may switch read-only off once a source asked for it.
LATER_ENV = [
    {"DDBCONSOLE_READ_ONLY": "0"},
    {"DDBCONSOLE_READ_ONLY": "false"},
    {"DDBCONSOLE_READ_ONLY": ""},
    {"AWS_PROFILE": "someone-else"},
    {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-1"},
    {"AWS_ENDPOINT_URL": "http://localhost:8000"},
    {"AWS_ENDPOINT_URL_DYNAMODB": "http://localhost:8001"},
]
LATER_FLAGS = [
    Flags(),
    Flags(region="ap-south-1"),
    Flags(endpoint_url="http://localhost:8002"),
    Flags(demo=True),
]


def _every_later_source(config: str | None = None, profile: str | None = None) -> list[Any]:
    out = []
    for env in [{}, *LATER_ENV, {k: v for e in LATER_ENV for k, v in e.items()}]:
        for f in LATER_FLAGS:
            out.append(load_settings(replace(f, config=config, profile=profile), environ=env))
    return out


def _writable_profile() -> Profile:
    return Profile(name="scratch", region="eu-west-1", read_only=False)


def test_read_only_from_the_file_top_level_survives_every_later_source(tmp_path: Path) -> None:
    text = "read_only: true\nprofiles:\n  rw:\n    read_only: false\n"
    path = str(write(tmp_path, text))
    for profile in (None, "rw", "an-aws-profile"):
        for s in _every_later_source(path, profile):
            assert s.read_only, s
            assert s.with_profile(_writable_profile()).read_only
            assert s.with_profile(_writable_profile(), read_only=False).read_only


def test_read_only_from_a_profile_survives_every_later_source(tmp_path: Path) -> None:
    text = "default_profile: prod\nprofiles:\n  prod:\n    read_only: true\n"
    path = str(write(tmp_path, text))
    for profile in (None, "prod"):
        for s in _every_later_source(path, profile):
            assert s.read_only, s
            assert s.with_profile(_writable_profile()).read_only
            assert s.with_profile(_writable_profile(), read_only=False).read_only


def test_read_only_from_the_environment_survives_every_later_source(tmp_path: Path) -> None:
    path = str(write(tmp_path, "read_only: false\nprofiles:\n  rw:\n    read_only: false\n"))
    for value in ("1", "true", "yes", "on"):
        for f in LATER_FLAGS:
            for profile in (None, "rw"):
                flags = replace(f, config=path, profile=profile)
                s = load_settings(flags, environ={"DDBCONSOLE_READ_ONLY": value})
                assert s.read_only, (value, flags)
                assert s.with_profile(_writable_profile(), read_only=False).read_only


def test_read_only_from_the_flag_survives_every_later_source(tmp_path: Path) -> None:
    path = str(write(tmp_path, "read_only: false\nprofiles:\n  rw:\n    read_only: false\n"))
    for env in [{}, *LATER_ENV]:
        for profile in (None, "rw"):
            flags = Flags(config=path, profile=profile, read_only=True)
            s = load_settings(flags, environ=env)
            assert s.read_only, (env, profile)
            assert s.with_profile(_writable_profile()).read_only
            assert s.with_profile(_writable_profile(), read_only=False).read_only


@pytest.mark.parametrize(
    ("flags", "env", "text", "source", "problem"),
    [
        (Flags(endpoint_url="http://[::1"), {}, "", "--endpoint-url", "Invalid IPv6 URL"),
        (Flags(endpoint_url="http://h:99999"), {}, "", "--endpoint-url", "port"),
        (Flags(endpoint_url="http://h:0"), {}, "", "--endpoint-url", "port"),
        (Flags(endpoint_url="http://h:x"), {}, "", "--endpoint-url", "port"),
        (Flags(endpoint_url="http://"), {}, "", "--endpoint-url", "no host"),
        (Flags(endpoint_url="http://dynamodb_local"), {}, "", "--endpoint-url", "host name"),
        (Flags(endpoint_url="ftp://h"), {}, "", "--endpoint-url", "http://"),
        (Flags(), {"AWS_ENDPOINT_URL": "http://a b"}, "", "AWS_ENDPOINT_URL", "host name"),
        (
            Flags(),
            {"AWS_ENDPOINT_URL_DYNAMODB": "http://[::1"},
            "",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "IPv6",
        ),
        (
            Flags(),
            {},
            "profiles:\n  p:\n    endpoint_url: 'http://[::1'\n",
            "key 'profiles.p.endpoint_url'",
            "IPv6",
        ),
        (
            Flags(),
            {},
            "profiles:\n  p:\n    endpoints:\n      cloudwatch: http://h:70000\n",
            "key 'profiles.p.endpoints.cloudwatch'",
            "port",
        ),
    ],
)
def test_bad_endpoint_url_names_its_source(
    tmp_path: Path, flags: Flags, env: dict[str, str], text: str, source: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(replace(flags, config=str(path)), environ=env)
    message = str(err.value)
    assert source in message and "endpoint URL" in message and problem in message
    assert err.value.exit_code == 2 and "\n" not in message
    if text:
        assert str(path) in message


def test_endpoint_urls_that_are_accepted() -> None:
    for url in (
        "http://localhost:8000",
        "https://dynamodb.eu-west-1.amazonaws.com",
        "http://127.0.0.1:4566/",
        "http://[::1]:8000",
        "HTTP://LOCALHOST:8000",
    ):
        assert load_settings(Flags(endpoint_url=url), environ={}).profile.endpoint_url == url
    # A flag replaces the environment's endpoints, so a bad one there is not used, nor refused.
    env = {"AWS_ENDPOINT_URL": "http://[::1", "AWS_ENDPOINT_URL_DYNAMODB": "nope"}
    s = load_settings(Flags(endpoint_url="http://localhost:8000"), environ=env)
    assert s.profile.endpoint_for("dynamodb") == "http://localhost:8000"


def test_stream_and_undo_journal_settings(tmp_path: Path) -> None:
    defaults = load_settings(environ={})
    assert defaults.stream_records == 10_000 and defaults.undo_journal_file is False
    assert defaults.s3_bucket == ""
    path = write(tmp_path, "stream_records: 500\nundo_journal_file: true\ns3_bucket: exports\n")
    s = load_settings(Flags(config=str(path)), environ={})
    assert s.stream_records == 500 and s.undo_journal_file is True and s.s3_bucket == "exports"
    for text, word in [
        ("stream_records: 5\n", "between 100 and 1000000"),
        ("undo_journal_file: yes please\n", "'undo_journal_file' must be true or false"),
        ("s3_bucket: 12\n", "'s3_bucket' must be a string"),
    ]:
        with pytest.raises(ConfigError) as err:
            load_settings(Flags(config=str(write(tmp_path, text))), environ={})
        assert word in str(err.value)


def test_streams_use_the_dynamodb_endpoint_unless_given_their_own() -> None:
    profile = Profile(endpoints={"dynamodb": "http://localhost:8000"})
    assert profile.endpoint_for("dynamodbstreams") == "http://localhost:8000"
    own = Profile(endpoints={"dynamodb": "http://a:1", "dynamodbstreams": "http://b:2"})
    assert own.endpoint_for("dynamodbstreams") == "http://b:2"
    assert Profile(endpoint_url="http://c:3").endpoint_for("dynamodbstreams") == "http://c:3"
