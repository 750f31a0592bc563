"""Benchmarks of the Solidariteitskaart: ``python -m bench`` (or ``make bench``) prints one report.

- :mod:`bench.__main__` measures map build + render, the Streamlit rerun after a filter change
  (AppTest), the time until markers show in a real browser, nearest-initiative queries and
  memory, for our map and for the naive one-``folium.Marker``-per-initiative baseline;
- :mod:`bench.bench_nearest` times the nearest-initiative queries on their own.

Only synthetic initiatives (:mod:`solidarity.synthetic`) are used, in temporary folders; the
real ``data/`` folder is only read (centres and projects).
"""
