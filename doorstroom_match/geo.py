"""Belgian postcodes to coordinates, and commute distances as the crow flies.

The table ``data/be_postcodes.csv`` holds one centroid per postcode (the mean of its places),
after bpost's list geocoded with OpenStreetMap (© OpenStreetMap contributors, ODbL). It is good
enough for a commute filter, not a travel-time model.
"""

from __future__ import annotations

import csv
from functools import lru_cache

import numpy as np

from .resources import open_resource

__all__ = [
    "postcode_coordinates",
    "unit_vectors",
    "unit_inner",
    "haversine_km",
    "cos_limit",
    "EARTH_RADIUS_KM",
]

EARTH_RADIUS_KM = 6371.0


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[float, float]]:
    with open_resource("postcodes") as fh:
        return {
            row["postcode"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(fh)
        }


def postcode_coordinates(postcodes) -> np.ndarray:
    """Latitude and longitude of each postcode.

    Parameters
    ----------
    postcodes : sequence of str or None

    Returns
    -------
    ndarray of shape (n, 2), dtype float64
        ``nan`` rows for missing or unknown postcodes.
    """
    table = _table()
    out = np.full((len(postcodes), 2), np.nan)
    for i, pc in enumerate(postcodes):
        if pc is None:
            continue
        hit = table.get(str(pc).strip())
        if hit is not None:
            out[i] = hit
    return out


def unit_vectors(coords: np.ndarray) -> np.ndarray:
    """Coordinates as 3-d unit vectors, so great-circle closeness is an inner product.

    Parameters
    ----------
    coords : ndarray of shape (n, 2)
        Latitude, longitude in degrees; ``nan`` rows stay ``nan``.

    Returns
    -------
    ndarray of shape (n, 3), dtype float64
    """
    lat = np.radians(coords[:, 0])
    lon = np.radians(coords[:, 1])
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def unit_inner(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Inner products of unit vectors, every pair summed the same way.

    ``(a0 * b0 + a1 * b1) + a2 * b2`` elementwise in float64, so a pair gets the same bits
    whatever the shapes it is computed in (a BLAS product may sum a short row in another
    order, or fused, for another block shape). The commute test of the ranking
    (:class:`doorstroom_match.Matcher`) uses it per pair in its numpy block and per distinct
    place in its compiled block: both give the same answer on the limit.

    Parameters
    ----------
    a : ndarray of shape (n, 3), float64
    b : ndarray of shape (m, 3), float64

    Returns
    -------
    ndarray of shape (n, m), float64
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = a[:, 0, None] * b[None, :, 0]
    out += a[:, 1, None] * b[None, :, 1]
    out += a[:, 2, None] * b[None, :, 2]
    return out


def haversine_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between coordinate rows of ``a`` and ``b``.

    Parameters
    ----------
    a : ndarray of shape (n, 2)
    b : ndarray of shape (m, 2)

    Returns
    -------
    ndarray of shape (n, m)
        ``nan`` where either coordinate is unknown.
    """
    ua, ub = unit_vectors(np.asarray(a, float)), unit_vectors(np.asarray(b, float))
    cos = np.clip(ua @ ub.T, -1.0, 1.0)
    return EARTH_RADIUS_KM * np.arccos(cos)


def cos_limit(km: np.ndarray) -> np.ndarray:
    """A commute limit in km as a threshold on unit-vector inner products.

    A place lies within ``km`` of a worker (great circle) exactly when
    ``dot(u_worker, u_place) >= cos(km / R)``. Infinite limits give ``-2`` (always within).

    Parameters
    ----------
    km : ndarray of shape (n,)

    Returns
    -------
    ndarray of shape (n,), float64
    """
    km = np.asarray(km, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(km), np.cos(np.minimum(km / EARTH_RADIUS_KM, np.pi)), -2.0)
