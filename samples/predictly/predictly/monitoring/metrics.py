import threading
import time

import numpy as np

from predictly import utils

_lock = threading.Lock()
COUNTERS = {}
GAUGES = {}
_STARTED = time.time()


def incr(name, value=1):
    with _lock:
        COUNTERS[name] = COUNTERS.get(name, 0) + value


def gauge(name, value):
    with _lock:
        GAUGES[name] = value


def latency_summary():
    out = {}
    for label, samples in list(utils.TIMINGS.items()):
        if not samples:
            continue
        arr = np.asarray(samples)
        out[label] = {
            "count": int(arr.size),
            "p50_ms": float(np.percentile(arr, 50)),
            "p95_ms": float(np.percentile(arr, 95)),
            "max_ms": float(arr.max()),
        }
    return out


def snapshot():
    from predictly.serving.cache import model_cache

    with _lock:
        counters = dict(sorted(COUNTERS.items()))
        gauges = dict(sorted(GAUGES.items()))
    return {
        "counters": counters,
        "gauges": gauges,
        "latency": latency_summary(),
        "model_cache": model_cache.stats(),
        "uptime_s": time.time() - _STARTED,
    }


def reset():
    global _STARTED
    with _lock:
        COUNTERS.clear()
        GAUGES.clear()
    utils.TIMINGS.clear()
    _STARTED = time.time()
