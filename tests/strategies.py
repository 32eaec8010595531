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


# --- assignment (workers x places with capacities) ----------------------------------------
@st.composite
def assignment_problems(draw, max_workers=5, max_places=4, max_capacity=2, forbid_p=0.35):
    """(cost, capacity): a small cost matrix with inf for forbidden pairs, and capacities.

    Costs come from a small grid (halves in -2..4, zeros included) so that ties between
    different assignments are common: the lexicographic "most placed, then cheapest" objective
    must hold through them.
    """
    n = draw(st.integers(1, max_workers))
    m = draw(st.integers(1, max_places))
    halves = st.integers(-4, 8).map(lambda k: k / 2.0)
    cell = st.one_of(halves, st.just(np.inf)) if forbid_p > 0 else halves
    flat = draw(st.lists(cell, min_size=n * m, max_size=n * m))
    cost = np.array(flat, dtype=np.float64).reshape(n, m)
    capacity = np.array(draw(st.lists(st.integers(0, max_capacity), min_size=m, max_size=m)))
    return cost, capacity


@st.composite
def random_assignment_problems(draw, max_workers=80, max_places=20, max_degree=6):
    """(cost, capacity): a larger sparse-ish random problem (seeded), for solver agreement."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, max_workers))
    m = draw(st.integers(1, max_places))
    deg = rng.integers(0, min(max_degree, m) + 1, size=n)
    cost = np.full((n, m), np.inf)
    for i in range(n):
        cols = rng.choice(m, size=deg[i], replace=False)
        cost[i, cols] = np.round(rng.random(deg[i]) * 10, draw(st.sampled_from([0, 1, 6])))
    capacity = rng.integers(0, 4, size=m)
    return cost, capacity


# --- core (issue 6: shortfall distances and blocked top-k) --------------------------------
# Weights are multiples of 1/4 in [0.25, 4]: every distance is then an exact float32 sum in
# any summation order, so fast and plain implementations must agree bit for bit.


@st.composite
def core_problems(draw, max_workers=6, max_vacancies=40, max_competences=6, weights="dyadic"):
    """(levels, requirements, weights): levels (W, C) 0..4, requirements (V, C) 0..4 (a drawn
    share not required), positive float32 weights (V, C): multiples of 1/4 in [0.25, 4] when
    ``weights="dyadic"`` (exact sums), else any in [1e-3, 10]. Seeded arrays, so that large
    problems stay cheap to draw."""
    n_w = draw(st.integers(1, max_workers))
    n_v = draw(st.integers(1, max_vacancies))
    n_c = draw(st.integers(1, max_competences))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    top = draw(st.integers(0, 4))  # levels 0..top: few distinct levels make ties common
    levels = rng.integers(0, top + 1, (n_w, n_c), dtype=np.int8)
    req = rng.integers(0, 5, (n_v, n_c), dtype=np.int8)
    req[rng.random((n_v, n_c)) < draw(st.sampled_from([0.0, 0.5, 0.9]))] = 0
    if weights == "dyadic":
        wts = rng.integers(1, 17, (n_v, n_c)) / 4.0
    else:
        wts = np.exp(rng.uniform(np.log(1e-3), np.log(10.0), (n_v, n_c)))
    return levels, req, wts.astype(np.float32)


@st.composite
def score_blocks(draw, max_rows=5, max_cols=400):
    """A float32 score block (rows, cols) with many ties and some nan / +inf / -inf, seeded."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    n, m = draw(st.integers(1, max_rows)), draw(st.integers(1, max_cols))
    n_values = draw(st.sampled_from([1, 2, 5, 50, 10_000]))
    block = (rng.integers(0, n_values, size=(n, m)) / 4.0 - draw(st.sampled_from([0, 3]))).astype(
        np.float32
    )
    for special in (np.nan, np.inf, -np.inf, -0.0):
        p = draw(st.sampled_from([0.0, 0.0, 0.01, 0.3, 1.0]))
        block[rng.random((n, m)) < p] = special
    return block


# --- weekly batch: feed files with broken lines (feeds, batch) ------------------------------
_BROKEN_LINE_KINDS = (
    "good",
    "good",
    "good",
    "blank",
    "malformed",
    "missing_id",
    "level_5",
    "unknown",
    "duplicate",
    "missing_title",
    "wrong_type",
)


