"""Bad values raise a DoorstroomError with a clear message, and NaN/inf never silently drops a
vacancy (issue 13: "every error is a DoorstroomError", "NaN/inf vectors and weights")."""

from __future__ import annotations

import numpy as np
import pytest

from doorstroom_match import (
    DoorstroomError,
    LevelError,
    Matcher,
    Vacancy,
    ValidationError,
    WorkerProfile,
    distance_matrix,
    topk_by_distance,
)
from doorstroom_match._validation import check_date, check_finite_vectors, check_int
from doorstroom_match.index import VectorIndex
from doorstroom_match.text.cache import EmbeddingCache, encode_cached, text_sha256
from doorstroom_match.text.encoders import TfidfEncoder


# ----------------------------------------------------------------------------- DoorstroomError
@pytest.mark.parametrize("level", ["²", "٣", "9" * 5000, "3x", float("inf"), 10**400])
def test_odd_levels_are_level_errors(level):
    with pytest.raises(LevelError, match="must be one of 1..4"):
        WorkerProfile("W1", {"samenwerken": level})


@pytest.mark.parametrize("value", ["9" * 5000, "²", "١٢", "1e3", float("nan"), float("inf")])
def test_odd_integers_are_validation_errors(value):
    with pytest.raises(ValidationError, match="capacity must be an integer"):
        check_int(value, "capacity")
    with pytest.raises(ValidationError):
        Vacancy("V1", "kok", capacity=value)


@pytest.mark.parametrize("text", ["2026-12-01 en later", "2026-12-01x", "01/12/2026", "2026-13-01"])
def test_dates_with_trailing_text_are_validation_errors(text):
    with pytest.raises(ValidationError, match="valid_until of vacancy 'V1' must be an ISO date"):
        Vacancy("V1", "kok", valid_until=text)


def test_iso_dates_with_a_time_are_read():
    import datetime as dt

    assert check_date("2026-12-01T08:30:00", "d") == dt.date(2026, 12, 1)
    assert check_date(" 2026-12-01 ", "d") == dt.date(2026, 12, 1)


def test_ragged_and_mismatched_arrays_are_validation_errors():
    with pytest.raises(ValidationError, match="rows differ in length"):
        distance_matrix([[1, 2], [3]], [[1, 2]])
    with pytest.raises(ValidationError, match="weights must be an array of numbers"):
        distance_matrix([[1, 2]], [[1, 2]], [[1.0], [1.0, 2.0]])
    with pytest.raises(ValidationError, match="rows differ in length"):
        VectorIndex(backend="numpy").fit([[1.0, 2.0], [1.0]])
    with pytest.raises(ValidationError, match="must have 2 columns"):
        VectorIndex(backend="numpy").fit([[1.0, 2.0]]).search([[1.0, 2.0, 3.0]])


def test_vectors_of_another_width_than_the_encoder_are_refused():
    vacs = [Vacancy("V1", "kok"), Vacancy("V2", "magazijnier")]
    m = Matcher(text="tfidf").fit(vacs, vacancy_vectors=np.ones((2, 2), np.float32))
    with pytest.raises(ValidationError, match="width 2, but the encoder gives"):
        m.rank([WorkerProfile("W1", {}, job_target="kok")])


def test_all_punctuation_titles_are_a_validation_error_for_tfidf():
    with pytest.raises(ValidationError, match="letters or digits"):
        TfidfEncoder().fit(["!!!", "???", "..."])
    with pytest.raises(DoorstroomError):
        Matcher(text="tfidf").fit([Vacancy("V1", "!!!")])
    # with the text signal off such a vacancy is simply matched
    assert Matcher(text=None).fit([Vacancy("V1", "!!!")]).rank([WorkerProfile("W1", {})])


# ----------------------------------------------------------------------------- NaN / inf
def test_weights_that_overflow_float32_are_refused():
    with pytest.raises(
        ValidationError, match="weight for 'samenwerken' of vacancy 'V1' must be <="
    ):
        Vacancy("V1", "kok", requirements={"samenwerken": 3}, weights={"samenwerken": 1e39})
    with pytest.raises(ValidationError, match="must be finite"):
        topk_by_distance([[1]], [[3]], weights=[[1e39]], k=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e39])
def test_non_finite_vectors_given_to_fit_are_refused(bad):
    vecs = np.array([[1.0, 0.0], [bad, 0.0]])
    with pytest.raises(ValidationError, match="must be finite"):
        VectorIndex(backend="numpy").fit(vecs)
    with pytest.raises(ValidationError, match="1 row\\(s\\) hold NaN or inf.*row 1"):
        check_finite_vectors(vecs, "vacancy_vectors")
    with pytest.raises(ValidationError, match="vacancy_vectors must be finite"):
        Matcher(text="tfidf").fit([Vacancy("V1", "kok"), Vacancy("V2", "afwas")],
                                  vacancy_vectors=vecs)  # fmt: skip


class _NanEncoder:
    name = "nan"
    fingerprint = "nan:1"

    def fit(self, texts):
        return self

    def encode(self, texts):
        out = np.ones((len(texts), 2), np.float32)
        out[-1] = np.nan
        return out


def test_an_encoder_returning_nan_is_an_error_not_a_dropped_vacancy(tmp_path):
    with pytest.raises(ValidationError, match="returned NaN or inf"):
        encode_cached(_NanEncoder(), ["kok", "afwas"], None)
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        with pytest.raises(ValidationError, match="returned NaN or inf"):
            encode_cached(_NanEncoder(), ["kok", "afwas"], cache)
        assert cache.count("nan:1") == 0  # nothing half-written
        with pytest.raises(ValidationError, match="must be finite"):
            cache.put("x", ["k"], np.array([[np.inf, 1.0]]))


def test_a_cached_row_that_is_not_finite_is_encoded_again(tmp_path):
    enc = TfidfEncoder().fit(["kok", "hulpkok", "afwasser"])
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        good, n = encode_cached(enc, ["kok", "afwasser"], cache)
        assert n == 2
        # damage one row on disk, as an older version or a bad disk could have
        bad = np.full(good.shape[1], np.nan, np.float32).tobytes()
        cache._conn.execute(
            "UPDATE embeddings SET vector=? WHERE text_sha256=?", (bad, text_sha256("kok"))
        )
        cache._conn.commit()
        again, n = encode_cached(enc, ["kok", "afwasser"], cache)
        assert n == 1  # only the damaged row was encoded again
        np.testing.assert_array_equal(again, good)
        assert np.isfinite(again).all()
