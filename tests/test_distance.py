"""Tests of great-circle distances, nearest-point queries and walking estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geo.distance import (
    EARTH_RADIUS_M,
    PointIndex,
    haversine_m,
    nearest,
    walking_distance_m,
    walking_minutes,
)

CENTRAAL = (51.2172, 4.4212)
GROTE_MARKT = (51.2211, 4.3997)


def _random_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(51.17, 51.27, n), rng.uniform(4.36, 4.48, n)


def _brute_force(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every point's distance by the plain haversine formula, one at a time, sorted."""
    distances = []
    for plat, plon in zip(lats, lons, strict=True):
        p1, p2 = math.radians(lat), math.radians(plat)
        a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(plon - lon) / 2) ** 2
        distances.append(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))
    order = sorted(range(len(distances)), key=lambda i: (distances[i], i))
    return np.array(order, dtype=np.intp), np.array([distances[i] for i in order])


def test_centraal_to_grote_markt_is_about_1_57_km() -> None:
    (distance,) = haversine_m(*CENTRAAL, [GROTE_MARKT[0]], [GROTE_MARKT[1]])
    assert distance == pytest.approx(1570, abs=50)


def test_haversine_is_symmetric_and_zero_on_itself() -> None:
    there = haversine_m(*CENTRAAL, np.array([GROTE_MARKT[0]]), np.array([GROTE_MARKT[1]]))
    back = haversine_m(*GROTE_MARKT, np.array([CENTRAAL[0]]), np.array([CENTRAAL[1]]))
    assert there[0] == pytest.approx(back[0], rel=1e-12)
    assert haversine_m(*CENTRAAL, [CENTRAAL[0]], [CENTRAAL[1]])[0] == pytest.approx(0.0, abs=1e-6)


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m(51.0, 4.4, [52.0], [4.4])[0] == pytest.approx(math.radians(1) * EARTH_RADIUS_M, rel=1e-9)


def test_haversine_rejects_arrays_of_unequal_length() -> None:
    with pytest.raises(ValueError, match="differ"):
        haversine_m(51.2, 4.4, [51.2, 51.3], [4.4])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 5, 10, 37])
def test_nearest_and_index_match_a_brute_force_sort(seed: int, k: int) -> None:
    lats, lons = _random_points(500, seed)
    lat, lon = 51.2194 + 0.01 * seed, 4.4025 - 0.005 * seed
    expected_idx, expected_dist = _brute_force(lat, lon, lats, lons)

    idx, dist = nearest(lat, lon, lats, lons, k=k)
    np.testing.assert_array_equal(idx, expected_idx[:k])
    np.testing.assert_allclose(dist, expected_dist[:k], rtol=0, atol=1e-6)

    index_idx, index_dist = PointIndex(lats, lons).query(lat, lon, k=k)
    np.testing.assert_array_equal(index_idx, expected_idx[:k])
    np.testing.assert_allclose(index_dist, expected_dist[:k], rtol=0, atol=1e-6)


def test_results_are_sorted_and_typed() -> None:
    lats, lons = _random_points(2000)
    idx, dist = PointIndex(lats, lons).query(*CENTRAAL, k=50)
    assert idx.dtype == np.intp and dist.dtype == np.float64
    assert np.all(np.diff(dist) >= 0)


@pytest.mark.parametrize("k", [7, 8, 100, None])
def test_k_at_least_n_returns_every_point_sorted(k: int | None) -> None:
    lats, lons = _random_points(7)
    expected_idx, _ = _brute_force(*CENTRAAL, lats, lons)
    for idx, _dist in (nearest(*CENTRAAL, lats, lons, k=k), PointIndex(lats, lons).query(*CENTRAAL, k=k)):
        np.testing.assert_array_equal(idx, expected_idx)


