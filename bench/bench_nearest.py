"""Benchmark of nearest-initiative queries with ``geo.distance.PointIndex`` on synthetic data."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.distance import PointIndex, nearest  # noqa: E402
from solidarity.synthetic import BOX, generate  # noqa: E402

SIZES = (1_000, 10_000, 100_000)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def bench(n: int, queries: int, k: int, radius_m: float, seed: int) -> dict[str, float]:
    """Time one size: index build, k-nearest and radius queries, and the index-free function.

    Parameters
    ----------
    n
        Number of synthetic initiatives.
    queries
        Number of query points (medians are over these).
    k
        Neighbours per query.
    radius_m
        Radius of the radius-limited query, in metres.
    seed
        Seed of the data and the query points.

    Returns
    -------
    dict
        Median milliseconds per operation, keyed by column name.
    """
    rows = generate(n, seed=seed)
    lats = np.array([float(row["lat"]) for row in rows])
    lons = np.array([float(row["lon"]) for row in rows])
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        index = PointIndex(lats, lons)
        builds.append(time.perf_counter() - start)
    rng = np.random.default_rng(seed + 1)
    south, west, north, east = BOX
    points = list(zip(rng.uniform(south, north, queries), rng.uniform(west, east, queries), strict=True))
    index.query(*points[0], k=k)  # warm-up
    timings: dict[str, list[float]] = {"k": [], "radius": [], "function": []}
    for lat, lon in points:
        start = time.perf_counter()
        index.query(lat, lon, k=k)
        timings["k"].append(time.perf_counter() - start)
        start = time.perf_counter()
        index.query(lat, lon, k=k, max_m=radius_m)
        timings["radius"].append(time.perf_counter() - start)
        start = time.perf_counter()
        nearest(lat, lon, lats, lons, k=k)
        timings["function"].append(time.perf_counter() - start)
    return {
        "build": _median_ms(builds),
        "k": _median_ms(timings["k"]),
        "radius": _median_ms(timings["radius"]),
        "function": _median_ms(timings["function"]),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the table for 1k, 10k and 100k initiatives."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=50, help="query points per size (default 50)")
    parser.add_argument("-k", type=int, default=10, help="neighbours per query (default 10)")
    parser.add_argument("--radius", type=float, default=1000.0, help="radius in metres (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print(f"Nearest-initiative queries, k={args.k}, median of {args.queries} queries (ms)")
    header = (
        f"{'initiatives':>11} | {'index build':>11} | {'query k':>8} | {'query k, ' + str(int(args.radius)) + ' m':>14}"
        f" | {'nearest() no index':>18}"
    )
    print(header)
    print("-" * len(header))
    for n in SIZES:
        result = bench(n, args.queries, args.k, args.radius, args.seed)
        print(
            f"{n:>11,} | {result['build']:>11.3f} | {result['k']:>8.3f} | {result['radius']:>14.3f}"
            f" | {result['function']:>18.3f}"
        )
    print("index build: median of 5 builds; nearest(): haversine over all points, no precomputation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
