#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The end-to-end Wi-Fi harness: couples the emulator's access point to
python-dbusmock's NetworkManager on a private system bus, so that a flash
which forgets to rejoin the device's network fails instead of passing by
loopback luck. Never the machine's bus or network (see nm_bus.py); the
device address stays 127.0.0.1.

    harness.py [--emu PATH] [--password PW] [-- EMULATOR-OPTIONS...]

Starts, in a new temporary directory:

1. a private system bus with NetworkManager's mock (plus nm_gaps.py), a
   Wi-Fi device wlan0, and the PC's own network "HomeNet": an access point,
   a saved profile and an active connection on it (what restore must bring
   back);
2. otaflash-emu --ctp-port 0 --http-port 0 --ota-port 0 --events FIFO
   --control-stdin --wifi-gate EMULATOR-OPTIONS.

and couples them:

- emulator {"event":"wifi","state":"up","ssid":S,"open":B} → the mock shows an
  access point S (open, or WPA2-PSK that takes only --password, default
  12345678);
- {"event":"wifi","state":"down","ssid":S} → the PC's active connection on S
  is dropped (its volatile profile with it, as NetworkManager does) and the
  access point removed;
- the mock shows the PC's active connection on S → the connection gets the
  IPv4 gateway 127.0.0.1 (so "device address = gateway" is the emulator) and
  "joined" goes to the emulator, which refuses connections until then
  (--wifi-gate); the connection goes away → "left".

Prints on stdout, one line each:

    READY ctp=N http=N ota=N ssid=S bus=ADDRESS log=NM-LOG dir=DIR
    AP-UP S / AP-DOWN S / JOINED S / LEFT S    as they happen
    EVENT {json}                               each emulator event
    SUMMARY joins=N home-active=BOOL temporary-profiles=N emu-exit=N

The test runs otaflash with DBUS_SYSTEM_BUS_ADDRESS=ADDRESS
OTA_WIFI_BACKEND=nm --host 127.0.0.1 and the ports, then writes "quit" (or
closes stdin): the harness stops the emulator, prints SUMMARY and exits. The
mock's log (NM-LOG) has every call otaflash made (AddAndActivateConnection2:
one join each).