@st.composite
def feed_lines(draw, max_lines=25):
    """(lines, n_good): JSON Lines texts of a vacancy feed mixing good and broken lines.

    Good lines have unique ids; a ``duplicate`` line repeats the id of an earlier good line
    (so it is rejected), or is a good line when there is none yet.
    """
    import json

    kinds = draw(st.lists(st.sampled_from(_BROKEN_LINE_KINDS), max_size=max_lines))
    lines, good_ids = [], []
    for i, kind in enumerate(kinds):
        req = draw(competence_maps(max_size=4))
        rec = {"id": f"V{i}", "title": "magazijnier", "requirements": req}
        if kind == "duplicate" and good_ids:
            rec["id"] = draw(st.sampled_from(good_ids))
        elif kind in ("good", "duplicate"):
            good_ids.append(rec["id"])
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", " ", "\t"])))
            continue
        elif kind == "malformed":
            text = json.dumps(rec)
            lines.append(text[: draw(st.integers(1, len(text) - 1))])
            continue
        elif kind == "missing_id":
            del rec["id"]
        elif kind == "level_5":
            rec["requirements"] = {**req, "motivatie": 5}
        elif kind == "unknown":
            rec["requirements"] = {**req, "samenwerkn": 2}
        elif kind == "missing_title":
            del rec["title"]
        else:  # wrong_type
            rec["capacity"] = draw(st.sampled_from(["veel", [1], {"a": 1}, 1.5]))
        lines.append(json.dumps(rec, ensure_ascii=False))
    return lines, len(good_ids)


@st.composite
def grouped_assignment_problems(draw, max_workers=5, max_places=4):
    """(cost, capacity, group, group_cap, tiers): an assignment problem whose places belong to
    employers (group -1 = none) with at most ``group_cap`` workers each, and worker priorities.
    """
    cost, capacity = draw(assignment_problems(max_workers=max_workers, max_places=max_places))
    n, m = cost.shape
    group = np.array(draw(st.lists(st.integers(-1, 1), min_size=m, max_size=m)))
    group_cap = draw(st.integers(1, 2))
    tiers = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    return cost, capacity, group, group_cap, tiers


# ----------------------------------------------------------------------------- forms (a11)
@st.composite
def ratings_form_cells(draw, max_rows=12):
    """Rows of a filled-in ratings form: (worker, rater, competence, indicator, level) cells
    as a coach types them (labels in any case, ints, names or labels of competences), and the
    rating each row must give back (None for a row left without a level)."""
    from doorstroom_match.competences import LEVEL_LABELS, default_dictionary

    d = default_dictionary()
    comps = list(d)
    rows, expected = [], []
    for _ in range(draw(st.integers(0, max_rows))):
        worker = draw(st.sampled_from(["W1", "W2", "W00017"]))
        rater = draw(st.sampled_from(["assessor", "begeleider", "zelf", "Zelf", "Assessor"]))
        comp = draw(st.sampled_from(comps))
        name = draw(st.sampled_from([comp.id, comp.label, comp.label.capitalize()]))
        indicator = draw(st.one_of(st.none(), st.sampled_from(["meldt wanneer klaar", "vraagt"])))
        level = draw(st.one_of(st.none(), st.integers(1, 4)))
        cell = level
        if level is not None:
            style = draw(st.integers(0, 3))
            cell = {
                0: level,
                1: LEVEL_LABELS[level],
                2: LEVEL_LABELS[level].upper(),
                3: float(level),
            }[style]
        rows.append([worker, rater, name, indicator, cell])
        rating = None
        if level is not None:
            rating = {"rater": rater.lower(), "competence": comp.id, "level": level}
            if indicator is not None:
                rating["indicator"] = indicator
        expected.append((worker, rating))
    return rows, expected


# --------------------------------------------------------------------------- rater calibration
@st.composite
def mfrm_designs(draw):
    """A small many-facet design for ``doorstroom_match._mfrm``: (Design, Hyper, Params).

    A few workers, competences and raters; each (worker, competence) cell is rated by one to
    three raters; random levels, prior variances, observation weights and a random point.
    """
    from doorstroom_match import _mfrm

    n_w = draw(st.integers(2, 6))
    n_c = draw(st.integers(2, 4))
    n_r = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cell, rater = [], []
    for j in range(n_w * n_c):
        for r in rng.choice(n_r, int(rng.integers(1, min(3, n_r) + 1)), replace=False):
            cell.append(j)
            rater.append(int(r))
    cell_a = np.asarray(cell)
    x = rng.integers(0, 4, cell_a.size)
    cw = np.repeat(np.arange(n_w), n_c)
    cc = np.tile(np.arange(n_c), n_w)
    d = _mfrm.Design.build(x, cell_a, np.asarray(rater), cw, cc, n_r, (np.arange(n_r),))
    hyper = _mfrm.Hyper(
        float(rng.uniform(0.1, 1.0)),
        float(rng.uniform(0.3, 2.0)),
        float(rng.uniform(2.0, 9.0)),
        rng.uniform(0.3, 1.0, x.size),
    )
    point = _mfrm.Params(
        rng.normal(size=d.n_cells),
        rng.normal(size=n_w),
        float(rng.normal()),
        rng.normal(size=n_c),
        rng.normal(size=n_r),
        rng.normal(size=3),
    )
    return d, hyper, point


