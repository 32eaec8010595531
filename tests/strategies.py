"""Hypothesis strategies shared by the test modules (append; keep sections per author)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from doorstroom_match import Vacancy, WorkerProfile, default_dictionary

COMPETENCE_IDS = default_dictionary().ids
levels = st.integers(min_value=1, max_value=4)
level_labels = st.sampled_from(["onvoldoende", "matig", "goed", "zeer goed", "Goed", "ZEER GOED"])


@st.composite
def competence_maps(draw, min_size=0, max_size=8):
    """A mapping competence id -> level 1..4 over a random subset of the default dictionary."""
    ids = draw(
        st.lists(st.sampled_from(COMPETENCE_IDS), min_size=min_size, max_size=max_size, unique=True)
    )
    return {c: draw(levels) for c in ids}


@st.composite
def workers(draw, wid="W1"):
    return WorkerProfile(wid, draw(competence_maps()))


@st.composite
def vacancies(draw, vid="V1", kind=None):
    req = draw(competence_maps(min_size=0, max_size=6))
    weights = {c: draw(st.floats(min_value=0.1, max_value=3.0)) for c in req}
    k = kind or draw(st.sampled_from(["vacancy", "tbs", "bvs", "enclave"]))
    return Vacancy(vid, "magazijnier", kind=k, requirements=req, weights=weights)


@st.composite
def level_arrays(draw, rows=st.integers(1, 6), cols=st.integers(1, 6), low=0):
    """An int8 array of levels low..4 with a random shape."""
    n, c = draw(rows), draw(cols)
    flat = draw(st.lists(st.integers(low, 4), min_size=n * c, max_size=n * c))
    return np.array(flat, dtype=np.int8).reshape(n, c)


# --- text and index (job titles, vectors) -------------------------------------------------
JOB_TITLE_WORDS = [
    "medewerker",
    "medewerkster",
    "magazijn",
    "kassier",
    "kassierster",
    "coördinatrice",
    "coördinator",
    "schoonmaker",
    "schoonmaakster",
    "heftruck",
    "chauffeur",
    "poets",
    "hulp",
    "keuken",
    "kok",
    "verkoper",
    "verkoopster",
    "logistiek",
    "operator",
    "productie",
    "assistente",
    "assistent",
    "laborante",
    "(m/v/x)",
    "groen",
    "zorg",
    "onderhoud",
    "Ö",
    "-",
    "/",
]
job_titles = st.lists(st.sampled_from(JOB_TITLE_WORDS), min_size=0, max_size=5).map(" ".join)


@st.composite
def unit_vectors(draw, max_n=40, max_dim=8):
    """(vectors, queries): float32 arrays with unit-norm rows and few ties."""
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, 5))
    dim = draw(st.integers(1, max_dim))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n + m, dim)).astype(np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return x[:n], x[n:]
