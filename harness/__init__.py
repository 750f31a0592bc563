"""Starting the app, nginx and Debian's Chromium for the tests, the benchmark and ``make serve`` (no app code).

- :mod:`harness.server`: ``streamlit run`` on a free port, waiting on ``/_stcore/health``;
- :mod:`harness.proxy`: nginx with the configuration of :mod:`deploy.proxy`, in a folder of its own;
- :mod:`harness.chromium`: the path and flags of Debian's Chromium for Playwright.
"""
