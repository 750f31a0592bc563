"""The proxy's configuration (deploy/proxy.py): CSP sources, the rendered nginx.conf, nginx -t.

No app process runs here; tests/browser/test_proxy.py runs nginx in front of two of them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from deploy import proxy
from deploy.proxy import ProxyConfig, Upstream, content_security_policy, render, source_list, tile_source
from solidarity.settings import load_settings
from ui.nav import url_paths as page_paths


def require_nginx() -> Path | None:
    """nginx, or skip (fail when REQUIRE_PROXY=1)."""
    nginx = proxy.find_nginx()
    if nginx is None:
        if os.environ.get("REQUIRE_PROXY") == "1":
            pytest.fail("nginx is missing and REQUIRE_PROXY=1 (apt-get install -y nginx)", pytrace=False)
        pytest.skip("nginx is not installed")
    return nginx


@pytest.mark.parametrize(
    ("tiles", "expected"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://localhost:8090/tiles/{z}/{x}/{y}.png", "http://localhost:8090"),
        ("HTTPS://Tiles.Example.ORG/{z}/{x}/{y}@2x.png", "https://tiles.example.org"),
        ("", None),
        ("none", None),
        ("javascript:alert(1)//{z}", None),
        ("https://a.{s}.example.org/{z}.png", None),  # a placeholder CSP cannot say
        ("https://bad'host/{z}.png", None),
    ],
)
def test_tile_source(tiles: str, expected: str | None) -> None:
    assert tile_source(tiles) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", []),
        ("https://www.saamo.be", ["https://www.saamo.be"]),
        ("https://www.saamo.be, https://*.antwerpen.be", ["https://www.saamo.be", "https://*.antwerpen.be"]),
        ("intranet.example.org 'self'", ["intranet.example.org", "'self'"]),
    ],
)
def test_frame_ancestors_accepts_origins(value: str, expected: list[str]) -> None:
    assert source_list(value) == expected


@pytest.mark.parametrize(
    "value", ["https://x.org; script-src *", "'unsafe-inline'", "https://x.org/path", "data:", "https://x.org?a=1", "*"]
)
def test_frame_ancestors_refuses_what_is_not_an_origin(value: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        source_list(value)


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_app_policy_is_strict() -> None:
    script = "\n      window.prerenderReady = false\n    "
    index = f'<html><script>{script}</script><script src="./x.js"></script></html>'
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = directives(content_security_policy("app", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "", index))
    assert policy["default-src"] == ["'self'"]
    # The one inline script by its hash (sha256 of its exact text), no 'unsafe-inline' or eval.
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'", "'wasm-unsafe-eval'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "https://tile.openstreetmap.org" not in " ".join(sum(policy.values(), []))  # tiles load in the map frame
    assert "connect-src" not in policy  # default-src 'self': the websocket to the app only


def test_frame_policies_allow_tiles_and_what_each_frame_runs() -> None:
    tiles = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    policy = directives(content_security_policy("map", tiles))
    assert policy["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]  # no eval in the map's frame
    assert policy["frame-ancestors"] == ["'self'"]
    helper = directives(content_security_policy("component", tiles))
    assert helper["script-src"] == ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
    no_tiles = directives(content_security_policy("map", ""))
    assert no_tiles["img-src"] == ["'self'", "data:"]
    with pytest.raises(ValueError, match="unknown policy"):
        content_security_policy("other")


def test_frame_ancestors_setting_reaches_the_app_policy() -> None:
    policy = directives(content_security_policy("app", "", "https://www.saamo.be", "<html></html>"))
    assert policy["frame-ancestors"] == ["'self'", "https://www.saamo.be"]


def test_streamlit_index_has_the_hashed_inline_script() -> None:
    """The hash is taken from the installed Streamlit: an upgrade that changes the script changes it."""
    hashes = proxy.inline_script_hashes(proxy.streamlit_index_html())
    assert hashes and all(h.startswith("'sha256-") for h in hashes)


def config(tmp_path: Path, **kwargs: object) -> ProxyConfig:
    values: dict[str, object] = {
        "upstreams": (Upstream("127.0.0.1", 18501), Upstream("127.0.0.1", 18502)),
        "listen_port": 18080,
        "prefix": tmp_path,
        "tiles_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    }
    values.update(kwargs)
    return ProxyConfig(**values)  # type: ignore[arg-type]


def test_render_names_every_upstream_and_the_sticky_hash(tmp_path: Path) -> None:
    text = render(config(tmp_path))
    assert "hash $sticky_key consistent;" in text
    assert "server 127.0.0.1:18501 max_fails=2" in text and "server 127.0.0.1:18502 max_fails=2" in text
    # below uvicorn's 5 s idle timeout: a reused connection is never one the app has closed
    assert "keepalive_timeout 4s;" in text
    assert '"app-1"' in text and '"app-2"' in text
    assert "listen 127.0.0.1:18080;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "{{" not in text and "{%" not in text
    assert "ssl_certificate" not in text and "Strict-Transport-Security" not in text


def test_render_with_tls_redirects_plain_http(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    text = render(config(tmp_path, tls_certificate=str(cert), tls_certificate_key=str(key), listen_port=18443,
                         http_port=18081, acme_webroot=str(tmp_path)))
    assert "listen 127.0.0.1:18443 ssl http2;" in text
    assert f"ssl_certificate {cert.resolve()};" in text
    assert "return 301 https://$host:18443$request_uri;" in text
    standard = render(config(tmp_path, tls_certificate=str(cert), tls_certificate_key=str(key), listen_port=443,
                             http_port=80))
    assert "return 301 https://$host$request_uri;" in standard
    assert "Strict-Transport-Security" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"upstreams": ()}, "at least one app process"),
        ({"tls_certificate": "/nowhere/cert.pem"}, "needs both"),
        ({"tls_certificate": "/nowhere/cert.pem", "tls_certificate_key": "/nowhere/key.pem"}, "TLS file not found"),
        ({"http_port": 18081}, "redirects to HTTPS"),
        ({"listen_address": "0.0.0.0; include /etc/passwd"}, "SERVE_ADDRESS"),
        ({"frame_ancestors": "https://x.org; script-src *"}, "not an origin"),
        ({"prefix": Path("/tmp/with space")}, "nginx cannot use this path"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(tmp_path: Path, changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render(config(tmp_path, **changes))


def test_settings_fill_the_configuration(tmp_path: Path) -> None:
    settings = load_settings(environ={"SERVE_PORT": "9090", "SERVE_ADDRESS": "0.0.0.0", "TILES_URL": "none",
                                      "FRAME_ANCESTORS": "https://www.saamo.be"})
    made = ProxyConfig.from_settings(settings, [18501], tmp_path)
    assert (made.listen_port, made.listen_address, made.tiles_url) == (9090, "0.0.0.0", "")
    assert "frame-ancestors 'self' https://www.saamo.be" in render(made)


def test_theme_without_streamlit_font_drops_its_preload(tmp_path: Path) -> None:
    theme = tmp_path / "config.toml"
    theme.write_text('[theme]\nfont = "system-ui, sans-serif"\n')
    assert not proxy.theme_uses_streamlit_font(theme)
    theme.write_text('[theme]\nfont = "sans serif"\n')
    assert proxy.theme_uses_streamlit_font(theme)
    assert 'rel="x-unused-preload"' in render(config(tmp_path, drop_font_preload=True))
    assert "sub_filter" not in render(config(tmp_path, drop_font_preload=False))
    # The app's own theme uses the system's fonts.
    assert not proxy.theme_uses_streamlit_font()


def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    nginx = require_nginx()
    made = config(tmp_path, modules=tuple(proxy.nginx_modules(nginx)), worker_user="root" if os.geteuid() == 0 else None)
    conf = proxy.write(made)
    result = subprocess.run([str(nginx), "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "logs" / "error.log")],
                            capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr


def test_every_page_of_the_navigation_is_visited() -> None:
    """The proxy tests visit the pages of ui.nav (the app's one list of pages)."""
    paths = page_paths()
    assert paths[0] == "/"
    assert {"/in-de-buurt", "/over"} <= set(paths)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (Debian's openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_tls_serves_https_redirects_http_and_answers_acme(tmp_path: Path) -> None:
    """nginx for real with a certificate: HTTPS with HSTS, plain HTTP redirected, certbot's
    challenge answered. No app process runs: the proxy says 502 and still sends its headers."""
    require_nginx()
    from deploy.nginx import proxy_config, start_proxy, stop_proxy  # deferred: nginx tests only
    from deploy.processes import free_port  # deferred: as above

    cert, key = self_signed(tmp_path)
    acme = tmp_path / "acme" / ".well-known" / "acme-challenge"
    acme.mkdir(parents=True)
    (acme / "token123").write_text("token123.key")
    settings = load_settings(environ={"TLS_CERTIFICATE": str(cert), "TLS_CERTIFICATE_KEY": str(key),
                                      "SERVE_HTTP_PORT": str(free_port()), "ACME_WEBROOT": str(tmp_path / "acme")})
    proxy = start_proxy(proxy_config(tmp_path / "nginx", [free_port()], settings=settings))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(proxy.url + "/", context=context, timeout=10)
        assert answer.value.code == 502  # nothing behind it
        assert answer.value.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "default-src 'self'" in answer.value.headers["Content-Security-Policy"]
        plain = f"http://127.0.0.1:{settings.SERVE_HTTP_PORT}"
        with urllib.request.urlopen(plain + "/.well-known/acme-challenge/token123", timeout=10) as response:
            assert response.read() == b"token123.key"
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(plain + "/in-de-buurt?q=2060", timeout=10)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == f"https://127.0.0.1:{proxy.port}/in-de-buurt?q=2060"
    finally:
        stop_proxy(proxy)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
