from dataclasses import asdict, dataclass, field


@dataclass
class ModelMetadata:
    name: str
    version: int
    algorithm: str
    params: dict
    metrics: dict
    dataset: str
    feature_columns: list
    feature_spec_version: int
    threshold: float = 0.5
    reference: dict = field(default_factory=dict)
    importances: dict = field(default_factory=dict)
    trained_at: str = ""

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    @property
    def key(self):
        return f"{self.name}:v{self.version}"

    def public(self):
        d = self.to_dict()
        d.pop("reference", None)
        return d
