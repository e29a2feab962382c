"""The fitted parts of a document rule (head, confidence calibrator): where they live, which one a run uses.

A document head (:mod:`stance.documents.head`) and a confidence calibrator
(:mod:`stance.documents.calibration`) are fitted on one model's scores, so they are stored
beside that model: ``<model folder>/document_head.json`` and
``<model folder>/confidence_calibrator.json``, each recording the model fingerprint it was
fitted on (a retrained model ignores the old files). A model with no folder of its own (a hub id,
or a read-only shared copy) keeps them in ``models/doc_heads/<fingerprint>.json`` and
``<fingerprint>.confidence.json``. ``python -m stance calibrate`` writes them.

:func:`resolve` is called once per run and its answer travels with the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stance.documents.head import DocHead
from stance.settings import HEADS_DIR, Settings, SettingsError

HEAD_FILE = "document_head.json"
CALIBRATOR_FILE = "confidence_calibrator.json"


@dataclass(frozen=True)
class FittedParts:
    """What a run uses beside the threshold rule: a head, a calibrator, or neither."""

    head: DocHead | None = None
    calibrator: DocHead | None = None
    reader: str = "sentences"

    @property
    def method(self) -> str:
        """``reader`` when the document reader labels documents, ``head`` when the head does, else ``mean``."""
        if self.reader == "document":
            return "reader"
        return "head" if self.head is not None else "mean"

    @property
    def confidence_basis(self) -> str:
        """Say in words what the document ``confidence`` column means for this run."""
        if self.reader == "document":
            return "the document reader's probability of the label (from the target's passage)"
        if self.head is not None:
            return "probability of the calibrated document head"
        if self.calibrator is not None:
            trained = str(self.calibrator.info.get("trained_on", "a document gold"))
            if trained.startswith("allsides_dev_gold"):
                trained = "the AllSides dev gold"
            return f"P(label right), calibrated on {trained} (raw bootstrap agreement in 'agreement')"
        return "bootstrap agreement over the document's sentences (not calibrated for this model and these settings)"


def part_paths(model: str, fingerprint: str) -> tuple[Path, Path]:
    """Return where the head and the calibrator of ``model`` (a name or folder) are stored.

    Beside the model when it is a folder inside the repository's ``models/``; else under
    ``models/doc_heads`` by fingerprint.
    """
    folder = Path(model)
    if folder.is_dir() and HEADS_DIR.parent.resolve() in folder.resolve().parents:
        return folder / HEAD_FILE, folder / CALIBRATOR_FILE
    return HEADS_DIR / f"{fingerprint}.json", HEADS_DIR / f"{fingerprint}.confidence.json"


def _load_matching(path: Path, fingerprint: str) -> DocHead | None:
    if not path.is_file():
        return None
    part = DocHead.load(path)
    recorded = part.info.get("model_fingerprint")
    return part if recorded in (None, fingerprint) else None


def resolve(settings: Settings, fingerprint: str, model: str | None = None) -> FittedParts:
    """Return the head and calibrator a run with ``settings`` on the model ``fingerprint`` uses.

    The head is used when ``aggregate.method`` is ``head`` or ``auto`` and one fits the model;
    the calibrator only without a head and only under the aggregation settings it was fitted
    with (labels made with another threshold, prior or contrast are other labels). Raises
    :class:`SettingsError` when ``method = "head"`` but no head fits the model.
    """
    if settings.reader == "document":
        # the reader labels documents itself; a head or calibrator fitted on sentence scores does not apply
        return FittedParts(reader="document")
    head_path, cal_path = part_paths(model or settings.resolved_model(), fingerprint)
    method = settings.aggregate.method
    head = None if method == "mean" else _load_matching(head_path, fingerprint)
    if method == "head" and head is None:
        raise SettingsError(f"aggregate.method = 'head' but no head fits model {fingerprint} at {head_path} "
                            "(fit one with: python -m stance calibrate GOLD.csv CORPUS --head)")
    if head is not None:
        return FittedParts(head=head)
    cal = _load_matching(cal_path, fingerprint)
    if cal is not None:
        fitted = cal.info.get("aggregate", {})
        now = settings.aggregate.label_settings()
        if any(not np.isclose(float(v), now[k]) for k, v in fitted.items() if k in now):
            cal = None
    return FittedParts(calibrator=cal)
