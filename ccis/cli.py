"""``ccis`` subcommands. Each imports what it needs only when run, so ``ccis agent`` stays light."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path


def _settings():  # noqa: ANN202
    from noc_api.settings import load_settings

    return load_settings()


def _prepare(settings):  # noqa: ANN001, ANN202
    """Validate the inventory and rules, migrate and sync the database; say what was loaded. Returns the runtime."""
    from noc_api.alerting.status import rules_status
    from noc_api.runtime import build

    runtime = build(settings)
    print(f"ccis: inventory {settings.inventory} synced ({runtime.last_sync.summary()})", file=sys.stderr)
    rules = rules_status(settings.alert_rules)
    print(f"ccis: {rules['rules']} alert rules loaded from {settings.alert_rules}", file=sys.stderr)
    for problem in rules["problems"]:  # a bad rule file is reported, never fatal: the good rules still run
        print(f"ccis: alert rules: {problem}", file=sys.stderr)
    return runtime


def _prepare_alone() -> None:
    """The preparation in a process of its own (``--workers N``), exiting with what ``ccis`` would."""
    sys.exit(_explained(lambda: _prepare(_settings()).engine.dispose()))


def cmd_serve(args: argparse.Namespace) -> int:
    import multiprocessing

    import uvicorn

    settings = _settings()
    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    common = {
        "host": host,
        "port": port,
        "log_level": args.log_level,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 5,  # live event streams must not hold a shutdown forever
    }
    if workers > 1:
        # The supervisor only holds the socket and watches its workers, so it never loads the app: the database
        # is migrated and synced once, by a process that then exits (the supervisor held ~250 MB for nothing).
        # Each worker builds its own runtime from the environment (noc_api.app:worker_app); the leader lease
        # keeps every background job to one worker.
        prep = multiprocessing.get_context("spawn").Process(target=_prepare_alone, name="ccis-prepare")
        prep.start()
        prep.join()
        if prep.exitcode:
            return prep.exitcode
        print(f"ccis: {workers} API worker processes", file=sys.stderr)
        uvicorn.run("noc_api.app:worker_app", factory=True, workers=workers, **common)
        return 0
    from noc_api.app import create_app

    runtime = _prepare(settings)
    uvicorn.run(create_app(settings, runtime=runtime, serving=True), workers=1, **common)
    return 0


def cmd_inventory_check(args: argparse.Namespace) -> int:
    from noc_api.inventory import load_inventory
    from noc_api.maintenance.plans import load_plans, plans_file_for

    path = Path(args.file) if args.file else _settings().inventory
    inv = load_inventory(path)
    plans = load_plans(path, inv)  # maintenance.yaml beside the inventory, checked against it
    print(
        f"{path}: ok ({len(inv.sites)} sites, {len(inv.devices())} devices, {len(inv.channels)} channels, "
        f"{len(inv.towns)} towns, {len(inv.categories)} categories)"
    )
    if plans_file_for(path).exists():
        print(f"{plans_file_for(path)}: ok ({len(plans)} maintenance plans)")
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
    from noc_api.runtime import build

    runtime = build(_settings())
    try:
        with runtime.sessions.begin() as session:
            return fn(session)
    finally:
        runtime.engine.dispose()


def cmd_tokens_issue(args: argparse.Namespace) -> int:
    from noc_api.accounts.service import issue_site_token

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


def cmd_tokens_list(args: argparse.Namespace) -> int:
    from noc_api.accounts.service import list_site_tokens

    rows = _with_session(
        lambda s: [(t.prefix, t.site_id, t.created_at, t.revoked_at) for t in list_site_tokens(s, args.site)]
    )
    print(f"{'prefix':14s} {'site':24s} {'issued (UTC)':20s} state")
    for prefix, site, created, revoked in rows:
        state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
        print(f"{prefix:14s} {site:24s} {created:%Y-%m-%d %H:%M:%S}  {state}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from noc_api.accounts.service import revoke_site_token, revoke_site_tokens

    if args.site:
        n = _with_session(lambda s: revoke_site_tokens(s, args.site))
    else:
        n = _with_session(lambda s: revoke_site_token(s, args.prefix))
    if not n:
        print("ccis: no open token matched", file=sys.stderr)
        return 1
    print(f"ccis: {n} token(s) revoked; their agents are refused from their next batch")
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise SystemExit("ccis: passwords differ")
    return password


def cmd_users_disable(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from noc_api.accounts.service import disable_user

    ended = _with_session(lambda s: disable_user(s, args.username, datetime.now(UTC)))
    print(f"ccis: user {args.username} disabled; {ended} open session(s) ended")
    return 0


def cmd_users_enable(args: argparse.Namespace) -> int:
    from noc_api.accounts.service import enable_user

    _with_session(lambda s: enable_user(s, args.username))
    print(f"ccis: user {args.username} may log in again")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from noc_api.accounts.service import set_password

    password = _password(args)
    ended = _with_session(lambda s: set_password(s, args.username, password, datetime.now(UTC)))
    print(f"ccis: password of {args.username} changed; {ended} open session(s) ended")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    from noc_api.accounts.service import add_user

    password = _password(args)
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
            site=args.site,
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


def cmd_open311_issue_key(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from noc_api.complaints.partner_keys import issue_key

    def issue(session):  # noqa: ANN001, ANN202
        row, key = issue_key(session, client=args.client, rate=args.rate, now=datetime.now(UTC))
        return row.id, key

    key_id, key = _with_session(issue)
    print(f"ccis: api_key {key_id} for {args.client} (shown once; only its digest is stored)", file=sys.stderr)
    print(key)
    return 0


def cmd_open311_revoke_key(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from noc_api.complaints.partner_keys import revoke_key

    client = _with_session(lambda s: revoke_key(s, key_id=args.id, now=datetime.now(UTC)).client)
    print(f"ccis: api_key {args.id} ({client}) revoked")
    return 0


def cmd_open311_list_keys(args: argparse.Namespace) -> int:
    from noc_api.complaints.partner_keys import list_keys

    def rows(session):  # noqa: ANN001, ANN202
        out = []
        for k in list_keys(session):
            state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
            used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
            out.append(f"{k.id}\t{k.client}\t{k.prefix}...\t{k.rate or 'default'}\t{state}\tlast used {used}")
        return out

    for line in _with_session(rows):
        print(line)
    return 0


def cmd_import_legacy(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from noc_api.legacy.importer import import_legacy
    from noc_api.legacy.mapping import MappingError, load_mapping
    from noc_api.legacy.source import SourceError
    from noc_api.runtime import build

    path = Path(args.file)
    try:
        mapping = load_mapping(Path(args.mapping))
    except MappingError as exc:
        print(exc, file=sys.stderr)
        return 1
    runtime = build(_settings())
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,  # a log file gets the problems and the summary, not a redrawn bar
    )
    try:
        with runtime.sessions() as session, bar:
            task = bar.add_task(path.name, total=None)
            done = import_legacy(
                session,
                runtime.desk,
                path,
                mapping,
                dry_run=args.dry_run,
                batch_size=args.batch,
                progress=lambda n: bar.update(task, completed=n),
                report=lambda problem: bar.console.print(problem, markup=False, highlight=False, soft_wrap=True),
            )
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        runtime.engine.dispose()
    verb = "would import" if args.dry_run else "imported"
    resumed = f", resumed after line {done.resumed_at}" if done.resumed_at else ""
    print(
        f"ccis: {path}: {done.total} rows, {verb} {done.imported}, skipped {done.skipped} already imported, "
        f"{done.bad} bad{resumed}",
        file=sys.stderr,
    )
    return 1 if done.bad else 0


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
    s.add_argument("--workers", type=int, help="API worker processes (default CCIS_WORKERS, 1)")
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
    a.add_argument(
        "--outbox-budget-mb",
        type=float,
        default=256.0,
        help="disk the outbox may use while the NOC is unreachable; when full the oldest raw readings go first, "
        "state changes are kept (default 256)",
    )
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
    tl = tok.add_parser("list", help="list site tokens (prefix, site, issued, revoked; never the token)")
    tl.add_argument("--site")
    tl.set_defaults(fn=cmd_tokens_list)
    tr = tok.add_parser("revoke", help="revoke a token by its prefix, or every token of a site")
    which = tr.add_mutually_exclusive_group(required=True)
    which.add_argument("--prefix", help="the prefix `ccis tokens list` shows")
    which.add_argument("--site", help="revoke every open token of this site")
    tr.set_defaults(fn=cmd_tokens_revoke)

    o311 = sub.add_parser("open311", help="Open311 partner api_keys").add_subparsers(dest="action", required=True)
    oi = o311.add_parser("issue-key", help="issue an api_key for a partner app (printed once)")
    oi.add_argument("--client", required=True, help="the partner app's name")
    oi.add_argument("--rate", help="POST limit for this key, e.g. 120/minute (default CCIS_OPEN311_KEY_RATE)")
    oi.set_defaults(fn=cmd_open311_issue_key)
    orv = o311.add_parser("revoke-key", help="revoke one api_key by its id (see list-keys)")
    orv.add_argument("id", type=int)
    orv.set_defaults(fn=cmd_open311_revoke_key)
    o311.add_parser("list-keys", help="list api_keys (id, client, prefix, rate, state)").set_defaults(
        fn=cmd_open311_list_keys
    )

    imp = sub.add_parser("import", help="import complaints").add_subparsers(dest="action", required=True)
    il = imp.add_parser("legacy", help="import a legacy system's complaints from CSV or XLSX (keeps their numbers)")
    il.add_argument("file", help="the .csv or .xlsx export")
    il.add_argument("--mapping", required=True, help="YAML: columns, date formats, value translations")
    il.add_argument("--dry-run", action="store_true", help="check every row and report, import nothing")
    il.add_argument("--batch", type=int, default=1000, help="rows per committed batch (resume granularity)")
    il.set_defaults(fn=cmd_import_legacy)

    users = sub.add_parser("users", help="staff users").add_subparsers(dest="action", required=True)
    ua = users.add_parser("add", help="add a staff user")
    ua.add_argument("username")
    ua.add_argument("--role", required=True)
    ua.add_argument("--full-name")
    ua.add_argument("--town")
    ua.add_argument("--department")
    ua.add_argument("--site", help="the site the user works at (a walk-in counter, the call centre, the QC centre)")
    ua.add_argument("--phone")
    ua.add_argument("--email")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ua.set_defaults(fn=cmd_users_add)
    ud = users.add_parser("disable", help="disable a user: no more logins, open sessions end at once")
    ud.add_argument("username")
    ud.set_defaults(fn=cmd_users_disable)
    ue = users.add_parser("enable", help="let a disabled or locked-out user log in again")
    ue.add_argument("username")
    ue.set_defaults(fn=cmd_users_enable)
    up = users.add_parser("passwd", help="set a user's password; their open sessions end")
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    up.set_defaults(fn=cmd_users_passwd)
    d = sub.add_parser("demo", help="simulate every site's agent and complaints against a local server (demo only)")
    d.add_argument("--noc", default="http://127.0.0.1:8000", help="the local server (loopback only)")
    d.add_argument("--inventory", help="default CCIS_INVENTORY")
    d.add_argument("--state-dir", default="var/demo", help="the demo's site tokens and user passwords")
    d.add_argument("--minutes", type=float, default=60.0, help="stop after this long (default 60)")
    d.add_argument("--period", type=float, default=5.0, help="seconds between each site's reports")
    d.add_argument("--outage-every", type=float, default=240.0, help="seconds between scripted town power cuts")
    d.add_argument("--outage-seconds", type=float, default=120.0, help="how long a town stays dark")
    d.add_argument("--complaints-per-minute", type=float, default=6.0, help="at the busiest hour")
    d.set_defaults(fn=cmd_demo)
    return p


def cmd_demo(args: argparse.Namespace) -> int:
    from ccis import demo  # the simulator (and the server's inventory code it reads): only `ccis demo` loads it

    return demo.cmd_demo(args)


def _explained(run) -> int:  # noqa: ANN001
    """Run a subcommand; a broken file or setting is told in a line or two (exit 1), not as a traceback."""
    try:
        return run() or 0
    except Exception as exc:  # the classes are imported only now: `ccis serve`'s supervisor stays small
        from noc_api.accounts.service import AccountError
        from noc_api.complaints.partner_keys import PartnerKeyError
        from noc_api.inventory import InventoryError
        from noc_api.settings import SettingsError

        if isinstance(exc, InventoryError):
            print(exc, file=sys.stderr)
            print(f"ccis: {len(exc.problems)} problem(s) in {exc.file}", file=sys.stderr)
            return 1
        if isinstance(exc, SettingsError | AccountError | PartnerKeyError):
            print(f"ccis: {exc}", file=sys.stderr)
            return 1
        raise


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ccis`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "agent":  # a site machine runs the agent without the server's packages
        return args.fn(args) or 0
    return _explained(lambda: args.fn(args))


if __name__ == "__main__":
    sys.exit(main())
