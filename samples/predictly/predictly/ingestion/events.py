"""Fake clickstream/billing event source used for demos and load tests.

In production this was meant to be a Kafka consumer; it never got there.
"""
import numpy as np
import pandas as pd

PLANS = ["basic", "standard", "premium"]
REGIONS = ["north", "south", "east", "west"]


class EventSource:
    def __init__(self, seed=0):
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._offset = 0

    def poll(self, n=10):
        rng = self._rng
        tenure = rng.integers(1, 60, size=n)
        spend = np.round(rng.uniform(9, 120, size=n), 2)
        tickets = rng.poisson(1.5, size=n)
        plan = rng.choice(PLANS, size=n)
        region = rng.choice(REGIONS, size=n)
        noise = rng.normal(0, 0.7, size=n)
        score = -0.05 * tenure + 0.6 * tickets + 0.01 * spend - np.where(plan == "premium", 0.5, 0.0) + noise
        ids = [f"E{self.seed:02d}{self._offset + i:05d}" for i in range(n)]
        self._offset += n
        return pd.DataFrame({
            "customer_id": ids,
            "tenure_months": tenure,
            "monthly_spend": spend,
            "support_tickets": tickets,
            "plan": plan,
            "region": region,
            "churned": (score > 0.2).astype(int),
        })

    def drain(self, batches=3, batch_size=10):
        frames = [self.poll(batch_size) for _ in range(batches)]
        return pd.concat(frames, ignore_index=True)
