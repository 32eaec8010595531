"""Small black-and-white pictograms for the worker's sheet: distance, kind of place, time regime.

Each is an inline SVG of 28 x 28 user units drawn with strokes in ``currentColor`` and white
fills only, so it prints the same on any black-and-white printer and needs no file. Every
pictogram carries a ``<title>`` in plain Dutch; next to it the sheet always writes the same
fact in words (a pictogram supports the text, it never replaces it).
"""

from __future__ import annotations

import html
import math

__all__ = ["distance_icon", "kind_icon", "regime_icon", "regime_words", "KIND_WORDS"]

#: Kind of place in easy Dutch (B1), as the worker reads it.
KIND_WORDS: dict[str, str] = {
    "vacancy": "Een job",
    "tbs": "Stage: je doet het echte werk",
    "bvs": "Kijkstage: je kijkt mee, 1 tot 5 dagen",
    "enclave": "Werken in een ploeg bij een bedrijf",
}

_REGIME_WORDS = {
    "voltijds": "Hele dagen",
    "4/5": "4 dagen per week",
    "halftijds": "Halve dagen",
    "deeltijds": "Niet elke dag",
}


def regime_words(regime: str | None) -> str:
    """The working-time regime in easy Dutch ("" when unknown)."""
    if not regime:
        return ""
    return _REGIME_WORDS.get(regime.strip().lower(), regime)


def _svg(body: str, title: str, cls: str) -> str:
    return (
        f'<svg class="icon {cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 28" '
        'width="28" height="28" role="img" fill="none" stroke="currentColor" '
        f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        f"<title>{html.escape(title, quote=False)}</title>{body}</svg>"
    )


def distance_icon(km: float | None) -> str:
    """A map pin on a road: how far from home."""
    return _distance_icon_titled("Afstand van thuis" if km is None else f"{km:.0f} km van thuis")


def _distance_icon_titled(title: str) -> str:
    """:func:`distance_icon` with its title given."""
    body = (
        '<path d="M14 3c-4 0-7 3-7 7 0 5 7 11 7 11s7-6 7-11c0-4-3-7-7-7z" fill="#fff"/>'
        '<circle cx="14" cy="10" r="2.5"/><path d="M3 25h22"/>'
    )
    return _svg(body, title, "icon-distance")


def kind_icon(kind: str) -> str:
    """A briefcase (job), a toolbox (TBS), an eye (BVS) or three people (enclave)."""
    bodies = {
        "vacancy": '<rect x="3" y="9" width="22" height="15" rx="2" fill="#fff"/>'
        '<path d="M10 9V6h8v3M3 15h22"/>',
        "tbs": '<rect x="3" y="11" width="22" height="13" rx="1" fill="#fff"/>'
        '<path d="M10 11V7h8v4M12 17h4"/><path d="M3 17h9M16 17h9"/>',
        "bvs": '<path d="M2 14s5-8 12-8 12 8 12 8-5 8-12 8S2 14 2 14z" fill="#fff"/>'
        '<circle cx="14" cy="14" r="3.5"/>',
        "enclave": '<circle cx="7" cy="9" r="3"/><circle cx="14" cy="7" r="3"/>'
        '<circle cx="21" cy="9" r="3"/><path d="M2 23c0-5 3-8 5-8s5 3 5 8M9 21c0-5 3-9 5-9s5 4 '
        '5 9M16 23c0-5 3-8 5-8s5 3 5 8"/>',
    }
    body = bodies.get(kind, bodies["vacancy"])
    return _svg(body, KIND_WORDS.get(kind, KIND_WORDS["vacancy"]), f"icon-kind icon-{kind}")


def regime_icon(regime: str | None) -> str:
    """A clock whose filled share is the working time (full, 4/5, half)."""
    share = {"voltijds": 1.0, "4/5": 0.8, "halftijds": 0.5, "deeltijds": 0.5}.get(
        (regime or "").strip().lower()
    )
    body = ['<circle cx="14" cy="14" r="11" fill="#fff"/>']
    if share is not None and share >= 1.0:
        body.append('<circle cx="14" cy="14" r="7" fill="currentColor" stroke="none"/>')
    elif share:
        a = 2 * math.pi * share
        x, y = 14 + 7 * math.sin(a), 14 - 7 * math.cos(a)
        large = 1 if share > 0.5 else 0
        body.append(
            f'<path d="M14 14V7A7 7 0 {large} 1 {x:.2f} {y:.2f}z" fill="currentColor" '
            'stroke="none"/>'
        )
    else:
        body.append('<path d="M14 8v6l4 3"/>')
    title = regime_words(regime) or "Werkuren: nog te vragen"
    return _svg("".join(body), title, "icon-regime")
