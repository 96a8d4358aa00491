"""Grab bag of helpers. Everything imports this; keep it dependency-free."""
import functools
import json
import logging
import math
import time
from datetime import datetime, timezone

log = logging.getLogger("predictly")

# endpoint/function name -> list of durations in ms. Read by monitoring.metrics.
TIMINGS = {}


def now_iso():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def dumps(obj):
    return json.dumps(obj, sort_keys=True, default=_json_default)


def loads(s, default=None):
    if s is None or s == "":
        return default
    return json.loads(s)


def _json_default(o):
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, datetime):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def round_floats(obj, ndigits=6):
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj):
            return None
        return round(obj, ndigits)
    if isinstance(obj, dict):
        return {k: round_floats(v, ndigits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, ndigits) for v in obj]
    if hasattr(obj, "item"):
        return round_floats(obj.item(), ndigits)
    return obj


def chunked(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def slugify(name):
    out = "".join(c.lower() if c.isalnum() else "-" for c in name.strip())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def timed(name=None):
    """Record wall time of the wrapped call into TIMINGS (sync or async)."""

    def deco(fn):
        label = name or fn.__qualname__

        def _record(start):
            TIMINGS.setdefault(label, []).append((time.perf_counter() - start) * 1000.0)
            if len(TIMINGS[label]) > 1000:
                del TIMINGS[label][:500]

        if _is_coroutine(fn):
            @functools.wraps(fn)
            async def awrapper(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    _record(start)
            return awrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                _record(start)
        return wrapper

    return deco


def _is_coroutine(fn):
    import inspect
    return inspect.iscoroutinefunction(fn)


class PredictlyError(Exception):
    status_code = 400

    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(PredictlyError):
    status_code = 404


class Forbidden(PredictlyError):
    status_code = 403
