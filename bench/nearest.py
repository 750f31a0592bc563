"""Part 4: nearest-initiative queries with ``geo.distance.PointIndex`` on synthetic data
(also on its own: ``python -m bench.nearest``)."""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench.fixtures import SEED, Context, Part
from bench.report import Target, log, section, table
from geo.distance import PointIndex, nearest
from solidarity.synthetic import BOX, generate

SIZES = (1_000, 10_000, 100_000)
TARGET_NEAREST_MS = 20.0
TARGET_NEAREST_N = 100_000


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


def part_nearest(ctx: Context) -> list[Target]:
    queries, k, radius = 50, 10, 1000.0
    rows, found = [], {}
    for n in SIZES:
        log(f"nearest: {n:,} initiatives")
        r = bench(n, queries, k, radius, SEED)
        found[n] = r
        rows.append([f"{n:,}", f"{r['build']:.3f}", f"{r['k']:.3f}", f"{r['radius']:.3f}", f"{r['function']:.3f}"])
    ctx.results["nearest"] = found
    section(f"4. Nearest-initiative queries (bench/nearest.py), k={k}, median of {queries} queries, ms")
    print(table(["initiatives", "index build", "query k", f"query k, {radius:.0f} m", "nearest() no index"], rows))
    r = found[TARGET_NEAREST_N]
    value = max(r["k"], r["radius"], r["function"])
    return [Target(f"nearest query (slowest variant), {TARGET_NEAREST_N:,}", f"{value:.2f} ms",
                   f"< {TARGET_NEAREST_MS:.0f} ms", value < TARGET_NEAREST_MS)]


PART = Part("nearest", part_nearest)


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
