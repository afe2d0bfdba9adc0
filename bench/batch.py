#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Batch benchmark (docs/performance.md): one otaflash-emu --devices N presents
N units one after another on 127.0.0.1; `otaflash --cli --batch --count N`
flashes them. Prints devices per hour and otaflash's own time per unit: the
wall time per unit minus the device's time as the emulator reports it
(transfers with their pauses and erase, reboots, the unit swap).

  bench/batch.py [BUILD_DIR] [--devices 20] [--time-scale 0.05]

Not a test: it never fails on a slow figure; the goal line says whether
otaflash added less than 1 s per unit."""

import argparse, json, os, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "build"))
ap.add_argument("--devices", type=int, default=20)
ap.add_argument("--time-scale", default="0.05")
ap.add_argument("--flash-size", default="1M")
a = ap.parse_args()
emu_bin = os.path.join(a.build, "src", "emulator", "otaflash-emu")
mkufw = os.path.join(a.build, "src", "emulator", "otaflash-mkufw")
otaflash = os.path.join(a.build, "src", "otaflash")

with tempfile.TemporaryDirectory(prefix="otaflash-bench-batch-") as d:
    ufw = os.path.join(d, "fw.ufw")
    subprocess.run([mkufw, "--flash-size", a.flash_size, "--version", "1.0.2", ufw],
                   check=True, stdout=subprocess.DEVNULL)
    events = os.path.join(d, "events.jsonl")
    emu = subprocess.Popen([emu_bin, "--host", "127.0.0.1", "--ctp-port", "0", "--http-port", "0",
                            "--ota-port", "0", "--time-scale", a.time_scale, "--strict",
                            "--devices", str(a.devices), "--events", events],
                           stdout=subprocess.PIPE, text=True)
    ready = emu.stdout.readline().split()
    ports = dict(kv.split("=", 1) for kv in ready[1:4])
    t0 = time.monotonic()
    out = subprocess.run([otaflash, "--cli", "--batch", "--count", str(a.devices), "--json",
                          "--host", "127.0.0.1", "--ctp-port", ports["ctp"], "--http-port",
                          ports["http"], "--ota-port", ports["ota"],
                          "--history-db", os.path.join(d, "history.db"), ufw],
                         stdout=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    emu.terminate()
    emu.wait()
    lines = [json.loads(l) for l in out.stdout.splitlines()]
    summary = next(l for l in lines if l["event"] == "summary")
    device_s = 0.0
    for ev in map(json.loads, open(events)):
        if ev["event"] == "model":
            device_s += ev["measured_s"]
        elif ev["event"] == "reboot":
            device_s += ev.get("delay_s", 0) + ev.get("down_s", 0)
        elif ev["event"] == "device-swap":
            device_s += ev.get("delay_s", 0) + ev.get("gap_s", 0)

n = summary["units"]
own = (wall - device_s) / n
print(f"batch of {n} emulated units (time scale {a.time_scale}, flash.bin {a.flash_size}): "
      f"exit {out.returncode}, counts {summary['counts']}")
print(f"  wall {wall:.2f} s, {wall / n:.2f} s per unit, {3600 * n / wall:.0f} devices/hour")
print(f"  device time {device_s / n:.2f} s per unit (transfer, erase, restarts, swap)")
print(f"  otaflash's own time {own:.3f} s per unit  "
      f"(goal < 1 s: {'met' if own < 1.0 else 'NOT met'})")
