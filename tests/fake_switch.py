"""Launch fake-switches 1.5.0 as an SSH Cisco switch for netmiko tests, with two Python 3 fixes.

    python tests/fake_switch.py --port P --username U --password W [--down-file F] [--errors-file F]

Fixes: (1) its enable check compares the typed str with a bytes password, so ``enable`` always failed: we give
the switch core a str password and only the SSH user table bytes; (2) it lacks ``show interfaces status`` and
``show interfaces``: we add them in real IOS (15.0, C2960) format. Ports listed in --down-file (one per line,
re-read on each command) show as ``notconnect`` / ``down`` so a test can cut an uplink while the switch runs;
--errors-file lines ``PORT INPUT_ERRORS OUTPUT_ERRORS`` (re-read too) set a port's error counters.
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


# one port of `show interfaces` as IOS 15.0 prints it on a C2960 (counters filled in per port)
SHOW_INTERFACE = """\
{name} is {link}, line protocol is {proto}{suffix}
  Hardware is {hw}, address is 0019.e8a2.{mac:04x} (bia 0019.e8a2.{mac:04x})
  MTU 1500 bytes, BW {bw} Kbit/sec, DLY {dly} usec,
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation ARPA, loopback not set
  Keepalive set (10 sec)
  Full-duplex, {speed}, media type is 10/100/1000BaseTX
  input flow-control is off, output flow-control is unsupported
  ARP type: ARPA, ARP Timeout 04:00:00
  Last input 00:00:01, output 00:00:00, output hang never
  Last clearing of "show interface" counters never
  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0
  Queueing strategy: fifo
  Output queue: 0/40 (size/max)
  5 minute input rate 2000 bits/sec, 3 packets/sec
  5 minute output rate 6000 bits/sec, 5 packets/sec
     1523433 packets input, 210234876 bytes, 0 no buffer
     Received 80123 broadcasts (52011 multicasts)
     0 runts, 0 giants, 0 throttles
     {in_err} input errors, {crc} CRC, 0 frame, 0 overrun, 0 ignored
     0 watchdog, 52011 multicast, 0 pause input
     0 input packets with dribble condition detected
     2871650 packets output, 391234567 bytes, 0 underruns
     {out_err} output errors, 0 collisions, 1 interface resets
     0 unknown protocol drops
     0 babbles, 0 late collision, 0 deferred
     0 lost carrier, 0 no carrier, 0 pause output
     0 output buffer failures, 0 output buffers swapped out"""


def _lines(path: Path | None) -> list[list[str]]:
    return [ln.split() for ln in path.read_text().splitlines() if ln.strip()] if path and path.exists() else []


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--hostname", default="test-sw")
    p.add_argument("--down-file")
    p.add_argument("--errors-file")
    args = p.parse_args()
    down_file = Path(args.down_file) if args.down_file else None
    errors_file = Path(args.errors_file) if args.errors_file else None
    original_show = EnabledCommandProcessor.do_show

    def show_interfaces(self) -> None:
        down = {w[0] for w in _lines(down_file)}
        errors = {w[0]: (int(w[1]), int(w[2])) for w in _lines(errors_file) if len(w) == 3}
        for i, port in enumerate(self.switch_configuration.get_physical_ports()):
            name = short(port.name)
            in_err, out_err = errors.get(name, (0, 0))
            gig = name.startswith("Gi")
            if port.shutdown:
                link, proto, suffix = "administratively down", "down", " (disabled)"
            elif name in down:
                link, proto, suffix = "down", "down", " (notconnect)"
            else:
                link, proto, suffix = "up", "up", " (connected)"
            text = SHOW_INTERFACE.format(
                name=port.name, link=link, proto=proto, suffix=suffix, mac=0x8100 + i,
                hw="Gigabit Ethernet" if gig else "Fast Ethernet", bw=1000000 if gig else 100000,
                dly=10 if gig else 100, speed="1000Mb/s" if gig else "100Mb/s",
                in_err=in_err, crc=in_err // 2, out_err=out_err,
            )  # fmt: skip
            for line in text.splitlines():
                self.write_line(line)

    def do_show(self, *words):
        if len(words) == 1 and "interfaces".startswith(words[0]) and len(words[0]) >= 3:
            show_interfaces(self)
            return None
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
