"""A cache that lives for one web request: a page and its navigation badge resolve the same
selector once (the approvals inbox and its "waiting for me" count). Outside a request (a
task, a shell) nothing is cached. Scoped by Django's request_started/request_finished
signals (connected in `CoreConfig.ready`)."""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
_memo: ContextVar[dict | None] = ContextVar("steward_request_memo", default=None)


def request_memo(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def on_request_started(**kwargs) -> None:
    _memo.set({})


def on_request_finished(**kwargs) -> None:
    _memo.set(None)
