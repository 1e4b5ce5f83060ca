"""A cache for the parser's small pure functions of one text (squash, split_numbering,
parse_value, label matching): labels and cells recur in every report, so they are kept; a
text longer than the cache's `max_chars` is computed without it, so that a hostile 10 MB
line never stays in memory after its parse (each cache then holds at most maxsize × max_chars
characters).

    @text_cache(maxsize=65536, max_chars=64)
    def squash(text: str) -> str: ...
    squash("行政许可")        # cached
    squash("x" * 1_000_000)  # computed, not kept
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, update_wrapper
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def text_cache(*, maxsize: int, max_chars: int) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        cached = lru_cache(maxsize=maxsize)(func)
        if func.__code__.co_argcount == 1 and not func.__code__.co_kwonlyargcount:
            def call(text: str) -> Any:  # the common case, without packing arguments: it runs per cell
                return cached(text) if len(text) <= max_chars else func(text)
        else:
            def call(text: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                if len(text) <= max_chars:
                    return cached(text, *args, **kwargs)
                return func(text, *args, **kwargs)

        update_wrapper(call, func)
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate
