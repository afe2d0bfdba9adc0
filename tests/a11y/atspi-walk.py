#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The window as a screen reader sees it: over the real AT-SPI bus.

Run by tests/a11y/run-atspi-walk.sh, under its own Xvfb and its own private
session bus (never the user's). This script starts the AT-SPI bus launcher
for that session, the emulator (127.0.0.1, free ports), a firmware file made
by otaflash-mkufw and the real otaflash window pointed at the emulator, then
with pyatspi:

  - finds the application by name and waits until Flash is enabled (device
    connected, file valid);
  - walks the accessible tree: every push button, toggle, check box, text
    entry, spin button, combo box and progress bar has a name; no label is
    focusable; no icon is named "Open"; the result banner's close button
    has a name;
  - opens Advanced and walks the window with the Tab key (synthesized
    through the AT-SPI registry, XTEST underneath) from Flash round to Flash
    again: no stop is a label, every stop has a name, and the address entry
    and the three ports are on the way;
  - presses Flash (its AT-SPI action), waits for the result banner after
    the whole upgrade, and checks the tree and the Tab walk again, the
    banner's close button on the way.

usage: atspi-walk.py OTAFLASH OTAFLASH-EMU OTAFLASH-MKUFW
Exit 0: passed; 1: failed (the reason on stderr); 77: skipped, only when
pyatspi is missing and $OTA_A11Y_REQUIRED is not set.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
APP_NAME = "io.github.otaflash.Otaflash"
LAUNCHERS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher",
             "/usr/lib/at-spi2/at-spi-bus-launcher")


class Failure(Exception):
    pass


def log(message):
    print(message, flush=True)


def fail(message):
    raise Failure(message)


def import_pyatspi():
    try:
        import pyatspi  # noqa: F401 (imported for the caller)
        return pyatspi
    except ImportError as error:
        if os.environ.get("OTA_A11Y_REQUIRED"):
            print(f"atspi-walk: FAILED: pyatspi cannot be imported ({error}) and "
                  "OTA_A11Y_REQUIRED is set: install python3-pyatspi (scripts/deps.sh)",
                  file=sys.stderr)
            sys.exit(1)
        print(f"atspi-walk: SKIPPED: pyatspi cannot be imported ({error})", file=sys.stderr)
        sys.exit(SKIP)


def wait_for(what, predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Processes:
    """What this script starts, stopped in reverse order at the end."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, **kwargs):
        log(f"starting {name}: {' '.join(argv)}")
        proc = subprocess.Popen(argv, **kwargs)
        self.procs.append((name, proc))
        return proc

    def check_alive(self, name, proc):
        if proc.poll() is not None:
            fail(f"{name} exited early with status {proc.returncode}")

    def stop_all(self):
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def start_emulator(procs, emu, tmp):
    out = open(os.path.join(tmp, "emu.out"), "w+")
    proc = procs.start("the emulator", [emu, "--ctp-port", "0", "--http-port", "0",
                                        "--ota-port", "0", "--time-scale", "0.02"],
                       stdout=out, stderr=subprocess.STDOUT)

    def ready():
        procs.check_alive("the emulator", proc)
        out.seek(0)
        m = re.search(r"^READY ctp=(\d+) http=(\d+) ota=(\d+)", out.read(), re.M)
        return m and tuple(int(p) for p in m.groups())

    ports = wait_for("the emulator's READY line", ready, 20)
    log(f"emulator ready: ctp={ports[0]} http={ports[1]} ota={ports[2]}")
    return ports


def start_window(procs, otaflash, tmp, ports, ufw):
    config = os.path.join(tmp, "config")
    os.makedirs(config)
    with open(os.path.join(config, "settings.ini"), "w") as f:
        f.write("[device]\nhost=127.0.0.1\n"
                f"ctp-port={ports[0]}\nhttp-port={ports[1]}\nota-port={ports[2]}\n")
    env = dict(os.environ)
    for key in ("NO_AT_BRIDGE", "GTK_MODULES"):
        env.pop(key, None)
    env.update({
        "OTAFLASH_HOST": "127.0.0.1",
        "OTA_WIFI_BACKEND": "none",
        "OTAFLASH_CONFIG_DIR": config,
        "XDG_STATE_HOME": os.path.join(tmp, "state"),
        "XDG_DATA_HOME": os.path.join(tmp, "data"),
        "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
        "OTAFLASH_HISTORY_DB": os.path.join(tmp, "history.db"),
        "GSETTINGS_BACKEND": "memory",
        "LC_ALL": "C.UTF-8",
        "LANGUAGE": "",
    })
    return procs.start("the window", [otaflash, ufw], env=env)


# ---- the accessible tree -----------------------------------------------------------------------

def describe(pyatspi, obj):
    try:
        return f"{obj.getRoleName()} \"{obj.name}\""
    except Exception as error:  # gone while we looked
        return f"<{error}>"


def walk(obj, depth=0):
    yield obj, depth
    for i in range(obj.childCount):
        child = obj.getChildAtIndex(i)
        if child is not None:
            yield from walk(child, depth + 1)


def find_app(pyatspi, proc, procs):
    def found():
        procs.check_alive("the window", proc)
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == APP_NAME and app.childCount > 0:
                return app
        return None

    return wait_for(f"the application {APP_NAME} on the AT-SPI bus", found, 60, 0.5)


def find_one(pyatspi, app, role, name, what):
    for obj, _ in walk(app):
        if obj.getRole() == role and obj.name == name:
            return obj
    fail(f"no {what} named \"{name}\" in the tree")


def check_tree(pyatspi, app):
    named_roles = {
        pyatspi.ROLE_PUSH_BUTTON: "push button",
        pyatspi.ROLE_TOGGLE_BUTTON: "toggle button",
        pyatspi.ROLE_CHECK_BOX: "check box",
        pyatspi.ROLE_RADIO_BUTTON: "radio button",
        pyatspi.ROLE_TEXT: "text entry",
        pyatspi.ROLE_ENTRY: "text entry",
        pyatspi.ROLE_PASSWORD_TEXT: "password entry",
        pyatspi.ROLE_SPIN_BUTTON: "spin button",
        pyatspi.ROLE_COMBO_BOX: "combo box",
        pyatspi.ROLE_PROGRESS_BAR: "progress bar",
    }
    problems = []
    counts = {}
    banner_close = []
    labels = 0
    for obj, depth in walk(app):
        role = obj.getRole()
        states = obj.getState()
        name = obj.name or ""
        focusable = states.contains(pyatspi.STATE_FOCUSABLE)
        # the widget's own visible flag: a GtkInfoBar's close button that was
        # never asked for (show-close-button off) is in the tree, never shown
        visible = states.contains(pyatspi.STATE_VISIBLE)
        log(f"  {'  ' * depth}{describe(pyatspi, obj)}"
            f"{' focusable' if focusable else ''}{'' if visible else ' (hidden)'}")
        if role in named_roles and visible:
            counts[named_roles[role]] = counts.get(named_roles[role], 0) + 1
            if not name.strip():
                problems.append(f"a {named_roles[role]} has no accessible name "
                                f"(parent: {describe(pyatspi, obj.parent)})")
        if role == pyatspi.ROLE_LABEL:
            labels += 1
            if focusable:
                problems.append(f"a label is focusable (a tab stop): \"{name}\" "
                                f"(parent: {describe(pyatspi, obj.parent)})")
        if role in (pyatspi.ROLE_ICON, pyatspi.ROLE_IMAGE) and name == "Open":
            problems.append(f"an icon speaks as \"Open\" (parent: {describe(pyatspi, obj.parent)})")
        if role == pyatspi.ROLE_PUSH_BUTTON and visible:
            parent = obj.parent
            while parent is not None and parent.getRole() != pyatspi.ROLE_APPLICATION:
                if parent.getRole() == pyatspi.ROLE_INFO_BAR:
                    banner_close.append(obj)
                    break
                parent = parent.parent
    log("controls checked: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        + f"; {labels} labels")
    for required in ("push button", "toggle button", "text entry", "spin button",
                     "progress bar"):
        if counts.get(required, 0) == 0:
            problems.append(f"no {required} found at all: is this the otaflash window?")
    if counts.get("spin button", 0) < 3 or counts.get("progress bar", 0) < 2:
        problems.append("the three ports and the two progress bars are not all in the tree")
    # the banners' close buttons (the result banner's; the others have none)
    if not banner_close:
        problems.append("no banner close button found (the result banner's)")
    for button in banner_close:
        log(f"banner button: {describe(pyatspi, button)}")
        if not (button.name or "").strip():
            problems.append("a banner's close button has no accessible name")
    return problems


# ---- the keyboard ------------------------------------------------------------------------------

def focused_object(pyatspi, candidates):
    for obj in candidates:
        try:
            states = obj.getState()
        except Exception:
            continue
        if states.contains(pyatspi.STATE_FOCUSED) and states.contains(pyatspi.STATE_SHOWING):
            return obj
    return None


def keyboard_walk(pyatspi, app, start, wanted):
    """Tab from @start round to @start again; @wanted: names on the way."""
    problems = []
    advanced = find_one(pyatspi, app, pyatspi.ROLE_TOGGLE_BUTTON, "Advanced", "Advanced expander")
    if not advanced.getState().contains(pyatspi.STATE_EXPANDED):
        advanced.queryAction().doAction(0)
        wait_for("Advanced to open",
                 lambda: advanced.getState().contains(pyatspi.STATE_EXPANDED), 10)
    # the focusable objects that are on screen now (the popover menu's
    # buttons are not): one of them holds the focus after each Tab
    candidates = []
    for obj, _ in walk(app):
        states = obj.getState()
        if states.contains(pyatspi.STATE_FOCUSABLE) and states.contains(pyatspi.STATE_SHOWING):
            candidates.append(obj)
    log(f"{len(candidates)} focusable objects on screen")

    # focus @start (this also gives the window the X input focus, where the
    # synthesized keys go), then Tab round until it has the focus again
    start.queryComponent().grabFocus()
    wait_for(f"{describe(pyatspi, start)} to take the focus",
             lambda: start.getState().contains(pyatspi.STATE_FOCUSED), 10)
    stops = []
    previous = start
    for _ in range(60):
        pyatspi.Registry.generateKeyboardEvent(0xFF09, None, pyatspi.KEY_SYM)  # Tab

        def moved():
            now = focused_object(pyatspi, candidates)
            return now if now is not None and now != previous else None

        now = wait_for("the focus to move on Tab", moved, 10, 0.05)
        previous = now
        if now == start:
            break
        stops.append(now)
    else:
        problems.append(f"60 presses of Tab never came back to {describe(pyatspi, start)}")
    log(f"Tab stops from {describe(pyatspi, start)} round to it:")
    for i, obj in enumerate(stops):
        log(f"  {i + 1:2}. {describe(pyatspi, obj)}")
    for obj in stops:
        if obj.getRole() == pyatspi.ROLE_LABEL:
            problems.append(f"Tab stops on a label: \"{obj.name}\"")
        if not (obj.name or "").strip():
            problems.append(f"a Tab stop has no name: {describe(pyatspi, obj)}")
    if len(stops) < 5:
        problems.append(f"only {len(stops)} Tab stops besides the first")
    names = {obj.name for obj in stops + [start]}
    for name in wanted:
        if name not in names:
            problems.append(f"Tab never reaches \"{name}\"")
    return problems


def run(pyatspi, otaflash, emu, mkufw, tmp, procs):
    launcher = next((p for p in LAUNCHERS if os.access(p, os.X_OK)),
                    shutil.which("at-spi-bus-launcher"))
    if launcher is None:
        fail("at-spi-bus-launcher not found: install at-spi2-core (scripts/deps.sh)")
    # this session's accessibility bus (the session bus is dbus-run-session's,
    # private to this test; GTK would also autostart it through org.a11y.Bus)
    procs.start("the AT-SPI bus launcher", [launcher, "--launch-immediately"])

    ufw = os.path.join(tmp, "firmware-1.0.2.ufw")
    subprocess.run([mkufw, "--version", "1.0.2", ufw], check=True)
    ports = start_emulator(procs, emu, tmp)
    window = start_window(procs, otaflash, tmp, ports, ufw)

    app = find_app(pyatspi, window, procs)
    log(f"found the application \"{app.name}\" (pid {window.pid})")
    flash = wait_for("the Flash button in the tree",
                     lambda: next((o for o, _ in walk(app)
                                   if o.getRole() == pyatspi.ROLE_PUSH_BUTTON
                                   and o.name == "Flash"), None), 30)

    def flash_enabled():
        procs.check_alive("the window", window)
        return flash.getState().contains(pyatspi.STATE_ENABLED)

    wait_for("Flash to be enabled (device connected, file valid)", flash_enabled, 60, 0.3)
    log("Flash is enabled: the device is connected and the file valid")

    ports_wanted = ("Device address", "Control port (CTP)", "Description port (HTTP)",
                    "Upgrade data port (OTA)", "Advanced")
    log("== ready: the accessible tree ==")
    problems = check_tree(pyatspi, app)
    log("== ready: the keyboard ==")
    problems += keyboard_walk(pyatspi, app, flash, ports_wanted + ("Flash",))

    # once more with the result banner up: a whole flash against the emulator
    log("== flashing (Flash pressed through its AT-SPI action) ==")
    flash.queryAction().doAction(0)
    dismiss = wait_for("the result banner's close button",
                       lambda: next((o for o, _ in walk(app)
                                     if o.getRole() == pyatspi.ROLE_PUSH_BUTTON
                                     and o.name == "Dismiss the result"
                                     and o.getState().contains(pyatspi.STATE_SHOWING)), None),
                       120, 0.5)
    procs.check_alive("the window", window)
    log("== result: the accessible tree ==")
    problems += check_tree(pyatspi, app)
    log("== result: the keyboard ==")
    advanced = find_one(pyatspi, app, pyatspi.ROLE_TOGGLE_BUTTON, "Advanced", "Advanced expander")
    problems += keyboard_walk(pyatspi, app, advanced, ports_wanted + (dismiss.name,))
    procs.check_alive("the window", window)
    return problems


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    otaflash, emu, mkufw = sys.argv[1:]
    pyatspi = import_pyatspi()
    if not os.environ.get("DISPLAY"):
        print("atspi-walk: FAILED: no $DISPLAY (run through tests/a11y/run-atspi-walk.sh)",
              file=sys.stderr)
        return 1
    procs = Processes()
    tmp = tempfile.mkdtemp(prefix="otaflash-atspi-")
    try:
        problems = run(pyatspi, otaflash, emu, mkufw, tmp, procs)
    except Failure as error:
        problems = [str(error)]
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    if problems:
        for problem in problems:
            print(f"atspi-walk: FAILED: {problem}", file=sys.stderr)
        return 1
    log("atspi-walk: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
