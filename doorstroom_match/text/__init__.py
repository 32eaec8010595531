"""Text understanding: encoders, the embedding cache, job-title normalisation.

Nothing heavy is imported here: sentence-transformers and torch load on first use of a dense
encoder.
"""

from __future__ import annotations

from doorstroom_match.text.cache import EmbeddingCache, encode_cached
from doorstroom_match.text.corpus import (
    Occupation,
    TitleCorpus,
    load_esco_corpus,
    read_corpus_csv,
    read_esco_occupations,
)
from doorstroom_match.text.dense import (
    E5SmallEncoder,
    MultilingualUseEncoder,
    WeightedSumEncoder,
)
from doorstroom_match.text.encoders import (
    ENCODER_NAMES,
    AdaptedEncoder,
    HybridEncoder,
    SentenceTransformerEncoder,
    TfidfEncoder,
    make_encoder,
)
from doorstroom_match.text.lexicon import TitleLexicon
from doorstroom_match.text.normalise import normalise_title
from doorstroom_match.text.synonyms import TitleSubstitutions
from doorstroom_match.text.titles import TitleMatch, TitleNormalizer

__all__ = [
    "AdaptedEncoder",
    "E5SmallEncoder",
    "ENCODER_NAMES",
    "EmbeddingCache",
    "HybridEncoder",
    "MultilingualUseEncoder",
    "Occupation",
    "SentenceTransformerEncoder",
    "TfidfEncoder",
    "TitleCorpus",
    "TitleLexicon",
    "TitleMatch",
    "TitleNormalizer",
    "TitleSubstitutions",
    "WeightedSumEncoder",
    "encode_cached",
    "load_esco_corpus",
    "make_encoder",
    "normalise_title",
    "read_corpus_csv",
    "read_esco_occupations",
]
