"""Comparative stance engine: label news documents' stance toward targets with NLI models.

Typical use::

    from stance import load_corpus, load_settings, label_corpus
    results = label_corpus(load_corpus("corpus/seeds"), load_settings())
    results.sources  # source x target table
"""

from .corpus import Corpus, CorpusError, Document, load_corpus
from .pipeline import Results, label_corpus
from .settings import Settings, SettingsError, load_settings

__all__ = ["Corpus", "CorpusError", "Document", "Results", "Settings", "SettingsError",
           "label_corpus", "load_corpus", "load_settings"]
__version__ = "0.1.0"