# --- hostile input: any line a feed file can hold (feeds; d13) --------------------------------
_FIELD_NAMES = (
    "id",
    "title",
    "description",
    "kind",
    "employer",
    "postcode",
    "capacity",
    "valid_until",
    "requirements",
    "weights",
    "competences",
    "ratings",
    "limits",
    "max_commute_km",
    "job_target",
    "bvs_days",
    "priority",
    "extra",
)
_hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["²", "٣", "3", " 4 ", "goed", "9" * 40, "2026-12-01xyz", "1e999", "-1", "", "\ud800"]
    ),
)
hostile_json = st.recursive(
    _hostile_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def hostile_records(draw):
    """A dict of known fields (plus competence names) holding arbitrary JSON values."""
    rec = {}
    for name in draw(st.lists(st.sampled_from(_FIELD_NAMES), max_size=6, unique=True)):
        rec[name] = draw(hostile_json)
    if draw(st.booleans()):
        rec["id"] = draw(st.one_of(st.text(min_size=1, max_size=8), st.integers()))
        rec["title"] = draw(st.text(min_size=1, max_size=8))
    if draw(st.booleans()):
        rec["requirements"] = {
            draw(st.sampled_from([*COMPETENCE_IDS[:4], "samenwerkn", ""])): draw(hostile_json)
        }
    return rec


def _hostile_line_text(draw) -> bytes:
    import json

    kind = draw(
        st.sampled_from(["record", "record", "json", "text", "bytes", "deep", "bigint", "null"])
    )
    if kind == "record":
        text = json.dumps(draw(hostile_records()), ensure_ascii=draw(st.booleans()))
        return text.encode("utf-8", "surrogatepass")
    if kind == "json":
        return json.dumps(draw(hostile_json)).encode("utf-8")
    if kind == "text":
        return draw(st.text(max_size=40)).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=40))
    if kind == "deep":
        n = draw(st.integers(1, 3000))
        return b'{"id": "D", "title": "t", "extra": ' + b"[" * n + b"]" * n + b"}"
    if kind == "bigint":
        return b'{"id": "B", "title": "t", "capacity": ' + b"9" * 5000 + b"}"
    return b"null"


@st.composite
def hostile_jsonl(draw, max_lines=12):
    """(file bytes, n_physical_lines): JSON Lines mixing anything a hostile user can write.

    Lines never hold a line break themselves; the line ending is one of ``\\n``, ``\\r\\n``
    and a lone ``\\r``, chosen per file.
    """
    eol = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    lines = []
    for _ in range(draw(st.integers(0, max_lines))):
        line = _hostile_line_text(draw).replace(b"\r", b" ").replace(b"\n", b" ")
        lines.append(line)
    return b"".join(x + eol for x in lines), len(lines)


@st.composite
def hostile_csv(draw, max_rows=10):
    """(file bytes, n_physical_lines): a CSV with a sane header and rows of random cells,
    stray quotes, other delimiters and bytes in other encodings."""
    delim = draw(st.sampled_from([",", ";", "\t"]))
    header = ["id", "title", "req_samenwerken", "capacity", "requirements"]
    cell = st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10),
        st.sampled_from(['"', '""', 'a"b', '"x', "3", "goed", "é", "2,5", "{", '{"a": 1}']),
    )
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delim.join(header)]
    for _ in range(draw(st.integers(0, max_rows))):
        n = draw(st.integers(0, len(header) + 1))
        lines.append(delim.join(draw(cell) for _ in range(n)))
    text = eol.join(lines) + eol
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252-mixed"]))
    if encoding == "cp1252-mixed":
        data = b"".join(
            (ln.encode("cp1252", "replace") if i % 2 else ln.encode("utf-8"))
            for i, ln in enumerate(text.splitlines(keepends=True))
        )
    else:
        data = text.encode(encoding)
    return data, len(data.splitlines())


