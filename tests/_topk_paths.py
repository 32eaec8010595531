"""The ranking's top-k under its module switches (``ranking._FUSED``, ``ranking._REACH``), for
the tests that compare its paths: each switch is restored whatever happens."""

from __future__ import annotations

from typing import Any

from doorstroom_match import ranking


def topk_with(matcher: Any, wks: Any, top: int, *, far: bool = False, exclude=None, subset=None,
              **switches: bool) -> Any:  # fmt: skip
    """``matcher._topk`` of ``wks`` with ``ranking._<NAME>`` set as ``switches`` says
    (``fused=False``: the numpy block; ``reach=False``: every pair, no ranking by place)."""
    old = {k: getattr(ranking, f"_{k.upper()}") for k in switches}
    try:
        for k, v in switches.items():
            setattr(ranking, f"_{k.upper()}", v)
        ctx = matcher._worker_context(wks, exclude)
        return matcher._topk(ctx, top, far=far, subset=subset)
    finally:
        for k, v in old.items():
            setattr(ranking, f"_{k.upper()}", v)
