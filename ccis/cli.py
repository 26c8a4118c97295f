"""``ccis`` subcommands. Each imports what it needs only when run, so ``ccis agent`` stays light."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path


def _settings():  # noqa: ANN202
    from noc_api.settings import load_settings

    return load_settings()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from noc_api.app import create_app
    from noc_api.runtime import start_runtime

    settings = _settings()
    runtime = start_runtime(settings)
    print(f"ccis: inventory {settings.inventory} synced ({runtime.last_sync.summary()})", file=sys.stderr)
    from noc_api.alerting.status import rules_status

    rules = rules_status(settings.alert_rules)
    print(f"ccis: {rules['rules']} alert rules loaded from {settings.alert_rules}", file=sys.stderr)
    for problem in rules["problems"]:  # a bad rule file is reported, never fatal: the good rules still run
        print(f"ccis: alert rules: {problem}", file=sys.stderr)
    host, port = args.host or settings.host, args.port or settings.port
    uvicorn.run(
        create_app(settings, runtime=runtime),
        host=host,
        port=port,
        log_level=args.log_level,
        workers=1,
        proxy_headers=False,
        timeout_graceful_shutdown=5,  # live event streams must not hold a shutdown forever
    )
    return 0


def cmd_inventory_check(args: argparse.Namespace) -> int:
    from noc_api.inventory import load_inventory

    path = Path(args.file) if args.file else _settings().inventory
    inv = load_inventory(path)
    print(
        f"{path}: ok ({len(inv.sites)} sites, {len(inv.devices())} devices, {len(inv.channels)} channels, "
        f"{len(inv.towns)} towns, {len(inv.categories)} categories)"
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from noc_api.db.engine import make_engine
    from noc_api.db.migrate import upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    print(f"ccis: database at {engine.url.render_as_string(hide_password=True)} is current")
    return 0


def _with_session(fn):  # noqa: ANN001, ANN202
    """Run ``fn(session)`` on a migrated, inventory-synced database and commit."""
    from noc_api.runtime import start_runtime

    runtime = start_runtime(_settings())
    try:
        with runtime.sessions.begin() as session:
            return fn(session)
    finally:
        runtime.engine.dispose()


def cmd_tokens_issue(args: argparse.Namespace) -> int:
    from noc_api.services.accounts import issue_site_token

    token = _with_session(lambda s: issue_site_token(s, args.site))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.touch(mode=0o600)
        out.write_text(token + "\n")
        print(f"ccis: token for site {args.site} written to {out} (keep it secret; it is not stored)")
    else:
        print(token)
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    from noc_api.services.accounts import add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise SystemExit("ccis: passwords differ")
    user = _with_session(
        lambda s: add_user(
            s,
            username=args.username,
            password=password,
            role=args.role,
            full_name=args.full_name or "",
            town=args.town,
            department=args.department,
            phone=args.phone,
            email=args.email,
        )
    )
    print(f"ccis: user {user.username} ({user.role}) added")
    return 0


def cmd_rules_check(args: argparse.Namespace) -> int:
    from noc_api.alerting.loader import ROUTING_FILE, load_rules_dir
    from noc_api.alerting.routing import load_routing

    directory = Path(args.dir) if args.dir else _settings().alert_rules
    rules = load_rules_dir(directory)
    routing_problems = load_routing(directory / ROUTING_FILE)[1] if directory.is_dir() else []
    problems = rules.problems + routing_problems
    if args.inventory:  # cross-check the sites and towns rules select against the city's inventory
        from noc_api.alerting.loader import check_references
        from noc_api.inventory import load_inventory

        inv = load_inventory(args.inventory)
        problems += check_references(rules, {x.id for x in inv.sites}, {t.id for t in inv.towns})
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"ccis: {len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"{directory}: ok ({len(rules.rules)} rules in {len(rules.files)} files, routing ok)")
    return 0


def cmd_agent(args: argparse.Namespace) -> int:
    from agents.main import run_agent

    return run_agent(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ccis", description="Citizen Complaint and Information System")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the NOC and complaint server")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--log-level", default="info")
    s.set_defaults(fn=cmd_serve)

    a = sub.add_parser("agent", help="run a site agent")
    a.add_argument("--site", required=True)
    a.add_argument("--noc", required=True, help="NOC base URL, e.g. https://noc.example:8000")
    a.add_argument("--token-file", required=True)
    a.add_argument("--state-dir", default="var/agent", help="outbox and cached config")
    a.add_argument("--ca-file", help="CA bundle to verify the NOC's TLS certificate")
    a.add_argument(
        "--loopback-only",
        action="store_true",
        help="collect only devices on this host or loopback addresses (local demo)",
    )
    a.add_argument("--metrics-port", type=int, help="expose the agent's own /metrics on 127.0.0.1:PORT")
    a.set_defaults(fn=cmd_agent)

    inv = sub.add_parser("inventory", help="inventory tools").add_subparsers(dest="action", required=True)
    c = inv.add_parser("check", help="validate an inventory file (default: CCIS_INVENTORY)")
    c.add_argument("file", nargs="?")
    c.set_defaults(fn=cmd_inventory_check)

    rules = sub.add_parser("rules", help="alert rules").add_subparsers(dest="action", required=True)
    rc = rules.add_parser("check", help="validate alert rule files and routing (default: CCIS_ALERT_RULES)")
    rc.add_argument("dir", nargs="?")
    rc.add_argument("--inventory", help="also check the sites and towns rules name against this inventory")
    rc.set_defaults(fn=cmd_rules_check)

    db = sub.add_parser("db", help="database tools").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(fn=cmd_db_upgrade)

    tok = sub.add_parser("tokens", help="site agent tokens").add_subparsers(dest="action", required=True)
    ti = tok.add_parser("issue", help="issue a token for a site (shown once)")
    ti.add_argument("--site", required=True)
    ti.add_argument("--out", help="write the token to this file (mode 0600) instead of printing it")
    ti.set_defaults(fn=cmd_tokens_issue)

    users = sub.add_parser("users", help="staff users").add_subparsers(dest="action", required=True)
    ua = users.add_parser("add", help="add a staff user")
    ua.add_argument("username")
    ua.add_argument("--role", required=True)
    ua.add_argument("--full-name")
    ua.add_argument("--town")
    ua.add_argument("--department")
    ua.add_argument("--phone")
    ua.add_argument("--email")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ua.set_defaults(fn=cmd_users_add)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ccis`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "agent":  # a site machine runs the agent without the server's packages
        return args.fn(args) or 0
    from noc_api.inventory import InventoryError
    from noc_api.services.accounts import AccountError
    from noc_api.settings import SettingsError

    try:
        return args.fn(args) or 0
    except InventoryError as exc:
        print(exc, file=sys.stderr)
        print(f"ccis: {len(exc.problems)} problem(s) in {exc.file}", file=sys.stderr)
        return 1
    except (SettingsError, AccountError) as exc:
        print(f"ccis: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
