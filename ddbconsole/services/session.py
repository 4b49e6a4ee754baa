"""One aiobotocore session per console session; clients opened once, on first use, and closed on exit.

Every client gets the same retry configuration and, when read-only is on, the read-only guard hook.
Extra event hooks (the operation log, tests' fault injection) are registered on every client through
`hooks`.

Retries (docs/ARCHITECTURE.md, "Retries"): botocore's `standard` mode, never `adaptive`. Adaptive mode's
client-side rate limiter (aiobotocore's async token bucket) can be left locked by a cancelled call:
cancelling an import after throttling then never finished, and the client's next BatchWriteItem got
no answer. Standard mode retries throttling and 5xx with capped exponential backoff and cancels
cleanly. Bulk work (import, export, batch delete) owns its retries instead: it asks for clients with
botocore's retries off (`retry=False`), so attempts are not multiplied (botocore's 4 times ours),
and it paces itself (backoff on UnprocessedItems and throttling, the import's WCU/s token bucket).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ddbconsole import __version__
from ddbconsole.config import Profile
from ddbconsole.errors import translate
from ddbconsole.services import readonly

Hook = tuple[str, Callable[..., Any]]

DEFAULT_RETRIES: dict[str, Any] = {"mode": "standard", "max_attempts": 4}
# For callers that retry themselves (see the module docstring): one attempt per call.
NO_RETRIES: dict[str, Any] = {"mode": "standard", "total_max_attempts": 1}


def config_kwargs(
    retries: dict[str, Any], connect_timeout: float, read_timeout: float
) -> dict[str, Any]:
    """botocore Config arguments shared by the async clients and the start-up prefetch."""
    return {
        "retries": retries,
        "connect_timeout": connect_timeout,
        "read_timeout": read_timeout,
        "user_agent_extra": f"ddbconsole/{__version__}",
        "max_pool_connections": 32,
    }


class AwsSession:
    def __init__(
        self,
        profile: Profile,
        *,
        read_only: bool,
        retries: dict[str, Any] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        hooks: Sequence[Hook] = (),
        prepare_early: bool = True,
    ) -> None:
        self.profile = profile
        self.read_only = read_only
        self._retries = dict(retries or DEFAULT_RETRIES)
        self._timeouts = (connect_timeout, read_timeout)
        self._hooks = list(hooks)
        self._stack = contextlib.AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        self._session: Any = None
        # Importing aiobotocore and loading botocore's JSON models takes a few hundred ms: do it in a
        # thread from the start, so it overlaps the UI's start-up and never blocks the event loop.
        self._session_future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._preparing = False
        if prepare_early:
            self.prepare()

    def prepare(self) -> None:
        """Start preparing the botocore session in a thread (once)."""
        if not self._preparing:
            self._preparing = True
            threading.Thread(target=self._prepare_session, name="aws-session", daemon=True).start()

    @property
    def region(self) -> str | None:
        if self._session is not None:
            return str(self._session.get_config_variable("region") or "") or None
        return self.profile.region

    def _prepare_session(self) -> None:
        try:
            self._session_future.set_result(self._make_session())
        except BaseException as exc:  # delivered to whoever awaits the session
            self._session_future.set_exception(exc)

    def _make_session(self) -> Any:
        from aiobotocore.session import AioSession  # lazy: heavy import

        from ddbconsole.services.wire import ParserFactory

        session = AioSession(profile=self.profile.aws_profile)
        session.register_component("response_parser_factory", ParserFactory())
        if self.profile.region:
            session.set_config_variable("region", self.profile.region)
        if self.profile.role_arn:
            _assume_role(session, self.profile)
        # Warm the loader's cache with what the first DynamoDB client needs.
        loader = session.get_component("data_loader")
        loader.load_service_model("dynamodb", "service-2")
        loader.load_service_model("dynamodb", "endpoint-rule-set-1")
        loader.load_data("partitions")
        return session

    def _config(self, *, validate: bool = True, retry: bool = True) -> Any:
        from aiobotocore.config import AioConfig

        retries = self._retries if retry else NO_RETRIES
        return AioConfig(**config_kwargs(retries, *self._timeouts), parameter_validation=validate)

    async def client(self, service: str, *, validate: bool = True, retry: bool = True) -> Any:
        """The one client for `service` (and these options), opened on first use.

        `validate=False` gives a client without botocore's parameter validation, for bulk
        writes whose items the caller has already validated (it walks every attribute value again
        and costs more client time than serialising the request). `retry=False` gives one whose
        calls are sent once, for callers with their own retry loop. Same hooks and guard for all.
        """
        name = service + ("" if validate else "/unvalidated") + ("" if retry else "/once")
        existing = self._clients.get(name)
        if existing is not None:
            return existing
        async with self._lock:
            if name in self._clients:
                return self._clients[name]
            if self._session is None:
                self.prepare()
                try:
                    self._session = await asyncio.wrap_future(self._session_future)
                except Exception as exc:  # ProfileNotFound and friends
                    raise translate(exc, profile=self.profile.aws_profile) from exc
            kwargs: dict[str, Any] = {"config": self._config(validate=validate, retry=retry)}
            endpoint = self.profile.endpoint_for(service)
            if endpoint:
                kwargs["endpoint_url"] = endpoint
            try:
                client = await self._stack.enter_async_context(
                    self._session.create_client(service, **kwargs)
                )
            except Exception as exc:
                raise translate(exc, profile=self.profile.aws_profile) from exc
            from ddbconsole.services import wire

            wire.install_serializer(client)
            if self.read_only:
                readonly.install(client, service)
            for event, handler in self._hooks:
                client.meta.events.register(event, handler)
            self._clients[name] = client
            return client

    async def call(
        self,
        service: str,
        operation: str,
        *,
        validate: bool = True,
        retry: bool = True,
        **params: Any,
    ) -> dict[str, Any]:
        """Call `operation` (snake_case method name) and translate any failure into DdbConsoleError.

        `validate`, `retry`: see `client`. (AWS parameter names are CamelCase, so no clash.)"""
        client = await self.client(service, validate=validate, retry=retry)
        try:
            result: dict[str, Any] = await getattr(client, operation)(**params)
        except Exception as exc:
            raise translate(exc, profile=self.profile.aws_profile) from exc
        return result

    async def close(self) -> None:
        self._clients.clear()
        await self._stack.aclose()


def _assume_role(session: Any, profile: Profile) -> None:
    """Make `session` use refreshable credentials from sts:AssumeRole, sourced from its own chain."""
    from aiobotocore.credentials import (
        AioAssumeRoleCredentialFetcher,
        AioCredentialResolver,
        AioDeferredRefreshableCredentials,
    )
    from botocore.credentials import CredentialProvider
    from botocore.exceptions import NoCredentialsError

    base_resolver = session.get_component("credential_provider")
    sts_endpoint = profile.endpoint_for("sts")
    role_arn = str(profile.role_arn)

    def sts_client(service: str, **kwargs: Any) -> Any:
        if sts_endpoint:
            kwargs["endpoint_url"] = sts_endpoint
        return session.create_client(service, **kwargs)

    class _AssumeRoleProvider(CredentialProvider):  # type: ignore[misc]
        METHOD = "ddbconsole-assume-role"

        async def load(self) -> Any:
            source = await base_resolver.load_credentials()
            if source is None:
                raise NoCredentialsError()
            fetcher = AioAssumeRoleCredentialFetcher(
                client_creator=sts_client,
                source_credentials=source,
                role_arn=role_arn,
                extra_args={"RoleSessionName": "ddbconsole"},
            )
            return AioDeferredRefreshableCredentials(
                refresh_using=fetcher.fetch_credentials, method=self.METHOD
            )

    session.register_component(
        "credential_provider", AioCredentialResolver(providers=[_AssumeRoleProvider()])
    )
