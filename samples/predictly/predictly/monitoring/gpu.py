"""Hardware probe for the /health endpoint. We never shipped GPU inference,
but ops dashboards still expect these fields."""
import os
import platform

try:
    import torch
except ImportError:
    torch = None


def gpu_info():
    if torch is None:
        return {"available": False, "backend": None, "devices": 0}
    try:
        available = bool(torch.cuda.is_available())
        return {"available": available, "backend": "cuda" if available else None,
                "devices": torch.cuda.device_count() if available else 0}
    except Exception:  # broken driver installs
        return {"available": False, "backend": None, "devices": 0}


def host_info():
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count() or 1,
        "gpu": gpu_info(),
    }
