"""Migrations, inventory sync, users and site tokens on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from noc_api.accounts import service as accounts
from noc_api.db import models as m
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import pending, upgrade
from noc_api.inventory import load_inventory, parse_inventory
from noc_api.inventory.sync import sync_inventory
from noc_api.security import verify_password
from tests.noc_api.test_inventory_validation import BASE


def _db(url: str):
    engine = make_engine(url)
    upgrade(engine)
    return engine, make_session_factory(engine)


def test_migrations_apply_and_are_current(db_url: str) -> None:
    engine = make_engine(db_url)
    assert pending(engine)  # empty database: the head is pending
    upgrade(engine)
    assert pending(engine) == set()
    upgrade(engine)  # idempotent
    engine.dispose()


def test_sqlite_runs_wal_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_shipped_inventory_syncs(db_url: str, inventory_path) -> None:
    engine, sessions = _db(db_url)
    inv = load_inventory(inventory_path)
    with sessions.begin() as s:
        first = sync_inventory(s, inv)
    assert len(first.added) > 200 and not first.changed and not first.removed
    with sessions.begin() as s:
        again = sync_inventory(s, inv)
        assert (again.added, again.changed, again.removed) == ([], [], [])
        assert s.scalar(select(func.count()).select_from(m.Site)) == 24
        assert s.scalar(select(func.count()).select_from(m.Device)) == len(inv.devices())
        radio = s.get(m.Device, "radio-lyari")
        assert radio.depends_on == [{"any": ["radio-lyari-dc", "dc-ap-south"]}]
        assert s.get(m.Category, "water-main-burst").parent_id == "water-leakage"
    engine.dispose()


def test_sync_reconciles_changes_and_keeps_history(db_url: str) -> None:
    engine, sessions = _db(db_url)
    with sessions.begin() as s:
        sync_inventory(s, parse_inventory(BASE))
    changed = (
        BASE.replace("address: 10.1.0.21", "address: 10.1.0.99")
        .replace(
            "      - {id: orangi-pc-01, kind: workstation, address: 10.1.0.99, collect: {method: psutil}, "
            "depends_on: [orangi-sw]}\n",
            "      - {id: orangi-pc-01, kind: workstation, address: 10.1.0.99, collect: {method: psutil}, "
            "depends_on: [orangi-sw]}\n      - {id: orangi-pc-02, kind: workstation, address: 10.1.0.22, "
            "collect: {method: tcp, port: 3389}, depends_on: [orangi-sw]}\n",
        )
        .replace(
            "      - {id: radio-dc, kind: radio, address: 10.0.0.3, collect: {method: tcp, port: 22}, "
            "depends_on: [core-sw]}\n",
            "",
        )
        .replace("depends_on: [radio-dc]}", "depends_on: [core-sw]}")
    )
    with sessions.begin() as s:
        result = sync_inventory(s, parse_inventory(changed))
    assert "device:orangi-pc-02" in result.added
    assert "device:orangi-pc-01" in result.changed and "device:radio-orangi" in result.changed
    assert result.removed == ["device:radio-dc"]
    with sessions.begin() as s:
        assert s.get(m.Device, "radio-dc").active is False  # retired, not deleted
        hist = s.scalars(select(m.InventoryChange).where(m.InventoryChange.entity_id == "orangi-pc-01")).all()
        assert [h.change for h in hist] == ["added", "changed"]
        assert hist[1].before == {"address": "10.1.0.21"} and hist[1].after == {"address": "10.1.0.99"}
    # Putting it back revives the same row.
    with sessions.begin() as s:
        back = sync_inventory(s, parse_inventory(BASE))
        assert "device:radio-dc" in back.changed and s.get(m.Device, "radio-dc").active
    engine.dispose()


def test_users_have_argon2_hashes_and_scoped_roles(db_url: str) -> None:
    engine, sessions = _db(db_url)
    with sessions.begin() as s:
        sync_inventory(s, parse_inventory(BASE))
        user = accounts.add_user(s, username="qc.amina", password="correct horse battery", role="qc_officer")
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "correct horse battery")
        for kwargs, message in [
            ({"role": "wizard"}, "unknown role"),
            ({"role": "town_head"}, "needs --town"),
            ({"role": "town_head", "town": "atlantis"}, "unknown town"),
            ({"role": "qc_officer", "password": "short"}, "at least 10"),
            ({"role": "qc_officer", "username": "qc.amina"}, "already exists"),
        ]:
            args = {"username": "someone", "password": "long enough pass", **kwargs}
            try:
                accounts.add_user(s, **args)
            except accounts.AccountError as exc:
                assert message in str(exc)
            else:
                raise AssertionError(f"accepted {kwargs}")
    with sessions() as s:
        assert accounts.authenticate(s, "qc.amina", "correct horse battery").role == "qc_officer"
        assert accounts.authenticate(s, "qc.amina", "wrong password!!") is None
    engine.dispose()


def test_site_tokens_are_stored_hashed(db_url: str) -> None:
    engine, sessions = _db(db_url)
    with sessions.begin() as s:
        sync_inventory(s, parse_inventory(BASE))
        token = accounts.issue_site_token(s, "town-orangi")
    with sessions.begin() as s:
        stored = s.scalars(select(m.SiteToken)).one()
        assert token not in (stored.token_hash, stored.prefix + "x") and len(stored.token_hash) == 64
        assert accounts.site_for_token(s, token) == "town-orangi"
        assert accounts.site_for_token(s, token + "x") is None
        assert accounts.revoke_site_tokens(s, "town-orangi") == 1
    with sessions() as s:
        assert accounts.site_for_token(s, token) is None
        try:
            accounts.issue_site_token(s, "nowhere")
        except accounts.AccountError as exc:
            assert "unknown site" in str(exc)
        else:
            raise AssertionError("token issued for an unknown site")
    engine.dispose()