Status: written before the emulator's Wi-Fi model was merged (READY's
ssid=, the wifi events, --control-stdin, --wifi-gate); "--self-test" runs the
coupling against a stand-in emulator (fake-emu below) instead.
'''

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# pylint: disable=wrong-import-position
import dbus  # noqa: E402
from dbus.mainloop.glib import DBusGMainLoop  # noqa: E402
from gi.repository import GLib  # noqa: E402

import nm_bus  # noqa: E402

NM_NAME = nm_bus.NM_NAME
DEVICE_IFACE = 'org.freedesktop.NetworkManager.Device'
ACTIVE_IFACE = 'org.freedesktop.NetworkManager.Connection.Active'
CONN_IFACE = 'org.freedesktop.NetworkManager.Settings.Connection'
SETTINGS_IFACE = 'org.freedesktop.NetworkManager.Settings'
SETTINGS_OBJ = '/org/freedesktop/NetworkManager/Settings'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
DEV_STATE_DISCONNECTED = 30
SEC_NONE = 0
SEC_PSK = 0x100
READY_TIMEOUT_S = 20


def say(line):
    # the test that reads us may be gone (it failed): carry on to a clean stop
    try:
        print(line, flush=True)
    except (BrokenPipeError, ValueError):
        pass


class Harness:
    # pylint: disable=too-many-instance-attributes
    def __init__(self, emu_argv, password):
        self.password = password
        self.dir = tempfile.mkdtemp(prefix='otaflash-wifi-harness-')
        self.loop = GLib.MainLoop()
        self.bus = nm_bus.PrivateBus(self.dir, mainloop=DBusGMainLoop())
        self.log = self.bus.start_nm()
        self.emu = None
        self.emu_exit = None
        self.ssid = None      # the emulator's network while it is up
        self.ap = None        # its access point in the mock
        self.boots = 0
        self.joined = False   # the SSID "joined" was sent for, this boot
        self._set_up_pc()
        self._start_emulator(emu_argv)

    # --- the PC: a Wi-Fi device on its own network ---------------------------

    def _set_up_pc(self):
        call = self.bus.mock_call
        self.dev = str(call('AddWiFiDevice', 'wlan0', 'wlan0', DEV_STATE_DISCONNECTED))
        call('PatchWiFiDevice', self.dev)
        home_ap = call('AddAccessPoint', self.dev, 'home', 'HomeNet', '02:11:22:33:44:55',
                       dbus.UInt32(2), dbus.UInt32(2437), dbus.UInt32(54000), dbus.Byte(90),
                       dbus.UInt32(SEC_PSK))
        self.home = str(call('AddWiFiConnection', self.dev, 'home', 'HomeNet', 'wpa-psk'))
        call('AddActiveConnection', [self.dev], self.home, home_ap, 'home', dbus.UInt32(2))
        self.bus.conn.add_signal_receiver(self._device_changed, signal_name='PropertiesChanged',
                                          dbus_interface=PROPS_IFACE, path=self.dev,
                                          bus_name=NM_NAME)

    def _get(self, path, iface, name):
        return self.bus.conn.get_object(NM_NAME, path).Get(iface, name, dbus_interface=PROPS_IFACE)

    def _active_profile(self):
        ac = str(self._get(self.dev, DEVICE_IFACE, 'ActiveConnection'))
        return '/' if ac == '/' else str(self._get(ac, ACTIVE_IFACE, 'Connection'))

    def _active_ssid(self):
        profile = self._active_profile()
        if profile == '/':
            return None
        try:
            settings = self.bus.conn.get_object(NM_NAME, profile).GetSettings(
                dbus_interface=CONN_IFACE)
        except dbus.exceptions.DBusException:
            # the profile went away under us (a temporary one being removed)
            return None
        return bytes(settings['802-11-wireless']['ssid']).decode('UTF-8', 'replace')

    def _device_changed(self, iface, changed, _invalidated):
        if iface == DEVICE_IFACE and 'ActiveConnection' in changed:
            self._check_joined()

    def _check_joined(self):
        on_device = self.ssid is not None and self._active_ssid() == self.ssid
        if on_device and not self.joined:
            self.bus.mock_call('SetActiveGateway', self.dev, '127.0.0.1')
            self.joined = self.ssid
            say('JOINED ' + self.ssid)
            self._tell_emulator('joined')
        elif not on_device and self.joined:
            say('LEFT ' + self.joined)
            self.joined = False
            self._tell_emulator('left')

    # --- the emulator --------------------------------------------------------

    def _start_emulator(self, emu_argv):
        fifo = os.path.join(self.dir, 'events')
        os.mkfifo(fifo)
        # our own reader first (the emulator's fopen blocks until there is
        # one), and a writer of our own so that the pipe never reports hang-up
        # before the emulator opens it
        self.events_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.events_keep = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        self.events_buf = b''
        argv = emu_argv + ['--ctp-port', '0', '--http-port', '0', '--ota-port', '0',
                           '--events', fifo, '--control-stdin', '--wifi-gate']
        # pylint: disable=consider-using-with
        self.emu = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    universal_newlines=True, bufsize=1)
        GLib.io_add_watch(self.events_fd, GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP,
                          self._events_ready)
        self.ready = self._read_ready()

    def _read_ready(self):
        fd = self.emu.stdout.fileno()
        while True:
            readable, _, _ = select.select([fd], [], [], READY_TIMEOUT_S)
            if not readable:
                raise RuntimeError(f'no READY line from the emulator in {READY_TIMEOUT_S} s')
            line = self.emu.stdout.readline()
            if not line:
                raise RuntimeError('the emulator exited before READY')
            if line.startswith('READY '):
                fields = dict(w.split('=', 1) for w in line.split()[1:] if '=' in w)
                if 'ssid' not in fields:
                    raise RuntimeError('the emulator\'s READY line has no ssid=: ' + line.strip())
                return fields

    def _tell_emulator(self, command):
        if self.emu is not None and self.emu.poll() is None:
            try:
                self.emu.stdin.write(command + '\n')
                self.emu.stdin.flush()
            except BrokenPipeError:
                pass

    def _events_ready(self, fd, _condition):
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        self.events_buf += chunk
        while b'\n' in self.events_buf:
            line, self.events_buf = self.events_buf.split(b'\n', 1)
            if line.strip():
                self._event(json.loads(line))
        return True

    def _event(self, event):
        say('EVENT ' + json.dumps(event, separators=(',', ':')))
        if event.get('event') != 'wifi':
            return
        call = self.bus.mock_call
        if event.get('state') == 'up':
            self.boots += 1
            self.ssid = event['ssid']
            bssid = f'02:0E:4D:00:00:{self.boots:02X}'
            is_open = bool(event.get('open'))
            self.ap = str(call('AddAccessPoint', self.dev, f'emu{self.boots}', self.ssid, bssid,
                               dbus.UInt32(2), dbus.UInt32(2437), dbus.UInt32(54000),
                               dbus.Byte(70), dbus.UInt32(SEC_NONE if is_open else SEC_PSK)))
            if not is_open:
                call('SetAccessPointPassword', self.ssid, self.password)
            say('AP-UP ' + self.ssid)
        elif event.get('state') == 'down':
            # the device kicks every station before it restarts
            if self._active_ssid() == event['ssid']:
                call('DropActiveConnection', self.dev)
            if self.ap is not None:
                call('RemoveAccessPoint', self.dev, self.ap)
            say('AP-DOWN ' + event['ssid'])
            self.ssid = None
            self.ap = None
            self._check_joined()

    # --- the test's side -----------------------------------------------------

    def run(self):
        say('READY ctp={ctp} http={http} ota={ota} ssid={ssid}'.format(**self.ready) +
            f' bus={self.bus.address} log={self.log} dir={self.dir}')
        GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP,
                          self._stdin_ready)
        GLib.io_add_watch(self.emu.stdout.fileno(), GLib.PRIORITY_DEFAULT,
                          GLib.IO_IN | GLib.IO_HUP, self._emu_stdout_ready)
        self.loop.run()

    def _emu_stdout_ready(self, _fd, _condition):
        line = self.emu.stdout.readline()
        if not line:
            return False
        say('EMU ' + line.rstrip('\n'))
        return True

    def _stdin_ready(self, _fd, _condition):
        line = sys.stdin.readline()
        if line and line.strip() != 'quit':
            return True
        self.finish()
        return False

    def finish(self):
        try:
            self._finish()
        finally:
            self.loop.quit()

    def _finish(self):
        self._tell_emulator('quit')
        try:
            self.emu_exit = self.emu.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.emu.terminate()
            self.emu_exit = self.emu.wait()
        # what was left in the pipe
        self._events_ready(self.events_fd, None)
        with open(self.log, encoding='UTF-8', errors='replace') as f:
            joins = f.read().count('AddAndActivateConnection2')
        settings = self.bus.conn.get_object(NM_NAME, SETTINGS_OBJ)
        temporary = sum(1 for c in settings.ListConnections(dbus_interface=SETTINGS_IFACE)
                        if self._get(c, CONN_IFACE, 'Unsaved'))
        home_active = self._active_profile() == self.home
        say(f'SUMMARY joins={joins} home-active={str(home_active).lower()} '
            f'temporary-profiles={temporary} emu-exit={self.emu_exit}')

    def close(self):
        if self.emu is not None and self.emu.poll() is None:
            self.emu.terminate()
            self.emu.wait()
        os.close(self.events_fd)
        os.close(self.events_keep)
        self.bus.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--emu', default=os.environ.get('OTA_TEST_EMU', 'otaflash-emu'))
    parser.add_argument('--password', default='12345678')
    parser.add_argument('emu_options', nargs='*')
    args = parser.parse_args()
    harness = Harness([args.emu] + args.emu_options, args.password)
    try:
        harness.run()
    finally:
        harness.close()


if __name__ == '__main__':
    main()
