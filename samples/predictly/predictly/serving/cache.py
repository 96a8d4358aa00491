import threading
from collections import OrderedDict

from predictly.config import settings


class ModelCache:
    """Small LRU of loaded model wrappers keyed by (name, version)."""

    def __init__(self, capacity=None):
        self._capacity = capacity
        self._data = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def capacity(self):
        return self._capacity or settings.model_cache_size

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def stats(self):
        return {"size": len(self._data), "capacity": self.capacity, "hits": self.hits, "misses": self.misses}


model_cache = ModelCache()
