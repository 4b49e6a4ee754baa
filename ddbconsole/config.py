"""Settings: a YAML file, then the environment, then command-line flags, merged in that order.

Unknown keys, wrong types and missing files named by the user raise ConfigError naming the key and the
file. Settings are frozen; switching profile at run time builds a new Settings with `with_profile`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ddbconsole.errors import ConfigError
from ddbconsole.locations import default_config_path

DEFAULT_PROFILE_NAME = "default"
SERVICES = ("dynamodb", "dynamodbstreams", "cloudwatch", "application-autoscaling", "sts", "s3")


@dataclass(frozen=True)
class Profile:
    """A connection context (like a k9s context): which AWS profile, region and endpoint to use."""

    name: str = DEFAULT_PROFILE_NAME
    aws_profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    # Per-service endpoint overrides, e.g. {"dynamodb": "http://localhost:8000"}.
    endpoints: Mapping[str, str] = field(default_factory=dict)
    role_arn: str | None = None
    read_only: bool = False

    def endpoint_for(self, service: str) -> str | None:
        if service == "dynamodbstreams" and service not in self.endpoints:
            # DynamoDB Local and emulators serve the stream API on DynamoDB's own endpoint.
            return self.endpoints.get("dynamodb") or self.endpoint_url
        return self.endpoints.get(service) or self.endpoint_url


@dataclass(frozen=True)
class Settings:
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    profile: Profile = field(default_factory=Profile)
    read_only: bool = False
    page_size: int = 100
    metrics_refresh_seconds: float = 30.0
    theme: str = "textual-dark"
    keys: Mapping[str, str] = field(default_factory=dict)
    demo: bool = False
    config_path: Path | None = None
    # Cost what-if price overrides: region -> {price key: USD} (see PRICE_KEYS).
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # Above this table size a local export points to DynamoDB's export to S3 instead.
    s3_export_threshold_gb: float = 5.0
    # The bucket the S3 export and import forms start with ("" leaves the field empty).
    s3_bucket: str = ""
    # The stream view keeps the newest this many records (memory stays bounded).
    stream_records: int = 10_000
    # The undo journal holds item contents: kept in memory unless this asks for a file (0600).
    undo_journal_file: bool = False

    def with_profile(self, profile: Profile, *, read_only: bool | None = None) -> Settings:
        """A copy connected through another profile; read-only never weakens within a run:
        `read_only=True` (or a read-only profile) switches it on, nothing switches it off."""
        ro = self.read_only or bool(read_only) or profile.read_only
        return replace(self, profile=profile, read_only=ro)


# --- schema -----------------------------------------------------------------------------------

_PROFILE_KEYS: dict[str, tuple[type, ...]] = {
    "aws_profile": (str, type(None)),
    "region": (str, type(None)),
    "endpoint_url": (str, type(None)),
    "endpoints": (dict, type(None)),
    "role_arn": (str, type(None)),
    "read_only": (bool,),
}
_TOP_KEYS: dict[str, tuple[type, ...]] = {
    "default_profile": (str,),
    "profiles": (dict,),
    "page_size": (int,),
    "metrics_refresh_seconds": (int, float),
    "theme": (str,),
    "keys": (dict, type(None)),
    "read_only": (bool,),
    "prices": (dict, type(None)),
    "s3_export_threshold_gb": (int, float),
    "s3_bucket": (str,),
    "stream_records": (int,),
    "undo_journal_file": (bool,),
}
# Keys of one region under `prices` (USD): the cost what-if of the capacity tab.
PRICE_KEYS = ("on_demand_read_per_million", "on_demand_write_per_million", "rcu_hour", "wcu_hour")
_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


# An AWS region name (eu-west-1, us-gov-west-1, us-isob-east-1); with an endpoint URL (DynamoDB Local,
# emulators) any name the AWS SDK accepts (a host label, e.g. "local").
REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_ANY_REGION_RE = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")


def check_region(region: str, source: str = "", *, custom_endpoint: bool = False) -> str:
    """`region` if it is a region name; ConfigError (exit 2) saying so if not, before any request."""
    pattern = _ANY_REGION_RE if custom_endpoint else REGION_RE
    if not pattern.fullmatch(region):
        where = f"{source}: " if source else ""
        raise ConfigError(
            f"{where}'{region}' is not a region name (like eu-west-1)", code="ConfigRegion"
        )
    return region


# One label of a host name, as botocore accepts it (no underscore): it refuses anything else with a
# bare ValueError at client creation, after the UI has started.
_HOST_LABEL_RE = re.compile(r"(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")
PORT_RULE = "the port must be a number from 1 to 65535"


def check_endpoint_url(url: str, source: str = "") -> str:
    """`url` if an AWS client can be opened on it; ConfigError (exit 2) naming `source` if not."""
    import ipaddress
    from urllib.parse import urlsplit

    def bad(problem: str) -> ConfigError:
        where = f"{source}: " if source else ""
        return ConfigError(f"{where}{url!r} is not a valid endpoint URL", problem, code="ConfigURL")

    if not url.lower().startswith(("http://", "https://")):
        raise bad("it must start with http:// or https://")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port  # .port raises ValueError for a bad port
    except ValueError as exc:  # 'http://[::1': Invalid IPv6 URL; 'http://h:x': a bad port
        raise bad(PORT_RULE if "Port" in str(exc) else str(exc)) from None
    if not host:
        raise bad("it has no host name")
    if port == 0:
        raise bad(PORT_RULE)
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad(f"'{host}' is not an IPv6 address") from None
    elif len(host) > 253 or not all(
        _HOST_LABEL_RE.fullmatch(label) for label in host.removesuffix(".").split(".")
    ):
        raise bad(f"'{host}' is not a host name (letters, digits, '-' and '.')")
    return url


def _type_name(types: tuple[type, ...]) -> str:
    names = [_TYPE_NAMES.get(t, "a mapping" if t is dict else "null") for t in types]
    return " or ".join(dict.fromkeys(names))


def _check(value: Any, types: tuple[type, ...], key: str, source: str) -> None:
    # bool is a subclass of int: refuse `page_size: true`.
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        raise ConfigError(
            f"{source}: key '{key}' must be {_type_name(types)}",
            f"got {value!r}",
            code="ConfigType",
        )


def _unknown(key: str, known: Mapping[str, Any], source: str) -> ConfigError:
    return ConfigError(
        f"{source}: unknown key '{key}'",
        "known keys: " + ", ".join(sorted(known)),
        code="ConfigUnknownKey",
    )


def _parse_profile(name: str, raw: Any, source: str) -> Profile:
    where = f"profiles.{name}"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: key '{where}' must be a mapping", f"got {raw!r}")
    for key, value in raw.items():
        if key not in _PROFILE_KEYS:
            raise _unknown(f"{where}.{key}", _PROFILE_KEYS, source)
        _check(value, _PROFILE_KEYS[key], f"{where}.{key}", source)
    endpoints = raw.get("endpoints") or {}
    for service, url in endpoints.items():
        if service not in SERVICES:
            raise _unknown(f"{where}.endpoints.{service}", dict.fromkeys(SERVICES), source)
        _check(url, (str,), f"{where}.endpoints.{service}", source)
        check_endpoint_url(url, f"{source}: key '{where}.endpoints.{service}'")
    if raw.get("endpoint_url") is not None:
        check_endpoint_url(raw["endpoint_url"], f"{source}: key '{where}.endpoint_url'")
    return Profile(
        name=name,
        aws_profile=raw.get("aws_profile"),
        region=raw.get("region"),
        endpoint_url=raw.get("endpoint_url"),
        endpoints=dict(endpoints),
        role_arn=raw.get("role_arn"),
        read_only=bool(raw.get("read_only", False)),
    )


def _parse_prices(raw: Any, source: str) -> dict[str, dict[str, float]]:
    prices: dict[str, dict[str, float]] = {}
    for region, values in (raw or {}).items():
        _check(values, (dict,), f"prices.{region}", source)
        for key, value in values.items():
            if key not in PRICE_KEYS:
                raise _unknown(f"prices.{region}.{key}", dict.fromkeys(PRICE_KEYS), source)
            _check(value, (int, float), f"prices.{region}.{key}", source)
            if value < 0:
                raise ConfigError(f"{source}: key 'prices.{region}.{key}' must be >= 0", "")
        prices[str(region)] = {str(k): float(v) for k, v in values.items()}
    return prices


def parse_config(data: Any, source: str) -> dict[str, Any]:
    """Validate a loaded YAML document; return the values it sets."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: the file must hold a mapping of keys", f"got {type(data).__name__}"
        )
    for key, value in data.items():
        if key not in _TOP_KEYS:
            raise _unknown(str(key), _TOP_KEYS, source)
        _check(value, _TOP_KEYS[key], str(key), source)
    out: dict[str, Any] = {k: v for k, v in data.items() if k not in {"profiles", "keys"}}
    out["profiles"] = {
        str(name): _parse_profile(str(name), raw, source)
        for name, raw in (data.get("profiles") or {}).items()
    }
    keys = data.get("keys") or {}
    for action, key in keys.items():
        _check(key, (str,), f"keys.{action}", source)
    out["keys"] = dict(keys)
    out["prices"] = _parse_prices(data.get("prices"), source)
    if "page_size" in out and not 1 <= out["page_size"] <= 1000:
        raise ConfigError(
            f"{source}: key 'page_size' must be between 1 and 1000", f"got {out['page_size']}"
        )
    if "s3_export_threshold_gb" in out and out["s3_export_threshold_gb"] < 0:
        raise ConfigError(f"{source}: key 's3_export_threshold_gb' must be >= 0", "")
    if "metrics_refresh_seconds" in out and out["metrics_refresh_seconds"] < 1:
        raise ConfigError(f"{source}: key 'metrics_refresh_seconds' must be at least 1", "")
    if "stream_records" in out and not 100 <= out["stream_records"] <= 1_000_000:
        raise ConfigError(
            f"{source}: key 'stream_records' must be between 100 and 1000000",
            f"got {out['stream_records']}",
        )
    if out.get("default_profile") and out["default_profile"] not in out["profiles"]:
        raise ConfigError(
            f"{source}: key 'default_profile' names '{out['default_profile']}'",
            "which is not defined under profiles",
        )
    return out


