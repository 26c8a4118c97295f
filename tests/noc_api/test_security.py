"""Attacks that once worked, tried against a real `ccis serve`: each must now fail.

Sessions end when they should (logout, disable, new password); logins are throttled, locked after repeated wrong
passwords, alike for unknown users and bounded in memory; NOC actions need a NOC role; pages carry security
headers and refuse cross-site posts by cookie; state-changing links work once; access logs keep no secrets.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import text

from noc_api.accounts.service import add_user
from noc_api.alerting.cycle import ACK_PURPOSE
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.inventory import load_inventory
from noc_api.inventory.sync import sync_inventory
from noc_api.security import sign
from noc_api.settings import load_settings
from tests.support import ccis_serve

CCIS = [sys.executable, "-m", "ccis.cli"]
PASSWORD = "right horse battery"


def _prepare(db_url: str, inventory: Path) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with make_session_factory(engine).begin() as s:
        sync_inventory(s, load_inventory(inventory))
        add_user(s, username="eng.one", password=PASSWORD, role="engineer")
        add_user(s, username="clerk.orangi", password=PASSWORD, role="counter_operator", town="orangi")
        add_user(s, username="admin", password=PASSWORD, role="administrator")
    engine.dispose()


@pytest.fixture
def server(db_url: str, inventory_path: Path, tmp_path: Path):
    _prepare(db_url, inventory_path)
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_STATE_DIR": str(tmp_path / "var"),
        "CCIS_RUN_SCHEDULER": "false",
        "CCIS_LOGIN_PER_ADDRESS": "30/5 minutes",
    }
    log = tmp_path / "serve.log"
    with ccis_serve(env, log) as url:
        yield url, env, log, tmp_path


def _login(url: str, user: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/auth/login", json={"username": user, "password": password}, timeout=60)


def _bearer(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CCIS, *args], env={**os.environ, **env}, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_sessions_end_on_logout_disable_and_new_password(server) -> None:
    url, env, _, tmp = server
    assert (tmp / "var" / "secret_key").stat().st_mode & 0o777 == 0o600  # made on first run, private
    me = f"{url}/api/v1/auth/me"
    first, second = _bearer(_login(url, "eng.one")), _bearer(_login(url, "eng.one"))
    assert httpx.get(me, headers=first).json()["username"] == "eng.one"
    assert httpx.post(f"{url}/api/v1/auth/logout", headers=first).status_code == 204
    assert httpx.get(me, headers=first).status_code == 401  # this session ended
    assert httpx.get(me, headers=second).status_code == 200  # the other one did not

    done = _cli(env, "users", "passwd", "eng.one", "--password-stdin", stdin="a brand new password\n")
    assert done.returncode == 0 and "1 open session(s) ended" in done.stdout, done.stderr
    assert httpx.get(me, headers=second).status_code == 401
    assert _login(url, "eng.one").status_code == 401
    third = _bearer(_login(url, "eng.one", "a brand new password"))

    admin = _bearer(_login(url, "admin"))
    r = httpx.post(f"{url}/api/v1/users/eng.one/disable", headers=admin)
    assert r.status_code == 200 and r.json()["sessions_ended"] == 1
    assert httpx.get(me, headers=third).status_code == 401
    assert _login(url, "eng.one", "a brand new password").status_code == 401  # disabled: no more logins
    assert _cli(env, "users", "enable", "eng.one").returncode == 0
    assert _login(url, "eng.one", "a brand new password").status_code == 200
    clerk = _bearer(_login(url, "clerk.orangi"))
    assert httpx.post(f"{url}/api/v1/users/eng.one/disable", headers=clerk).status_code == 403
    assert _cli(env, "users", "disable", "clerk.orangi").returncode == 0
    assert httpx.get(me, headers=clerk).status_code == 401


def test_login_is_throttled_locked_and_alike_for_unknown_users(server) -> None:
    url, env, _, _ = server
    answers = [_login(url, "eng.one", "wrong guess").status_code for _ in range(6)]
    assert answers[:4] == [401] * 4 and answers[-1] == 429, answers
    locked = _login(url, "eng.one")  # the right password, while locked
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 60, locked.text
    unknown = [_login(url, "nobody.at.all", "wrong guess").status_code for _ in range(6)]
    assert unknown == answers, "an unknown user must be answered like a real one"
    assert _cli(env, "users", "enable", "eng.one").returncode == 0  # the administrator lifts the lock
    # The per-address limit: a flood from one address is refused before any password is checked.
    flood = [_login(url, f"guess{i}", "x").status_code for i in range(40)]
    assert 429 in flood and 500 not in flood


def test_parallel_password_guesses_are_bounded_in_memory(server) -> None:
    url, _, _, _ = server
    pid = next(
        p.pid for p in psutil.process_iter(["cmdline"]) if "serve" in (p.info["cmdline"] or []) and _listens(p, url)
    )
    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(lambda i: _login(url, f"user{i % 7}", "wrong").status_code, range(40)))
    assert set(codes) <= {401, 429, 503} and 500 not in codes, codes
    rss = psutil.Process(pid).memory_info().rss
    assert rss < 700 * 2**20, f"server RSS {rss / 2**20:.0f} MiB after 40 parallel guesses"  # was 2.7 GB
    assert httpx.get(f"{url}/healthz", timeout=60).status_code == 200


def _listens(proc: psutil.Process, url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    try:
        return any(c.laddr and c.laddr.port == port for c in proc.net_connections("tcp"))
    except psutil.Error:
        return False


def test_only_noc_roles_acknowledge_and_silence(server) -> None:
    url, _, _, _ = server
    clerk, eng = _bearer(_login(url, "clerk.orangi")), _bearer(_login(url, "eng.one"))
    silence = {
        "matchers": [{"name": "site", "value": ".*", "op": "=~"}],
        "reason": "muting the whole city",
        "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    assert httpx.post(f"{url}/api/v1/silences", json=silence, headers=clerk).status_code == 403
    made = httpx.post(f"{url}/api/v1/silences", json=silence, headers=eng)
    assert made.status_code == 201, made.text
    assert httpx.delete(f"{url}/api/v1/silences/{made.json()['id']}", headers=clerk).status_code == 403
    assert httpx.post(f"{url}/api/v1/alerts/1/ack", headers=clerk).status_code == 403
    assert httpx.get(f"{url}/api/v1/alerts/rules").status_code == 401  # rule files are staff-only
    wall = httpx.get(f"{url}/noc", headers=clerk)
    assert wall.status_code == 200 and 'data-can-act="false"' in wall.text and "ack-form" not in wall.text


def test_pages_have_security_headers_and_refuse_cross_site_posts(server) -> None:
    url, _, _, _ = server
    page = httpx.get(f"{url}/track/KHI-2026-0000001")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'nonce-" in csp
    assert _inline_scripts_carry_the_nonce(page)
    wall = httpx.get(f"{url}/noc", headers=_bearer(_login(url, "eng.one")))
    assert _inline_scripts_carry_the_nonce(wall)  # the wall's own script may run, no other inline one
    assert _nonce(wall) != _nonce(page)  # a fresh nonce for every answer
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    with httpx.Client(base_url=url) as browser:
        assert _login_into(browser).status_code == 200  # the session is now a cookie
        evil = browser.post("/api/v1/auth/logout", headers={"Origin": "https://evil.example"})
        assert evil.status_code == 403 and "cross-site" in evil.json()["detail"]
        assert browser.post("/api/v1/auth/logout").status_code == 403  # no Origin, no Referer: refused too
        assert browser.post("/api/v1/auth/logout", headers={"Origin": url}).status_code == 204


def _nonce(page: httpx.Response) -> str:
    return page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]


def _inline_scripts_carry_the_nonce(page: httpx.Response) -> bool:
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
    return all(tag == f'<script nonce="{_nonce(page)}">' for tag in inline)


def _login_into(client: httpx.Client) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": "eng.one", "password": PASSWORD})


def test_an_acknowledgement_link_works_once_and_never_reaches_the_log(server, db_url: str) -> None:
    url, env, log, tmp = server
    settings = load_settings(state_dir=tmp / "var", database_url=db_url)
    token = sign(settings, ACK_PURPOSE, {"ids": []})
    first = httpx.post(f"{url}/api/v1/alerts/ack", data={"token": token})
    assert first.status_code == 200, first.text
    again = httpx.post(f"{url}/api/v1/alerts/ack", data={"token": token})
    assert again.status_code == 409 and "already used" in again.json()["detail"]
    httpx.get(f"{url}/api/v1/alerts/ack", params={"token": token})
    httpx.get(f"{url}/api/v1/public/complaints/KHI-2026-0000001", params={"phone": "03004444321"})
    httpx.get(f"{url}/api/v1/public/complaints/KHI-2026-0000001", params={"code": "7KQ2-M9XD"})
    text = log.read_text()
    assert "/api/v1/alerts/ack?token=***" in text, text[-2000:]  # the access line is there, without the value
    assert token not in text and "4444321" not in text and "M9XD" not in text


def test_nul_characters_and_huge_bodies_get_a_clear_4xx(server) -> None:
    url, env, _, _ = server
    eng = _bearer(_login(url, "eng.one"))
    r = httpx.get(f"{url}/api/v1/complaints", params={"q": "\x00"}, headers=eng)
    assert r.status_code == 422 and "NUL" in r.json()["detail"]
    r = httpx.get(f"{url}/api/v1/public/complaints/KHI%00", params={"code": "7KQ2-M9XD"})
    assert r.status_code == 422
    body = {"username": "eng\u0000one", "password": "x"}
    r = httpx.post(f"{url}/api/v1/auth/login", json=body)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")
    r = httpx.post(f"{url}/api/v1/auth/login", content=b"x" * (17 * 2**20), headers={"content-type": "text/plain"})
    assert r.status_code == 413
    # Open311 posts are form-encoded: there "%00" is a NUL too; and a partner's long names are refused, not a 500.
    key = _cli(env, "open311", "issue-key", "--client", "probe").stdout.strip()
    form = {"api_key": key, "service_code": "garbage", "lat": "24.95512", "long": "67.00049",
            "first_name": "Ayesha", "last_name": "Khan", "phone": "0300 1234567",
            "description": "Garbage not lifted near the mosque"}  # fmt: skip
    posted = httpx.post(f"{url}/open311/v2/requests.json", data=form, timeout=60)
    assert posted.status_code == 200, posted.text  # GeoReport v2 answers a created request with 200
    r = httpx.post(f"{url}/open311/v2/requests.json", data={**form, "description": "Garbage\x00 not lifted"})
    assert r.status_code == 422 and "NUL" in r.text
    r = httpx.post(f"{url}/open311/v2/requests.json", data={**form, "first_name": "A" * 150, "last_name": "K" * 150})
    assert 400 <= r.status_code < 500 and "200 characters" in r.text, r.text  # the spec's error array, in words


def _from(address: str) -> httpx.Client:
    """A client whose requests come from another loopback address (the server counts limits per address)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def test_tracking_needs_the_code_or_whole_phone_and_wrong_guesses_lock_out_only_the_guesser(server) -> None:
    url, _, _, _ = server
    lodged = httpx.post(
        f"{url}/api/v1/public/complaints",
        json={
            "category": "garbage",
            "description": "Garbage not lifted for three days near the mosque",
            "citizen_name": "Ayesha Khan",
            "phone": "0300 1234567",
            "town": "orangi",
        },
        timeout=60,
    )
    assert lodged.status_code == 201, lodged.text
    number, code = lodged.json()["tracking_number"], lodged.json()["access_code"]
    assert len(code) == 9 and code[4] == "-"
    status = f"{url}/api/v1/public/complaints/{number}"
    assert httpx.get(status, params={"code": code}).json()["tracking_number"] == number
    assert httpx.get(status, params={"code": code.lower().replace("-", " ")}).status_code == 200  # as typed
    assert httpx.get(status, params={"phone": "+92 300 1234567"}).status_code == 200  # the whole number, any spelling
    # The four digits that once sufficed (10,000 guesses) are refused as a proof, and say why.
    short = httpx.get(status, params={"phone": "4567"})
    assert short.status_code == 422 and "phone" in short.text
    assert httpx.get(status).status_code == 422
    near = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert httpx.get(status, params={"code": near}).status_code == 404  # one character off: nothing is revealed
    # 20 wrong proofs an hour from one address; then that address, and only it, is refused for an hour.
    with _from("127.0.0.2") as guesser:
        wrong = [guesser.get(status, params={"phone": f"0300 00000{n:02d}"}).status_code for n in range(20)]
        assert wrong == [404] * 20
        closed = guesser.get(status, params={"code": code})
        assert closed.status_code == 429 and closed.headers["retry-after"] == "3600"
        reopen = guesser.post(f"{status}/reopen", json={"code": code, "words": "still there"})
        assert reopen.status_code == 429
    # The citizen, elsewhere, is not locked out of their own complaint by someone else's guesses.
    with _from("127.0.0.3") as citizen:
        assert citizen.get(status, params={"code": code}).status_code == 200
        # Any address is limited as a whole (60 a minute by default).
        seen = {citizen.get(status, params={"code": code}).status_code for _ in range(60)}
    assert 429 in seen and 500 not in seen


