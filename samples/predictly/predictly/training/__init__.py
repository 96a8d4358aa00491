from predictly.training.trainer import train_model

__all__ = ["train_model"]
