#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Checks harness.py's coupling against fake-emu.py, playing the PC the way
otaflash's NetworkManager backend does (AddAndActivateConnection2 with a
volatile profile, then delete it and re-activate the PC's own profile).
Private bus only (harness.py starts it). Exit 0 when it holds.

    harness-selftest.py
'''

import os
import subprocess
import sys
import uuid

# pylint: disable=wrong-import-position
import dbus
import dbus.bus

HERE = os.path.dirname(os.path.abspath(__file__))
NM_NAME = 'org.freedesktop.NetworkManager'
NM_OBJ = '/org/freedesktop/NetworkManager'
SETTINGS_OBJ = NM_OBJ + '/Settings'


class Run:
    def __init__(self):
        # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, 'harness.py'), '--emu',
             os.path.join(HERE, 'fake-emu.py')],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True, bufsize=1)

    def expect(self, *prefixes):
        """Reads until a line with each prefix was seen, in any order (the
        harness's own lines and the emulator's interleave); returns the
        first's."""
        pending = list(prefixes)
        found = {}
        while pending:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f'harness ended, still expecting {pending}')
            sys.stdout.write('  ' + line)
            for prefix in pending:
                if line.startswith(prefix):
                    found[prefix] = line.strip()
                    pending.remove(prefix)
                    break
        return found[prefixes[0]]


def join(conn, dev, ssid, psk):
    settings = {
        'connection': {'id': 'otaflash temporary ' + ssid, 'uuid': str(uuid.uuid4()),
                       'type': '802-11-wireless', 'autoconnect': False},
        '802-11-wireless': {'ssid': dbus.ByteArray(ssid.encode())},
    }
    if psk is not None:
        settings['802-11-wireless-security'] = {'key-mgmt': 'wpa-psk', 'psk': psk}
    nm = conn.get_object(NM_NAME, NM_OBJ)
    path, _active, _ = nm.AddAndActivateConnection2(
        settings, dbus.ObjectPath(dev), dbus.ObjectPath('/'), {'persist': 'volatile'},
        dbus_interface=NM_NAME)
    return path


def profiles(conn):
    return [str(p) for p in conn.get_object(NM_NAME, SETTINGS_OBJ).ListConnections(
        dbus_interface=NM_NAME + '.Settings')]


def main():
    run = Run()
    ready = run.expect('READY ')
    fields = dict(w.split('=', 1) for w in ready.split()[1:])
    assert fields['ssid'] == 'wifi_camera_wl8x_TEST', ready
    assert fields['bus'].startswith('unix:path=' + fields['dir']), ready
    conn = dbus.bus.BusConnection(fields['bus'])
    dev = NM_OBJ + '/Devices/wlan0'
    home = profiles(conn)
    run.expect('AP-UP wifi_camera_wl8x_TEST')

    join(conn, dev, 'wifi_camera_wl8x_TEST', '12345678')
    # the device restarts into the updater: the PC is dropped with its
    # volatile profile, and the updater's open network comes up
    run.expect('JOINED wifi_camera_wl8x_TEST', 'EMU GOT joined', 'AP-DOWN wifi_camera_wl8x_TEST',
               'LEFT wifi_camera_wl8x_TEST', 'AP-UP WIFI_OTA_XXXXXX')
    assert profiles(conn) == home, profiles(conn)

    temp = join(conn, dev, 'WIFI_OTA_XXXXXX', None)
    run.expect('JOINED WIFI_OTA_XXXXXX', 'EMU GOT joined')

    # restore: the temporary profile goes, the PC's own comes back
    conn.get_object(NM_NAME, temp).Delete(dbus_interface=NM_NAME + '.Settings.Connection')
    run.expect('LEFT WIFI_OTA_XXXXXX')
    conn.get_object(NM_NAME, NM_OBJ).ActivateConnection(
        dbus.ObjectPath(home[0]), dbus.ObjectPath(dev), dbus.ObjectPath('/'),
        dbus_interface=NM_NAME)
    run.proc.stdin.write('quit\n')
    run.proc.stdin.flush()
    summary = run.expect('SUMMARY ')
    assert summary == 'SUMMARY joins=2 home-active=true temporary-profiles=0 emu-exit=0', summary
    assert run.proc.wait(timeout=30) == 0
    print('harness self-test: ok')


if __name__ == '__main__':
    main()
