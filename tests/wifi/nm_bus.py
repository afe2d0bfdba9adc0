# SPDX-License-Identifier: LGPL-2.1-or-later
'''A private system bus with python-dbusmock's NetworkManager on it — never
the machine's. Used by nm-mock.py (the C tests' launcher) and harness.py.

The bus is a new dbus-daemon listening on a socket in a directory the caller
owns; everything here talks to that address only, and the mock is started
with DBUS_SYSTEM_BUS_ADDRESS set to it. Nothing is ever activated on the bus
(no service directories).
'''

import os
import signal
import subprocess
import sys
import time

import dbus
import dbus.bus

HERE = os.path.dirname(os.path.abspath(__file__))
NM_NAME = 'org.freedesktop.NetworkManager'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'
MAIN_OBJ = '/org/freedesktop'

BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
'''


class BusError(Exception):
    pass


class PrivateBus:
    '''dbus-daemon on DIR/system_bus_socket; NetworkManager's mock on demand.'''

    def __init__(self, directory, mainloop=None):
        self.dir = os.path.abspath(directory)
        self.socket = os.path.join(self.dir, 'system_bus_socket')
        self.address = 'unix:path=' + self.socket
        config = os.path.join(self.dir, 'system-bus.conf')
        with open(config, 'w', encoding='UTF-8') as f:
            f.write(BUS_CONFIG.format(socket=self.socket))
        # pylint: disable=consider-using-with
        self.daemon = subprocess.Popen(
            ['dbus-daemon', '--nofork', '--nopidfile', '--config-file=' + config,
             '--print-address=1'], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
            universal_newlines=True)
        printed = self.daemon.stdout.readline().strip()
        # the one rule: this is our socket, or we stop here
        if not printed.startswith(self.address):
            self.close()
            raise BusError(f'dbus-daemon listens on {printed!r}, not {self.address}')
        self.conn = dbus.bus.BusConnection(self.address, mainloop=mainloop)
        self.mock = None
        self.log = None
        self.starts = 0

    def start_nm(self, parameters=''):
        '''Starts the networkmanager template plus nm_gaps.py; returns the log.'''
        if self.mock is not None:
            raise BusError('NetworkManager mock already running')
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
                raise BusError(f'the NetworkManager mock exited with {self.mock.returncode}')
            if time.monotonic() > deadline:
                raise BusError('the NetworkManager mock did not claim its name in 30 s')
            time.sleep(0.02)
        self.main().AddTemplate(os.path.join(HERE, 'nm_gaps.py'),
                                dbus.Dictionary({}, signature='sv'), dbus_interface=MOCK_IFACE)
        return self.log

    def main(self):
        '''The mock's main object (the template's Mock methods).'''
        return self.conn.get_object(NM_NAME, MAIN_OBJ)

    def mock_call(self, method, *args):
        return getattr(self.main(), method)(*args, dbus_interface=MOCK_IFACE)

    def stop_nm(self):
        if self.mock is not None:
            self.mock.terminate()
            self.mock.wait()
            self.mock = None
        deadline = time.monotonic() + 10
        while self.conn.name_has_owner(NM_NAME) and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self):
        if self.mock is not None:
            self.mock.terminate()
            self.mock.wait()
            self.mock = None
        self.daemon.send_signal(signal.SIGTERM)
        self.daemon.wait()
