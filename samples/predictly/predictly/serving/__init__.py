from predictly.serving.predictor import predict_one
from predictly.serving.batch import predict_batch

__all__ = ["predict_one", "predict_batch"]