@pytest.mark.parametrize("k", [0, -3])
def test_k_zero_or_negative_returns_nothing(k: int) -> None:
    lats, lons = _random_points(7)
    assert nearest(*CENTRAAL, lats, lons, k=k)[0].size == 0
    assert PointIndex(lats, lons).query(*CENTRAAL, k=k)[0].size == 0


def test_empty_arrays() -> None:
    empty = np.array([], dtype=float)
    for idx, dist in (
        nearest(*CENTRAAL, empty, empty),
        nearest(*CENTRAAL, [], [], max_m=500),
        PointIndex(empty, empty).query(*CENTRAAL),
        PointIndex([], []).query(*CENTRAAL, k=None, max_m=100),
    ):
        assert idx.shape == (0,) and dist.shape == (0,)
    assert len(PointIndex([], [])) == 0


@pytest.mark.parametrize("max_m", [0.0, 150.0, 800.0, 2500.0])
@pytest.mark.parametrize("k", [3, None])
def test_radius_filter(max_m: float, k: int | None) -> None:
    lats, lons = _random_points(3000, seed=5)
    expected_idx, expected_dist = _brute_force(*CENTRAAL, lats, lons)
    within = expected_idx[expected_dist <= max_m]
    if k is not None:
        within = within[:k]
    for idx, dist in (
        nearest(*CENTRAAL, lats, lons, k=k, max_m=max_m),
        PointIndex(lats, lons).query(*CENTRAAL, k=k, max_m=max_m),
    ):
        np.testing.assert_array_equal(idx, within)
        assert np.all(dist <= max_m)


def test_radius_keeps_a_point_exactly_at_the_centre() -> None:
    idx, dist = PointIndex([CENTRAAL[0], GROTE_MARKT[0]], [CENTRAAL[1], GROTE_MARKT[1]]).query(*CENTRAAL, max_m=0)
    assert idx.tolist() == [0]
    assert dist[0] == pytest.approx(0.0, abs=1e-6)


def test_points_with_nan_are_never_returned() -> None:
    lats = np.array([np.nan, GROTE_MARKT[0], 51.25])
    lons = np.array([4.40, GROTE_MARKT[1], np.nan])
    for idx, _dist in (nearest(*CENTRAAL, lats, lons, k=10), PointIndex(lats, lons).query(*CENTRAAL, k=10)):
        assert idx.tolist() == [1]


def test_index_does_not_keep_a_reference_to_the_caller_arrays() -> None:
    lats, lons = _random_points(100)
    index = PointIndex(lats, lons)
    before = index.query(*CENTRAAL, k=5)
    lats[:] = 0.0
    after = index.query(*CENTRAAL, k=5)
    np.testing.assert_array_equal(before[0], after[0])


def test_index_accepts_lists_and_other_dtypes() -> None:
    index = PointIndex([GROTE_MARKT[0], CENTRAAL[0]], np.array([GROTE_MARKT[1], CENTRAAL[1]], dtype=np.float32))
    assert index.lats.dtype == np.float64 and index.lats.flags.c_contiguous
    assert index.query(51.2194, 4.4025, k=1)[0].tolist() == [0]


def test_walking_distance_is_straight_line_times_detour_factor() -> None:
    assert walking_distance_m(1000.0) == pytest.approx(1300.0)
    np.testing.assert_allclose(walking_distance_m(np.array([0.0, 100.0])), [0.0, 130.0])


@pytest.mark.parametrize(
    ("metres", "minutes"),
    [(0.0, 1), (1.0, 1), (75.0, 1), (75.1, 2), (750.0, 10), (4500.0, 60), (4501.0, 61)],
)
def test_walking_minutes_at_4_5_kmh_rounded_up_at_least_one(metres: float, minutes: int) -> None:
    assert walking_minutes(metres) == minutes
    assert isinstance(walking_minutes(metres), int)


def test_walking_minutes_on_arrays() -> None:
    np.testing.assert_array_equal(walking_minutes(np.array([0.0, 75.1, 750.0])), [1, 2, 10])
