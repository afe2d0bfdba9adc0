#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The Wi-Fi tests' launcher (tests/wifi/wifi-test-bus.c): a private system
bus with python-dbusmock's NetworkManager on it, never the machine's (see
nm_bus.py).

    nm-mock.py DIR

DIR is an empty directory the caller created; the bus listens on
DIR/system_bus_socket. Prints "BUS <address>" once the bus runs, then reads
commands on stdin:

    start [JSON]   start the "networkmanager" template (JSON: its parameters)
                   plus otaflash's additions (nm_gaps.py); answers
                   "STARTED <log file>" (the mock logs every call there)
    stop           stop it (NetworkManager gone from the bus); "STOPPED"

and on end of input stops everything. Errors: "ERROR <message>", exit 1.
'''

import json
import os
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nm_bus  # noqa: E402 pylint: disable=wrong-import-position


def fail(message):
    print('ERROR ' + message, flush=True)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        fail('usage: nm-mock.py DIR')
    directory = sys.argv[1]
    if not os.path.isdir(directory) or os.listdir(directory):
        fail(f'{directory} is not an empty directory')
    try:
        bus = nm_bus.PrivateBus(directory)
    except nm_bus.BusError as e:
        fail(str(e))
    print('BUS ' + bus.address, flush=True)
    try:
        for line in sys.stdin:
            words = line.strip().split(' ', 1)
            if words[0] == 'start':
                parameters = words[1] if len(words) > 1 else ''
                if parameters:
                    json.loads(parameters)  # fail here, not in the mock
                print('STARTED ' + bus.start_nm(parameters), flush=True)
            elif words[0] == 'stop':
                bus.stop_nm()
                print('STOPPED', flush=True)
            elif words[0]:
                fail('unknown command ' + words[0])
    except nm_bus.BusError as e:
        fail(str(e))
    finally:
        bus.close()


if __name__ == '__main__':
    main()
