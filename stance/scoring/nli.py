"""Load an NLI cross-encoder and score premise/hypothesis pairs for zero-shot stance.

The scoring follows transformers' zero-shot-classification pipeline with
``multi_label=False``: for one premise and N hypotheses (one per stance), the entailment
logits of the N pairs are soft-maxed against each other, giving one probability per
stance that sums to 1. Any NLI model whose config names an entailment label works: the
project's own model, the shared baseline, or a hub model such as a DeBERTa-v3 zero-shot
model when the machine is online.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch


class ModelError(ValueError):
    """The model cannot be used: missing folder, not an NLI model, or not downloadable."""


def _entailment_id(label2id: dict[str, int], where: str) -> int:
    for label, idx in label2id.items():
        if label.lower().startswith("entail"):
            return int(idx)
    raise ModelError(
        f"{where}: config has no entailment label (labels: {', '.join(label2id) or 'none'}); "
        "a zero-shot stance model must be an NLI model with an 'entailment' label"
    )


def model_fingerprint(name_or_path: str) -> str:
    """Return a short id that changes when the model's weights or config change.

    For a local folder it hashes config.json and every weight file in full (two trainings
    from the same base can share their first megabytes: frozen embeddings come first); the
    digest is memoised per file size and modification time. For a hub id it is the id.
    """
    path = Path(name_or_path)
    if not path.is_dir():
        return name_or_path
    files = sorted(f for f in path.iterdir() if f.name == "config.json" or f.suffix in (".safetensors", ".bin", ".onnx"))
    stamp = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    return f"{path.name}-{_digest(str(path.resolve()), stamp)}"


@lru_cache(maxsize=32)
def _digest(folder: str, stamp: tuple) -> str:
    h = hashlib.sha1()
    for name, size, _ in stamp:
        h.update(name.encode())
        h.update(str(size).encode())
        with open(Path(folder) / name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
    return h.hexdigest()[:12]


def pick_device(device: str = "auto") -> torch.device:
    """Return the torch device for ``device`` ("auto" means CUDA when available)."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@dataclass
class NLIModel:
    """A loaded NLI cross-encoder; call :meth:`stance_probs` to score stances."""

    name: str
    tokenizer: Any
    model: torch.nn.Module
    device: torch.device
    entailment_id: int
    max_length: int = 160
    fingerprint: str = ""

    def entailment_logits(self, premises: list[str], hypotheses: list[str], batch_size: int = 32,
                          progress=None, max_length: int | None = None) -> np.ndarray:
        """Return the entailment logit of each (premise, hypothesis) pair, in input order.

        Pairs are sorted by length before batching so each batch pads little; ``progress``
        (optional) is called with the number of pairs done after each batch; ``max_length``
        overrides the model's token budget per pair (document passages are longer than sentences).
        """
        max_length = max_length or self.max_length
        import torch

        n = len(premises)
        out = np.empty(n, dtype=np.float32)
        # Sort by token count (not characters) so each batch pads to almost nothing.
        lengths = self.token_lengths(premises, hypotheses, max_length=max_length)
        order = sorted(range(n), key=lengths.__getitem__)
        with torch.inference_mode():
            for b in range(0, n, batch_size):
                idx = order[b:b + batch_size]
                enc = self.tokenizer(
                    [premises[i] for i in idx], [hypotheses[i] for i in idx],
                    return_tensors="pt", padding=True, truncation="only_first",
                    max_length=max_length,
                ).to(self.device)
                logits = self.model(**enc).logits[:, self.entailment_id]
                out[idx] = logits.float().cpu().numpy()
                if progress is not None:
                    progress(len(idx))
        return out

    def token_lengths(self, premises: list[str], hypotheses: list[str], chunk: int = 4096,
                      max_length: int | None = None) -> list[int]:
        """Return each pair's token count after truncation to ``max_length`` (chunked to bound memory)."""
        max_length = max_length or self.max_length
        lengths: list[int] = []
        for i in range(0, len(premises), chunk):
            enc = self.tokenizer(premises[i:i + chunk], hypotheses[i:i + chunk],
                                 truncation="only_first", max_length=max_length)
            lengths.extend(len(ids) for ids in enc["input_ids"])
        return lengths

    def stance_probs(self, premises: list[str], hypothesis_sets: list[list[str]],
                     batch_size: int = 32, progress=None, max_length: int | None = None) -> np.ndarray:
        """Score each premise against its own list of K hypotheses.

        Takes ``premises`` (length N) and ``hypothesis_sets`` (N lists of K hypotheses);
        returns an (N, K) array of probabilities: softmax over the K entailment logits.
        """
        if not premises:
            return np.zeros((0, len(hypothesis_sets[0]) if hypothesis_sets else 0), dtype=np.float32)
        k = len(hypothesis_sets[0])
        flat_p = [p for p in premises for _ in range(k)]
        flat_h = [h for hs in hypothesis_sets for h in hs]
        logits = self.entailment_logits(flat_p, flat_h, batch_size, progress, max_length).reshape(-1, k)
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


def load_nli_model(name_or_path: str, device: str = "auto", max_length: int = 160,
                   threads: int = 0) -> NLIModel:
    """Load an NLI model from a local folder or a hub id.

    Raises :class:`ModelError` with a clear message when the folder does not exist, holds
    no config, the config has no entailment label, or the hub cannot be reached.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # weight-loading bars would drown the CLI's own bar
    if threads:
        torch.set_num_threads(threads)
    path = Path(name_or_path)
    looks_local = path.exists() or name_or_path.startswith((".", "/", "~")) or name_or_path.count("/") > 1
    if looks_local:
        if not path.is_dir():
            raise ModelError(f"{path}: model folder does not exist")
        cfg = path / "config.json"
        if not cfg.is_file():
            raise ModelError(f"{path}: no config.json; not a transformers model folder")
        try:
            label2id = json.loads(cfg.read_text()).get("label2id") or {}
        except json.JSONDecodeError as exc:
            raise ModelError(f"{cfg}: not valid JSON ({exc})") from exc
        _entailment_id(label2id, str(cfg))
    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        model = AutoModelForSequenceClassification.from_pretrained(name_or_path)
    except OSError as exc:
        raise ModelError(
            f"cannot load model {name_or_path!r}: {exc}. Offline, pass a local folder "
            "(the default is the project's own model under models/)"
        ) from exc
    ent = _entailment_id({str(k): v for k, v in model.config.label2id.items()}, name_or_path)
    dev = pick_device(device)
    model = model.float().to(dev).eval()  # fp16 weights are stored small, run in fp32 on CPU
    if dev.type == "cuda":
        model = model.half()
    return NLIModel(name_or_path, tokenizer, model, dev, ent, max_length, model_fingerprint(name_or_path))
