"""In-memory storage used by the repositories. Swappable for a real database later."""
import itertools
import threading
from collections import defaultdict


class Table:
    def __init__(self, name):
        self.name = name
        self.rows = {}
        self._ids = itertools.count(1)

    def insert(self, obj):
        obj.id = next(self._ids)
        self.rows[obj.id] = obj
        return obj

    def get(self, obj_id):
        return self.rows.get(obj_id)

    def update(self, obj):
        if obj.id not in self.rows:
            raise KeyError(f"{self.name}: no row {obj.id}")
        self.rows[obj.id] = obj
        return obj

    def delete(self, obj_id):
        return self.rows.pop(obj_id, None)

    def filter(self, **criteria):
        return [
            row for row in self.rows.values()
            if all(getattr(row, k) == v for k, v in criteria.items())
        ]

    def all(self):
        return list(self.rows.values())


class Database:
    def __init__(self):
        self._tables = defaultdict(lambda: None)
        self.lock = threading.RLock()

    def table(self, name):
        if self._tables[name] is None:
            self._tables[name] = Table(name)
        return self._tables[name]

    def reset(self):
        self._tables.clear()


_db = Database()


def get_db():
    return _db