# --- issue 18: valid cases generated directly ------------------------------------------------
@st.composite
def pass_fail_requirements(draw):
    """(worker levels, passing requirements, failing requirements), every example usable.

    The passing vacancy requires some of the worker's rated competences at or below the
    worker's level; the failing one is the same vacancy with one requirement set one level
    above the worker's level (so that competence is rated 1..3).
    """
    n = draw(st.integers(1, 10))
    ids = draw(st.permutations(COMPETENCE_IDS))[:n]
    key = ids[draw(st.integers(0, n - 1))]
    comps = {c: draw(st.integers(1, 3) if c == key else levels) for c in ids}
    passing = {}
    for c in ids:
        if c == key or draw(st.booleans()):
            passing[c] = draw(st.integers(1, comps[c]))
    failing = dict(passing)
    failing[key] = comps[key] + 1
    return comps, passing, failing


# --------------------------------------------------------------------------- issue 17: reading
# Records at the edge of the quick path of ``from_record``: a plainly valid record (what a feed
# mostly holds), then a few fields swapped for odd spellings or hostile values, so that
# examples land on both sides of every check of the quick path.
_odd_levels = st.one_of(
    levels,
    level_labels,
    st.sampled_from(
        ["3", " 3", "Zeer Goed", "zeer  goed", "goed ", 3.0, 2.5, 0, 5, True, None, "²", "9" * 30]
    ),
    st.integers(-(10**20), 10**20),
)
_odd_names = st.sampled_from(
    [*COMPETENCE_IDS[:6], "Zelfredzaamheid", "zelfstandigheid", "samenwerkn", "", "Samenwerken"]
)
_odd_values = st.one_of(
    _hostile_scalars,
    st.sampled_from(["2026-12-01", "2026-02-30", "", " ", "C7", [], ["rug"], ["rug", 1], {}]),
)


_plain_texts = st.sampled_from(["Peeters bv", " 8780", "C1 ", "", "  ", None])
_plain_dates = st.sampled_from(
    ["2026-12-08", "2026-02-30", "2026-12-08T10:00", " 2026-12-08", "", "2026-1-08", None]
)


@st.composite
def _odd_level_maps(draw, max_size=5):
    return {draw(_odd_names): draw(_odd_levels) for _ in range(draw(st.integers(0, max_size)))}


@st.composite
def _ratings_lists(draw, max_size=6):
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        r = {
            "rater": draw(st.sampled_from(["assessor", "zelf", "begeleider", "Self", "coach"])),
            "competence": draw(_odd_names),
            "level": draw(_odd_levels),
        }
        if draw(st.integers(0, 9)) == 0:
            del r[draw(st.sampled_from(["rater", "competence", "level"]))]
        out.append(r)
    return out


@st.composite
def edge_worker_records(draw):
    """A worker record that is plainly valid, or nearly so (for the quick path's tests)."""
    rec = {
        "id": draw(st.sampled_from(["W1", " W2 ", "W3"])),
        "competences": draw(competence_maps()),
    }
    if draw(st.booleans()):
        rec.update(
            job_target=draw(_plain_texts),
            postcode=draw(_plain_texts),
            coach=draw(_plain_texts),
            max_commute_km=draw(st.sampled_from([15, 0, 12.5, -0.0, -3, 2**60, None])),
        )
    if draw(st.booleans()):
        rec.update(
            lde_end_date=draw(_plain_dates),
            regime=draw(_plain_texts),
            transport="fiets",
            priority=draw(st.sampled_from([0, 1, -2, None])),
            limits=draw(st.sampled_from([None, [], ["rug"], "rug", ("rug",)])),
        )
    if draw(st.integers(0, 3)) == 0:
        rec["ratings"] = draw(_ratings_lists())
        if draw(st.booleans()):
            del rec["competences"]
    for _ in range(draw(st.integers(0, 2))):
        field = draw(
            st.sampled_from(
                [
                    "id",
                    "competences",
                    "ratings",
                    "limits",
                    "max_commute_km",
                    "priority",
                    "lde_end_date",
                    "job_target",
                    "coach",
                    "regime",
                    "disagreements",
                    "extra",
                    "contract",
                ]
            )
        )
        if field == "competences":
            rec[field] = draw(st.one_of(_odd_level_maps(), _odd_values))
        elif field == "ratings":
            rec[field] = draw(st.one_of(_ratings_lists(), _odd_values))
        else:
            rec[field] = draw(_odd_values)
    return rec


