"""Every refusal of an authenticated request on a pupil's data goes into the access log.

A use case that reads or changes a pupil's data is wrapped with `logs_refusals(category)`:
when it refuses (403, 404, 410), the refusal is appended to the access log, in a
transaction of its own and before the answer leaves (fail closed: no entry, no answer),
with who asked, the purpose or route category, the closed reason code and, where the
request names a pupil, the pupil's pseudonym. A parent's inzage therefore shows attempts.
Bad input (422) and conflicts (409) are no refusals of data and are not logged here.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from adapters.disclosure import refusal_entry
from adapters.errors import Refusal
from adapters.ports import Persistence, RecordGone, RecordMissing, Requester
from audit.refusals import Refused

P = ParamSpec("P")
T = TypeVar("T")


def logs_refusals(category: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Wrap a use case whose parameters include `p` (the Persistence) and `who` (the Requester)."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except Refusal as e:
                if e.refused is not None and not e.logged:
                    _log(signature.bind_partial(*args, **kwargs).arguments, category, e)
                raise
            except (RecordGone, RecordMissing) as e:
                refused = Refused.ERASED if isinstance(e, RecordGone) else Refused.NOT_FOUND
                _log(signature.bind_partial(*args, **kwargs).arguments, category, Refusal(str(e), refused=refused))
                raise

        run.logs_refusals = category  # type: ignore[attr-defined]  # read by the route-coverage test
        return run

    return wrap


def _log(arguments: dict[str, object], category: str, e: Refusal) -> None:
    p, who = arguments["p"], arguments["who"]
    assert isinstance(who, Requester) and e.refused is not None
    entry = refusal_entry(who, e.purpose or category, e.subject, e.refused, record_id=e.record_id)
    persistence: Persistence = p  # type: ignore[assignment]  # a Protocol, not checkable at run time
    persistence.log([entry])
    e.logged = True
