#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Batch benchmark (docs/performance.md): one otaflash-emu --devices N presents
N units one after another on 127.0.0.1; `otaflash --cli --batch --count N`
flashes them. Prints devices per hour and otaflash's own time per unit: the
wall time per unit minus the device's time as the emulator reports it
(transfers with their pauses and erase, reboots, the unit swap).

  bench/batch.py [BUILD_DIR] [--devices 20] [--time-scale 0.05] [--wifi]

--wifi: the same batch with `--wifi auto` through tests/wifi/harness.py (the
emulator's access points mirrored into python-dbusmock's NetworkManager on a
private bus the harness starts; never the machine's bus or network). The
batch then scans for each unit's network and joins it, and each flash rejoins
it after every restart; the time from each boot's access point coming up to
the PC joined to it (the emulator's --wifi-gate opening) is reported as Wi-Fi
time (the mock's scan and join included), apart from otaflash's own.

Not a test: it never fails on a slow figure; the goal line says whether
otaflash added less than 1 s per unit."""

import argparse, json, os, subprocess, sys, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "build"))
ap.add_argument("--devices", type=int, default=20)
ap.add_argument("--time-scale", default="0.05")
ap.add_argument("--flash-size", default="1M")
ap.add_argument("--wifi", action="store_true")
a = ap.parse_args()
emu_bin = os.path.join(a.build, "src", "emulator", "otaflash-emu")
mkufw = os.path.join(a.build, "src", "emulator", "otaflash-mkufw")
otaflash = os.path.join(a.build, "src", "otaflash")

with tempfile.TemporaryDirectory(prefix="otaflash-bench-batch-") as d:
    ufw = os.path.join(d, "fw.ufw")
    subprocess.run([mkufw, "--flash-size", a.flash_size, "--version", "1.0.2", ufw],
                   check=True, stdout=subprocess.DEVNULL)
    events = os.path.join(d, "events.jsonl")
    emu_opts = ["--time-scale", a.time_scale, "--strict", "--devices", str(a.devices)]
    env = dict(os.environ)
    extra = []
    if a.wifi:
        harness = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                              "tests", "wifi", "harness.py"),
             "--emu", emu_bin, "--"] + emu_opts,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = harness.stdout.readline().split()
        fields = dict(kv.split("=", 1) for kv in ready[1:])
        # network safety: only a bus socket inside the harness's own directory
        sock = fields["bus"].split("unix:path=", 1)[-1].split(",")[0]
        if not fields["bus"].startswith("unix:path=") or \
                os.path.dirname(os.path.realpath(sock)) != os.path.realpath(fields["dir"]):
            sys.exit("the harness's bus is not its private one: " + fields["bus"])
        env.update(DBUS_SYSTEM_BUS_ADDRESS=fields["bus"], OTA_WIFI_BACKEND="nm")
        extra = ["--wifi", "auto"]
        emu_events = []
        reader = threading.Thread(target=lambda: [
            emu_events.append(json.loads(l[6:])) for l in harness.stdout if l.startswith("EVENT ")])
        reader.start()
        ports = fields
    else:
        emu = subprocess.Popen([emu_bin, "--host", "127.0.0.1", "--ctp-port", "0", "--http-port",
                                "0", "--ota-port", "0", "--events", events] + emu_opts,
                               stdout=subprocess.PIPE, text=True)
        ready = emu.stdout.readline().split()
        ports = dict(kv.split("=", 1) for kv in ready[1:4])
    t0 = time.monotonic()
    out = subprocess.run([otaflash, "--cli", "--batch", "--count", str(a.devices), "--json",
                          "--host", "127.0.0.1", "--ctp-port", ports["ctp"], "--http-port",
                          ports["http"], "--ota-port", ports["ota"],
                          "--history-db", os.path.join(d, "history.db")] + extra + [ufw],
                         stdout=subprocess.PIPE, text=True, env=env)
    wall = time.monotonic() - t0
    if a.wifi:
        harness.stdin.write("quit\n")
        harness.stdin.close()
        reader.join()
        harness.wait()
    else:
        emu.terminate()
        emu.wait()
        emu_events = [json.loads(l) for l in open(events)]
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    summary = next(l for l in lines if l["event"] == "summary")
    device_s = 0.0
    for ev in emu_events:
        if ev["event"] == "model":
            device_s += ev["measured_s"]
        elif ev["event"] == "reboot":
            device_s += ev.get("delay_s", 0) + ev.get("down_s", 0)
        elif ev["event"] == "device-swap":
            device_s += ev.get("delay_s", 0) + ev.get("gap_s", 0)

n = summary["units"]
# Wi-Fi: after every boot, from the device's access point coming up to the
# PC joined to it (the emulator's gate opening): the scans and joins of the
# batch (the next unit) and of the flash (the rejoins after each restart)
wifi_s = 0.0
up_t = None
for ev in emu_events:
    if ev["event"] == "wifi" and ev.get("state") == "up":
        up_t = ev["t"]
    elif ev["event"] == "wifi-gate" and ev.get("state") == "open" and up_t is not None:
        wifi_s += ev["t"] - up_t
        up_t = None
own = (wall - device_s - wifi_s) / n
print(f"batch of {n} emulated units (time scale {a.time_scale}, flash.bin {a.flash_size}"
      f"{', Wi-Fi through the NetworkManager mock' if a.wifi else ''}): "
      f"exit {out.returncode}, counts {summary['counts']}")
print(f"  wall {wall:.2f} s, {wall / n:.2f} s per unit, {3600 * n / wall:.0f} devices/hour")
print(f"  device time {device_s / n:.2f} s per unit (transfer, erase, restarts, swap)")
if a.wifi:
    print(f"  Wi-Fi time {wifi_s / n:.3f} s per unit (from each boot's access point up to "
          f"the PC joined: scans and joins, the mock's included)")
print(f"  otaflash's own time {own:.3f} s per unit  "
      f"(goal < 1 s: {'met' if own < 1.0 else 'NOT met'})")
