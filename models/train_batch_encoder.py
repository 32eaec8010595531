"""Fit the weekly batch's text encoder once (``doorstroom_match/data/models/batch-tfidf.npz``).

    python -m models.train_batch_encoder --out doorstroom_match/data/models/batch-tfidf.npz

The batch's default ``"tfidf"`` encoder (character n-gram TF-IDF with a 128-dimensional LSA
projection) is fitted on the titles of the Dutch ESCO catalogue shipped in the package, never
on a week's feed, so it is the same for every week and every folder: a model. Fitting it took
about 4 s of every cold week; the batch now loads this file instead (well under a second),
as long as it was fitted on the very catalogue in use (its SHA-256 is in the file, and a
different catalogue is fitted on the spot, as before). The file holds data only: the
encoder's arrays and its JSON description (:meth:`TfidfEncoder.to_state`), no pickle.
Takes a few seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "doorstroom_match" / "data" / "models" / "batch-tfidf.npz"
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)

    from doorstroom_match.batch import (
        _TFIDF_COMPONENTS,
        _catalogue_path,
        _catalogue_titles,
        _encoder_to_blob,
    )
    from doorstroom_match.text import make_encoder

    cat = _catalogue_path()
    source = hashlib.sha256(cat.read_bytes()).hexdigest()[:16]
    enc = make_encoder("tfidf", n_components=_TFIDF_COMPONENTS).fit(_catalogue_titles(cat))
    args.out.write_bytes(_encoder_to_blob(enc, source=source))
    print(f"{args.out}: {enc.fingerprint}, catalogue {source}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
