"""Launch fake-switches 1.5.0 as an SSH Cisco switch for netmiko tests, with two Python 3 fixes.

    python tests/fake_switch.py --port P --username U --password W [--down-file F]

Fixes: (1) its enable check compares the typed str with a bytes password, so ``enable`` always failed: we give
the switch core a str password and only the SSH user table bytes; (2) it lacks ``show interfaces status``:
we add it in real IOS format, ports listed in --down-file (one per line, re-read on each command) show as
``notconnect`` so a test can cut an uplink while the switch runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fake_switches import switch_factory
from fake_switches.cisco.command_processor.enabled import EnabledCommandProcessor
from fake_switches.transports.ssh_service import SwitchSshService
from twisted.internet import reactor

HEADER = "Port      Name               Status       Vlan       Duplex  Speed Type"
_SHORT = {"FastEthernet": "Fa", "GigabitEthernet": "Gi", "TenGigabitEthernet": "Te"}


def short(name: str) -> str:
    """IOS short interface name (FastEthernet0/1 -> Fa0/1)."""
    for long, s in _SHORT.items():
        if name.startswith(long):
            return s + name[len(long) :]
    return name


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--hostname", default="test-sw")
    p.add_argument("--down-file")
    args = p.parse_args()
    down_file = Path(args.down_file) if args.down_file else None
    original_show = EnabledCommandProcessor.do_show

    def do_show(self, *words):  # noqa: ANN001, ANN002, ANN202
        if len(words) >= 2 and "interfaces".startswith(words[0]) and "status".startswith(words[1]):
            down = set(down_file.read_text().split()) if down_file and down_file.exists() else set()
            self.write_line("")
            self.write_line(HEADER)
            for port in self.switch_configuration.get_physical_ports():
                name = short(port.name)
                status = "disabled" if port.shutdown else "notconnect" if name in down else "connected"
                kind = "10/100/1000BaseTX" if name.startswith("Gi") else "10/100BaseTX"
                self.write_line(f"{name:<9} {'':<18} {status:<12} {'1':<10} a-full  a-100 {kind}")
            self.write_line("")
            return None
        return original_show(self, *words)

    EnabledCommandProcessor.do_show = do_show
    core = switch_factory.SwitchFactory().get("cisco_2960_24TT_L", args.hostname, args.password)
    SwitchSshService(
        ip="127.0.0.1", port=args.port, switch_core=core, users={args.username: args.password.encode()}
    ).hook_to_reactor(reactor)
    reactor.run()


if __name__ == "__main__":
    main()
