"""Starting the app and Debian's Chromium for the browser tests and the benchmark (no app code).

- :mod:`harness.server`: ``streamlit run`` on a free port, waiting on ``/_stcore/health``;
- :mod:`harness.chromium`: the path and flags of Debian's Chromium for Playwright.
"""
