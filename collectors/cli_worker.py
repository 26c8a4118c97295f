"""One CLI poll in its own short-lived process: ``python -m collectors.cli_worker`` (request on stdin, JSON out).

netmiko, paramiko, cryptography and TextFSM together cost the agent about 35 MB of resident memory it never gives
back; polled here, they live only for the poll. Stdin carries the request (with the password, never on the
command line); stdout carries one JSON object: {"evaluation": ...} or {"error": CLASS, "message": TEXT}.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from collectors.errors import AuthFailed, CollectorError, Timeout, Unreachable

COMMANDS = ("show version", "show interfaces status", "show interfaces")

# paramiko.config imports `invoke` when it is installed, only for "Match exec" lines of an ssh_config we never read
UNUSED_OPTIONAL_MODULES = ("invoke",)


def run_commands(params: dict[str, Any]) -> dict[str, str]:
    """Log in with netmiko and run `COMMANDS`; library errors mapped to `collectors.errors`."""
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

    where = f"ssh {params['host']}:{params['port']}"
    try:
        with ConnectHandler(**params) as conn:
            if params.get("secret"):
                conn.enable()
            return {cmd: str(conn.send_command(cmd, read_timeout=params["timeout"])) for cmd in COMMANDS}
    except NetmikoAuthenticationException as exc:
        raise AuthFailed(f"{where}: authentication failed") from exc
    except (NetmikoTimeoutException, ReadTimeout) as exc:
        raise Timeout(f"{where}: {str(exc).splitlines()[0] if str(exc) else 'timed out'}") from exc
    except (OSError, EOFError) as exc:
        raise Unreachable(f"{where}: {exc}") from exc
    except ValueError as exc:  # netmiko raises ValueError for prompts it cannot find, e.g. a failed enable
        raise CollectorError(f"{where}: {exc}") from exc


def main() -> int:
    """Read the request, poll, print the answer; the exit code is 0 whenever an answer was printed."""
    for name in UNUSED_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # an import of it now fails fast
    from collectors.cli_parse import evaluate_cli

    request = json.loads(sys.stdin.read())
    try:
        outputs = run_commands(request["params"])
        evaluation = evaluate_cli(request["platform"], outputs, tuple(request.get("uplinks", ())))
        answer: dict[str, Any] = {"evaluation": evaluation}
    except CollectorError as exc:
        answer = {"error": type(exc).__name__, "message": str(exc)}
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
