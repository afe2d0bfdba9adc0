#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''A private system bus with python-dbusmock's NetworkManager on it, for the
Wi-Fi tests. Never the machine's: the bus is a new dbus-daemon listening on a
socket in DIR (a directory the caller created), and everything here talks to
that address only.

    nm-mock.py DIR

prints "BUS <address>" once the bus runs, then reads commands on stdin:

    start [JSON]   start the "networkmanager" template (JSON: its parameters)
                   plus otaflash's additions (nm_gaps.py); answers
                   "STARTED <log file>" (the mock logs every call there)
    stop           stop it (NetworkManager gone from the bus); "STOPPED"

and on end of input stops everything. Errors: "ERROR <message>", exit 1.
'''

import json
import os
import signal
import subprocess
import sys
import time

import dbus

HERE = os.path.dirname(os.path.abspath(__file__))
NM_NAME = 'org.freedesktop.NetworkManager'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <!-- no service directories: nothing is ever activated on this bus -->
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
'''


def fail(message):
    print('ERROR ' + message, flush=True)
    sys.exit(1)


class PrivateBus:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        if not os.path.isdir(self.dir) or os.listdir(self.dir):
            fail(f'{self.dir} is not an empty directory')
        self.socket = os.path.join(self.dir, 'system_bus_socket')
        config = os.path.join(self.dir, 'system-bus.conf')
        with open(config, 'w', encoding='UTF-8') as f:
            f.write(BUS_CONFIG.format(socket=self.socket))
        # pylint: disable=consider-using-with
        self.daemon = subprocess.Popen(
            ['dbus-daemon', '--nofork', '--nopidfile', '--config-file=' + config,
             '--print-address=1'], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
            universal_newlines=True)
        self.address = self.daemon.stdout.readline().strip()
        # the one rule: this is our socket, or we stop here
        if not self.address.startswith('unix:path=' + self.socket):
            self.close()
            fail(f'dbus-daemon listens on {self.address!r}, not in {self.dir}')
        self.conn = dbus.bus.BusConnection(self.address)
        self.mock = None
        self.log = None
        self.starts = 0

    def start_nm(self, parameters):
        if self.mock is not None:
            fail('NetworkManager mock already running')
        self.starts += 1
        self.log = os.path.join(self.dir, f'nm-mock-{self.starts}.log')
        env = dict(os.environ)
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        argv = [sys.executable, '-m', 'dbusmock', '--system', '--template', 'networkmanager',
                '--logfile', self.log]
        if parameters:
            argv += ['--parameters', parameters]
        # pylint: disable=consider-using-with
        self.mock = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not self.conn.name_has_owner(NM_NAME):
            if self.mock.poll() is not None:
                fail(f'the NetworkManager mock exited with {self.mock.returncode}')
            if time.monotonic() > deadline:
                fail('the NetworkManager mock did not claim its name in 30 s')
            time.sleep(0.02)
        main = self.conn.get_object(NM_NAME, '/org/freedesktop')
        main.AddTemplate(os.path.join(HERE, 'nm_gaps.py'), dbus.Dictionary({}, signature='sv'),
                         dbus_interface=MOCK_IFACE)
        print('STARTED ' + self.log, flush=True)

    def stop_nm(self):
        if self.mock is not None:
            self.mock.terminate()
            self.mock.wait()
            self.mock = None
        deadline = time.monotonic() + 10
        while self.conn.name_has_owner(NM_NAME) and time.monotonic() < deadline:
            time.sleep(0.02)
        print('STOPPED', flush=True)

    def close(self):
        if self.mock is not None:
            self.mock.terminate()
            self.mock.wait()
        self.daemon.send_signal(signal.SIGTERM)
        self.daemon.wait()


def main():
    if len(sys.argv) != 2:
        fail('usage: nm-mock.py DIR')
    bus = PrivateBus(sys.argv[1])
    print('BUS ' + bus.address, flush=True)
    try:
        for line in sys.stdin:
            words = line.strip().split(' ', 1)
            if words[0] == 'start':
                parameters = words[1] if len(words) > 1 else ''
                if parameters:
                    json.loads(parameters)  # fail here, not in the mock
                bus.start_nm(parameters)
            elif words[0] == 'stop':
                bus.stop_nm()
            elif words[0]:
                fail('unknown command ' + words[0])
    finally:
        bus.close()


if __name__ == '__main__':
    main()