def test_an_unexpected_failure_is_a_json_500_with_an_id_the_log_carries(server, db_url: str) -> None:
    """A row no version of the code writes (a status left by a hand edit of the database) breaks the read: the
    answer is JSON with a request id, and the log holds that id with the traceback; the server goes on."""
    url, _, log, _ = server
    body = {"category": "garbage", "description": "Garbage not lifted near the school", "citizen_name": "Bano",
            "phone": "0300 2223334", "town": "orangi"}  # fmt: skip
    number = httpx.post(f"{url}/api/v1/public/complaints", json=body, timeout=60).json()["tracking_number"]
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE complaints SET status = 'mislaid' WHERE tracking_number = :n"), {"n": number})
    engine.dispose()
    admin = _bearer(_login(url, "admin"))
    r = httpx.get(f"{url}/api/v1/complaints/{number}", headers=admin, timeout=60)
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/json"), r.text
    ident = r.json()["request_id"]
    assert ident in r.json()["detail"] and "Traceback" not in r.text and "mislaid" not in r.text
    logged = log.read_text()
    assert f"request id {ident}" in logged and "Traceback" in logged.split(f"request id {ident}", 1)[1], logged[-3000:]
    assert httpx.get(f"{url}/healthz", timeout=60).status_code == 200  # one bad row, not a broken server
