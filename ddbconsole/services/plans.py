"""Plans: every change is a Plan, shown before it is sent.

A service method that writes returns a `Plan`: the exact requests, in order (`PlannedRequest`s:
operation and parameters as they will be sent, expression placeholders and values included), what
is re-checked before sending, and what follows. The UI shows the Plan and the equivalent `aws` CLI
command of every request (`aws_cli`, the one renderer, also used by the operation log); then one
`execute(session, plan)` sends exactly those requests, in order.

`execute` refuses in read-only mode before anything is sent. A plan with `refresh` is re-planned
from the current state first and refused (`PlanChanged`, nothing sent) when its requests differ
from the ones shown. A multi-request plan that fails part-way raises `ChangeIncomplete` naming what
went through. Bulk plans (batch delete, import) show their requests' shape and count and send
themselves through `sender`, which retries unprocessed items as the bulk loop always did.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar, overload

from ddbconsole.errors import DdbConsoleError, ReadOnlyViolation
from ddbconsole.models import PlannedRequest
from ddbconsole.services.awscli import aws_cli, json_default, kebab
from ddbconsole.services.capacity_rules import ChangeIncomplete, PlanChanged, check_confirmed

if TYPE_CHECKING:
    from ddbconsole.services.session import AwsSession

P = ParamSpec("P")
S = TypeVar("S", bound="_HasSession")

__all__ = [
    "ChangeIncomplete",
    "Plan",
    "PlanChanged",
    "PlannedRequest",
    "aws_cli",
    "execute",
    "kebab",
    "refuse_read_only",
    "write_plan",
]

Responses = list[dict[str, Any]]


@dataclass(frozen=True, eq=False)
class Plan(Sequence[PlannedRequest]):
    """The exact requests a change sends, in order, and what surrounds them.

    A Plan is a sequence of its requests (and equal to a list or tuple of the same requests), so
    code that only needs the requests can treat it as one.
    """

    title: str  # the confirmation's question ("Delete table Orders?")
    requests: tuple[PlannedRequest, ...]
    checks: tuple[str, ...] = ()  # what is re-checked just before sending
    then: tuple[str, ...] = ()  # what follows once sent (wait for ACTIVE, reload, ...)
    notes: tuple[str, ...] = ()  # what the user should know before confirming
    confirm_label: str = "Send"
    require_text: str = ""  # dangerous changes: the user types this (a table's name) to confirm
    done: str = ""  # said once the requests went through
    summary: str = ""  # bulk plans: how the shown requests stand for all that are sent
    # Re-plan from the current state; `execute` refuses when the requests changed.
    refresh: Callable[[], Awaitable[Plan]] | None = field(default=None, repr=False)
    # A local step (state dir) just before the first request, e.g. remembering auto scaling.
    before: Callable[[], Awaitable[object]] | None = field(default=None, repr=False)
    # Turns the responses into the caller's result, and records local state (ledgers).
    after: Callable[[Responses], Awaitable[Any]] | None = field(default=None, repr=False)
    # Turns the first request's error into the one to raise (e.g. a failed condition into a
    # conflict carrying the server's current item).
    failed: Callable[[DdbConsoleError], Awaitable[BaseException]] | None = field(
        default=None, repr=False
    )
    # Bulk plans send themselves (chunks, retries of unprocessed items, progress).
    sender: Callable[[], Awaitable[Any]] | None = field(default=None, repr=False)

    # --- a sequence of its requests -------------------------------------------------------------

    @overload
    def __getitem__(self, index: int) -> PlannedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[PlannedRequest]: ...
    def __getitem__(self, index: int | slice) -> PlannedRequest | list[PlannedRequest]:
        if isinstance(index, slice):
            return list(self.requests[index])
        return self.requests[index]

    def __len__(self) -> int:
        return len(self.requests)

    def __iter__(self) -> Iterator[PlannedRequest]:
        return iter(self.requests)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Plan):
            return self.requests == other.requests
        if isinstance(other, list | tuple) and not isinstance(other, PlannedRequest):
            return list(self.requests) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Plan) -> Plan:
        """Two plans sent one after the other (auto scaling of read and of write)."""
        first, second = self, other

        async def after(results: Responses) -> Any:
            n = len(first.requests)
            out = await first.after(results[:n]) if first.after else results[:n]
            return (await second.after(results[n:])) if second.after else out

        refresh = None
        if first.refresh is not None or second.refresh is not None:

            async def refresh() -> Plan:
                a = await first.refresh() if first.refresh else first
                b = await second.refresh() if second.refresh else second
                return a + b

        return replace(
            first,
            requests=first.requests + second.requests,
            checks=tuple(dict.fromkeys(first.checks + second.checks)),
            then=tuple(dict.fromkeys(first.then + second.then)),
            notes=tuple(dict.fromkeys(first.notes + second.notes)),
            refresh=refresh,
            before=None,
            after=after if first.after or second.after else None,
            failed=None,
            sender=None,
        )

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(r.operation for r in self.requests)


class _HasSession(Protocol):
    _session: AwsSession


def write_plan(
    service: str, operation: str
) -> Callable[
    [Callable[Concatenate[S, P], Awaitable[Plan]]], Callable[Concatenate[S, P], Awaitable[Plan]]
]:
    """Mark a service's `plan_*` method as planning a write: in read-only mode it refuses before
    any request, its pre-reads included (docs/ARCHITECTURE.md, "Read-only at the client")."""

    def decorate(
        planning: Callable[Concatenate[S, P], Awaitable[Plan]],
    ) -> Callable[Concatenate[S, P], Awaitable[Plan]]:
        @functools.wraps(planning)
        async def planned(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Plan:
            refuse_read_only(self._session, service, operation)
            return await planning(self, *args, **kwargs)

        return planned

    return decorate


def refuse_read_only(session: AwsSession, service: str, operation: str) -> None:
    """Refuse a write in read-only mode before any request (pre-reads included) is sent. The
    client hook is the guarantee; this only stops a change before it starts."""
    if session.read_only:
        raise ReadOnlyViolation(service, operation)


async def execute(
    session: AwsSession,
    plan: Plan,
    confirmed: Sequence[PlannedRequest] | None = None,
    *,
    recheck: bool = True,
) -> Any:
    """Send exactly `plan`'s requests, in order; returns what the plan's `after` makes of the
    responses (the responses themselves without one).

    Refuses in read-only mode before anything is sent. With `confirmed`, refuses (PlanChanged,
    nothing sent) when the plan differs from what was confirmed; with `recheck` and a plan that
    can re-plan itself, the fresh plan must still be the one shown.
    """
    first = plan.requests[0] if plan.requests else PlannedRequest("dynamodb", "?", {})
    refuse_read_only(session, first.service, first.operation)
    check_confirmed(plan, confirmed)
    if recheck and plan.refresh is not None:
        fresh = await plan.refresh()
        check_confirmed(fresh, plan)
        plan = fresh
    if plan.before is not None:
        await plan.before()
    if plan.sender is not None:
        return await plan.sender()
    results: Responses = []
    for n, request in enumerate(plan.requests):
        try:
            results.append(await session.call(request.service, request.method, **request.params))
        except DdbConsoleError as exc:
            if n == 0:
                if plan.failed is not None:
                    raise await plan.failed(exc) from None
                raise
            raise ChangeIncomplete(plan.requests[:n], request, exc) from exc
    return await plan.after(results) if plan.after is not None else results


# --- the AWS CLI equivalent ---------------------------------------------------------------------


def session_cli(session: AwsSession, request: PlannedRequest, *, multiline: bool = True) -> str:
    """`aws_cli` for a planned request, with this session's region, endpoint and profile."""
    profile = session.profile
    return aws_cli(
        request.service,
        request.operation,
        request.params,
        region=session.region,
        endpoint_url=profile.endpoint_for(request.service),
        profile=profile.aws_profile,
        multiline=multiline,
    )


def request_json(request: PlannedRequest) -> str:
    """A request's parameters as the confirmation shows them (indented JSON)."""
    return json.dumps(request.params, indent=2, ensure_ascii=False, default=json_default)
