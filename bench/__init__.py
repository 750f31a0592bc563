"""Benchmarks of the Solidariteitskaart: ``python -m bench`` (or ``make bench``) prints one report.

One module per part (see :mod:`bench.__main__`); :mod:`bench.fixtures` makes the synthetic seed
folders and databases, :mod:`bench.report` formats; servers start through :mod:`deploy.processes` and
:mod:`deploy.nginx`, Chromium through :mod:`harness.chromium`, as in the browser tests. Only synthetic initiatives
(:mod:`solidarity.synthetic`) are used, in temporary folders; the real ``data/`` folder is only
read (centres and projects).
"""
