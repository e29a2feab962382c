"""What a model scores with — runtime and precision, e.g. ``torch-fp32`` — and whether a device is there.

The runtime is part of every score's cache key (:func:`stance.scoring.cache.score_key`): the same
model gives slightly different numbers in fp16 on a GPU than in fp32 on a CPU.
:func:`expected_runtime` mirrors :func:`stance.scoring.nli.load_nli_model` (fp32, halved to fp16
on CUDA), so a fully cached run needs no model to know its keys.
"""

from __future__ import annotations

from typing import Any

_DTYPES = {"torch.float32": "fp32", "torch.float16": "fp16", "torch.bfloat16": "bf16", "torch.float64": "fp64"}


def expected_runtime(device: str) -> str:
    """Return the runtime a model loaded for the ``device`` setting runs with: ``torch-fp16`` on CUDA, else ``torch-fp32``."""
    if device == "auto":
        import torch

        cuda = torch.cuda.is_available()
    else:
        cuda = device.startswith("cuda")
    return "torch-fp16" if cuda else "torch-fp32"


def model_runtime(model: Any) -> str:
    """Return the runtime a loaded model runs with.

    Takes an :class:`~stance.scoring.nli.NLIModel` (or any object with a ``runtime`` text, or a
    torch module as ``model``); returns e.g. ``torch-fp32``, or the object's class name when
    neither is there.
    """
    tag = getattr(model, "runtime", None)
    if isinstance(tag, str) and tag:
        return tag
    try:
        dtype = str(next(model.model.parameters()).dtype)
    except (AttributeError, StopIteration, TypeError):
        return type(model).__name__
    return f"torch-{_DTYPES.get(dtype, dtype.removeprefix('torch.'))}"


def check_device(device: str) -> str | None:
    """Return what is wrong with the ``device`` setting on this machine (no such GPU), or None when it can be used.

    ``auto`` and ``cpu`` are always fine (torch is not imported for them); ``cuda``/``cuda:N``
    need a CUDA GPU (and N below the GPU count), ``mps`` an Apple GPU.
    """
    if device in ("auto", "cpu"):
        return None
    import torch

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            return f"asks for {device!r}, but no CUDA GPU is available here (use auto or cpu)"
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            return f"asks for {device!r}, but this machine has {torch.cuda.device_count()} CUDA GPU(s)"
    elif device == "mps" and not torch.backends.mps.is_available():
        return "asks for 'mps', but no Apple GPU is available here (use auto or cpu)"
    return None