@st.composite
def edge_vacancy_records(draw):
    """A vacancy record that is plainly valid, or nearly so (for the quick path's tests)."""
    rec = {
        "id": draw(st.sampled_from(["V1", " V2", "V3"])),
        "title": draw(st.sampled_from(["Magazijnier (m/v/x)", " kok ", "x"])),
        "requirements": draw(competence_maps(max_size=5)),
    }
    if draw(st.booleans()):
        rec.update(
            description=draw(st.sampled_from(["Voltijds.", "", " ", None])),
            kind=draw(st.sampled_from(["vacancy", "TBS", " bvs", "stage", None])),
            employer=draw(_plain_texts),
            postcode=draw(_plain_texts),
            capacity=draw(st.sampled_from([1, 0, 3, -1, None])),
            valid_until=draw(_plain_dates),
        )
    if draw(st.booleans()):
        rec.update(
            regime=draw(_plain_texts),
            url=draw(_plain_texts),
            contact=draw(_plain_texts),
            post=draw(_plain_texts),
            occupation_uri=draw(_plain_texts),
            bvs_days=draw(st.sampled_from([3, 1, 5, 0, 6, None])),
        )
    if draw(st.integers(0, 3)) == 0 and rec["requirements"]:
        rec["weights"] = {
            c: draw(st.sampled_from([0.5, 2, 0, -1, "1"])) for c in rec["requirements"]
        }
    for _ in range(draw(st.integers(0, 2))):
        field = draw(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "description",
                    "kind",
                    "requirements",
                    "weights",
                    "capacity",
                    "employer",
                    "valid_until",
                    "bvs_days",
                    "post",
                    "occupation_uri",
                    "contact",
                    "extra",
                    "tags",
                ]
            )
        )
        if field == "requirements":
            rec[field] = draw(st.one_of(_odd_level_maps(), _odd_values))
        else:
            rec[field] = draw(_odd_values)
    return rec


@st.composite
def json_texts(draw):
    """A line of text near JSON: hostile values dumped, then maybe cut or with one character
    inserted, or spellings only some parsers accept (NaN, 1e400, big integers, a lone
    surrogate escape, deep nesting)."""
    import json

    kind = draw(st.sampled_from(["dump", "dump", "edit", "special", "text"]))
    if kind == "text":
        return draw(st.text(max_size=30))
    if kind == "special":
        return draw(
            st.sampled_from(
                [
                    "NaN",
                    "-Infinity",
                    "[1e400]",
                    '{"a": 1e-400}',
                    "9" * 40,
                    "-" + "9" * 5000,
                    '"\\ud800"',
                    '{"a": "\\udc00x"}',
                    "[" * 300 + "]" * 300,
                    "[" * 2000,
                    '{"a":1,"a":2}',
                    "1.",
                    "01",
                    " {} ",
                    "\ufeff{}",
                    '"\\u0000"',
                    "[1,]",
                    "-0",
                ]
            )
        )
    text = json.dumps(
        draw(hostile_json),
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")])),
    )
    if kind == "edit" and text:
        i = draw(st.integers(0, len(text) - 1))
        text = (
            text[:i]
            + draw(st.sampled_from(["", "x", '"', "\\", "]", "\t", "\x00"]))
            + text[i + 1 :]
        )
    return text


# ---------------------------------------------------------------- job titles (text/_ngrams)
_TITLE_WORDS = st.sampled_from(
    [
        "magazijnier", "medewerkster", "kassa", "(m/v/x)", "Café", "coördinator", "a", "ab",
        "heftruck-chauffeur", "aaaaaa", "x", "2de", "verantwoordelijke", "☃", "日本", "l'été",
    ]
)  # fmt: skip


@st.composite
def title_texts(draw):
    """A job-title-like text: known words, random letters, odd whitespace and characters."""
    parts = draw(
        st.lists(st.one_of(_TITLE_WORDS, st.text(min_size=0, max_size=8)), min_size=0, max_size=5)
    )
    seps = draw(st.lists(st.sampled_from([" ", "  ", "\t", " / ", "-"]), min_size=len(parts)))
    return "".join(p + s for p, s in zip(parts, seps, strict=False))


@st.composite
def unit_rows(draw, max_rows=12, dim=st.integers(1, 16)):
    """Float32 rows of unit length (text vectors), some with exact zeros and repeats."""
    d = draw(dim)
    n = draw(st.integers(1, max_rows))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.7)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.where(norms > 0, x / np.where(norms > 0, norms, 1.0), 0.0)
    return x.astype(np.float32)
