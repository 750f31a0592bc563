"""Test and benchmark helpers that are not part of serving the app (no app code).

- :mod:`harness.chromium`: the path and flags of Debian's Chromium for Playwright;
- :mod:`harness.apptest`: Streamlit's ``AppTest`` on the app's page registry.

The app and nginx processes are started by :mod:`deploy.processes` and :mod:`deploy.nginx`,
the same code ``make serve`` uses.
"""
