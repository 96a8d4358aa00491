from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeatureSpec:
    version: int
    numeric: tuple
    categorical: dict = field(default_factory=dict)
    label: str = "churned"

    @property
    def columns(self):
        cols = list(self.numeric)
        for name, levels in self.categorical.items():
            cols.extend(f"{name}_{lvl}" for lvl in levels)
        return cols

    def to_dict(self):
        return {
            "version": self.version,
            "numeric": list(self.numeric),
            "categorical": {k: list(v) for k, v in self.categorical.items()},
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, d):
        return cls(
            version=d["version"],
            numeric=tuple(d["numeric"]),
            categorical={k: tuple(v) for k, v in d["categorical"].items()},
            label=d.get("label", "churned"),
        )


FEATURE_SPEC = FeatureSpec(
    version=3,
    numeric=(
        "tenure_months",
        "monthly_spend",
        "support_tickets",
        "log_spend",
        "tickets_per_year",
        "spend_per_tenure",
    ),
    categorical={"plan": ("basic", "standard", "premium")},
)