@functools.cache
def _unique_key_loader() -> type[Any]:
    """A yaml.SafeLoader that refuses a key given twice in one mapping, at every level.

    PyYAML keeps the last of duplicate keys, so `read_only: true` followed by `read_only: false`
    (or a profile defined twice) would silently undo the first. Merge keys (`<<: *base`) are not
    duplicates: an explicit key overrides a merged one, as YAML says."""
    import yaml  # lazy: keep startup light

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}  # key -> the line it was first given on
                for key_node, _value in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.get(key)
                    except TypeError:  # an unhashable key: the base class reports it
                        break
                    if first is not None:
                        raise yaml.constructor.ConstructorError(
                            None,
                            None,
                            f"duplicate key '{key}' (first given on line {first})",
                            key_node.start_mark,
                        )
                    seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def _read_file(path: Path) -> Any:
    import yaml  # lazy: keep startup light

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found", "check --config or DDBCONSOLE_CONFIG"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file", exc.strerror or str(exc)) from None
    try:
        return yaml.load(text, Loader=_unique_key_loader())  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{where}: invalid YAML", str(problem)) from None


def _truthy(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"", "0", "false", "no", "off"}:
        return False
    raise ConfigError(f"environment: {name} must be true or false", f"got {value!r}")


@dataclass(frozen=True)
class Flags:
    """Command-line values; None means 'not given'."""

    config: str | None = None
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    read_only: bool = False
    demo: bool = False


