#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''A stand-in for otaflash-emu's Wi-Fi model, for harness.py --self-test
only: the READY line with ssid=, the "wifi" up/down events, --control-stdin
and --wifi-gate — no device behind them. It boots with the product's network,
and at the first "joined" restarts once into the updater's open
WIFI_OTA_XXXXXX; prints "GOT <command>" for each command it reads.'''

import json
import sys


def main():
    args = sys.argv[1:]
    events_path = args[args.index('--events') + 1]
    assert '--control-stdin' in args and '--wifi-gate' in args
    with open(events_path, 'w', encoding='UTF-8') as events:
        def emit(**event):
            events.write(json.dumps(event) + '\n')
            events.flush()

        print('READY ctp=1 http=2 ota=3 ssid=wifi_camera_wl8x_TEST', flush=True)
        emit(event='wifi', state='up', ssid='wifi_camera_wl8x_TEST', open=False)
        rebooted = False
        for line in sys.stdin:
            command = line.strip()
            print('GOT ' + command, flush=True)
            if command == 'quit':
                break
            if command == 'joined' and not rebooted:
                rebooted = True
                emit(event='wifi', state='down', ssid='wifi_camera_wl8x_TEST')
                emit(event='wifi', state='up', ssid='WIFI_OTA_XXXXXX', open=True)


if __name__ == '__main__':
    main()