def load_settings(flags: Flags | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    flags = flags or Flags()
    env = os.environ if environ is None else environ

    # 1. the file: --config, then DDBCONSOLE_CONFIG, then the XDG path (only if it exists).
    named = flags.config or env.get("DDBCONSOLE_CONFIG")
    path: Path | None = Path(named).expanduser() if named else default_config_path()
    if named:
        assert path is not None
        values = parse_config(_read_file(path), str(path))
    elif path is not None and path.is_file():
        values = parse_config(_read_file(path), str(path))
    else:
        path, values = None, {}

    profiles: dict[str, Profile] = dict(values.get("profiles", {}))
    # 2. the environment, then 3. the flags.
    wanted = flags.profile or env.get("DDBCONSOLE_PROFILE") or values.get("default_profile")
    aws_profile_env = env.get("AWS_PROFILE")
    if wanted and wanted in profiles:
        profile = profiles[wanted]
    elif wanted and (flags.profile or env.get("DDBCONSOLE_PROFILE")):
        # Not a ddbconsole profile: treat it as an AWS profile name, as the AWS CLI does.
        profile = Profile(name=wanted, aws_profile=wanted)
    else:
        profile = profiles.get(DEFAULT_PROFILE_NAME, Profile())
    if aws_profile_env and not flags.profile:
        profile = replace(profile, aws_profile=aws_profile_env)
    region_source = f"{path}: key 'profiles.{profile.name}.region'"
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        profile = replace(profile, region=region)
        region_source = "environment: " + (
            "AWS_REGION" if env.get("AWS_REGION") else "AWS_DEFAULT_REGION"
        )
    # Endpoint URLs are checked where they come from (the file's in parse_config), so a bad one
    # names its flag, variable or key; the environment's are not used (nor checked) under the flag.
    if env.get("AWS_ENDPOINT_URL") and not flags.endpoint_url:
        url = check_endpoint_url(env["AWS_ENDPOINT_URL"], "environment: AWS_ENDPOINT_URL")
        profile = replace(profile, endpoint_url=url)
    if env.get("AWS_ENDPOINT_URL_DYNAMODB") and not flags.endpoint_url:
        source = "environment: AWS_ENDPOINT_URL_DYNAMODB"
        url = check_endpoint_url(env["AWS_ENDPOINT_URL_DYNAMODB"], source)
        profile = replace(profile, endpoints={**profile.endpoints, "dynamodb": url})
    if flags.region:
        profile = replace(profile, region=flags.region)
        region_source = "--region"
    if flags.endpoint_url:
        # Like the AWS CLI flag, --endpoint-url wins over everything, for every client.
        url = check_endpoint_url(flags.endpoint_url, "--endpoint-url")
        profile = replace(profile, endpoint_url=url, endpoints={})
    if profile.region:
        custom = bool(profile.endpoint_url or profile.endpoints)
        check_region(profile.region, region_source, custom_endpoint=custom)

    # Read-only is an OR over every source, never an override: once the file (top level or the
    # chosen profile), DDBCONSOLE_READ_ONLY or --read-only asks for it, no later source switches it
    # off (DDBCONSOLE_READ_ONLY=0 only means "not asked here"; there is no --no-read-only).
    read_only = (
        flags.read_only
        or _truthy(env.get("DDBCONSOLE_READ_ONLY", ""), "DDBCONSOLE_READ_ONLY")
        or bool(values.get("read_only", False))
        or profile.read_only
    )
    known = {f.name for f in fields(Settings)}
    scalars = {
        k: v
        for k, v in values.items()
        if k in known and k not in {"profiles", "profile", "read_only"}
    }
    for key in ("metrics_refresh_seconds", "s3_export_threshold_gb"):
        if key in scalars:
            scalars[key] = float(scalars[key])
    return Settings(
        profiles=profiles,
        profile=profile,
        read_only=read_only,
        demo=flags.demo,
        config_path=path,
        **scalars,
    )
