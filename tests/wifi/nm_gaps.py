# SPDX-License-Identifier: LGPL-2.1-or-later
'''otaflash's additions to python-dbusmock's "networkmanager" template.

Loaded into a running mock with the mock's own AddTemplate method (see
nm-mock.py), on top of the upstream template, never instead of it. Each
addition fills a gap between the template (python-dbusmock 0.28) and what
libnm 1.42 and otaflash's Wi-Fi layer use of NetworkManager:

- Manager.AddAndActivateConnection2 (libnm's call for an unsaved, "volatile"
  profile) is missing: added. It stores the profile exactly as sent (with
  its secrets, so a test can see what was asked), marks it Unsaved, and
  activates it. When a password was set for the SSID (SetAccessPointPassword)
  and the profile's psk differs, the activation fails the way NetworkManager
  fails it: ACTIVATING, then DEACTIVATED with reason NO_SECRETS, and the
  volatile profile is deleted.
- Device.Wireless has no LastScan and RequestScan does nothing: PatchWiFiDevice
  adds LastScan and makes RequestScan finish a scan at once (LastScan moves).
- Active connections have no Ip4Config: SetActiveGateway adds one.
- DropActiveConnection: what NetworkManager does when the access point goes
  away under an active connection (the device kicks its stations before it
  restarts): the active connection goes, and a volatile profile with it.
'''

import time

import dbus
import dbusmock
from dbusmock import MOCK_IFACE
from gi.repository import GLib

MANAGER_OBJ = '/org/freedesktop/NetworkManager'
MANAGER_IFACE = 'org.freedesktop.NetworkManager'
DEVICE_IFACE = 'org.freedesktop.NetworkManager.Device'
WIRELESS_DEVICE_IFACE = 'org.freedesktop.NetworkManager.Device.Wireless'
ACTIVE_IFACE = 'org.freedesktop.NetworkManager.Connection.Active'
CSETTINGS_IFACE = 'org.freedesktop.NetworkManager.Settings.Connection'
IP4_IFACE = 'org.freedesktop.NetworkManager.IP4Config'

AC_STATE_ACTIVATING = 1
AC_STATE_ACTIVATED = 2
AC_STATE_DEACTIVATED = 4
AC_REASON_NO_SECRETS = 9
AC_REASON_CONNECTION_REMOVED = 11

# the main mock object ('/org/freedesktop'): holds the template's methods
MAIN = {}


def _main():
    return MAIN['obj']


def _free_active_name():
    active = dbusmock.get_object(MANAGER_OBJ).Get(MANAGER_IFACE, 'ActiveConnections')
    count = 0
    while dbus.ObjectPath(f'{MANAGER_OBJ}/ActiveConnection/{count}') in active:
        count += 1
    return str(count)


def _is_volatile(conn_path):
    return bool(dbusmock.get_object(conn_path).Get(CSETTINGS_IFACE, 'Unsaved'))


def _deactivate(dev_path, ac_path, reason):
    '''DEACTIVATED with @reason, then gone (as NetworkManager does).'''
    main = _main()
    ac = dbusmock.get_object(ac_path)
    conn_path = str(ac.Get(ACTIVE_IFACE, 'Connection'))
    ac.Set(ACTIVE_IFACE, 'State', dbus.UInt32(AC_STATE_DEACTIVATED))
    ac.EmitSignal(ACTIVE_IFACE, 'StateChanged', 'uu',
                  [dbus.UInt32(AC_STATE_DEACTIVATED), dbus.UInt32(reason)])
    main.RemoveActiveConnection(dev_path, ac_path)
    if conn_path in dbusmock.get_object(MANAGER_OBJ + '/Settings').ListConnections() \
            and _is_volatile(conn_path):
        conn = dbusmock.get_object(conn_path)
        conn.ConnectionDelete(conn)


def add_and_activate2(nm, settings, dev_path, ap_path, options):
    main = _main()
    persist = str(options.get('persist', 'disk'))
    conn_path = main.SettingsAddConnection(settings)
    conn = dbusmock.get_object(conn_path)
    conn.Set(CSETTINGS_IFACE, 'Unsaved', dbus.Boolean(persist != 'disk'))

    ssid = bytes(settings['802-11-wireless']['ssid']).decode('UTF-8', 'replace')
    expected = main.ota_passwords.get(ssid)
    given = settings.get('802-11-wireless-security', {}).get('psk')
    good = expected is None or (given is not None and str(given) == expected)

    ac_path = main.AddActiveConnection(
        [dev_path], conn_path, ap_path if str(ap_path) != '/' else '/', _free_active_name(),
        dbus.UInt32(AC_STATE_ACTIVATED if good else AC_STATE_ACTIVATING))
    if not good:
        # the supplicant gives up a moment later, after the reply
        def fail():
            _deactivate(dev_path, ac_path, AC_REASON_NO_SECRETS)
            return GLib.SOURCE_REMOVE
        GLib.timeout_add(20, fail)
    return (dbus.ObjectPath(conn_path), dbus.ObjectPath(ac_path),
            dbus.Dictionary({}, signature='sv'))


def load(mock, _parameters):
    MAIN['obj'] = mock
    mock.ota_passwords = {}
    nm = dbusmock.get_object(MANAGER_OBJ)
    nm.AddMethod(MANAGER_IFACE, 'AddAndActivateConnection2', 'a{sa{sv}}ooa{sv}', 'ooa{sv}',
                 add_and_activate2)


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetAccessPointPassword(self, ssid, password):
    '''Joining @ssid succeeds only with @password from now on.'''
    self.ota_passwords[str(ssid)] = str(password)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def PatchWiFiDevice(self, dev_path):
    '''Adds LastScan; RequestScan then completes a scan at once.'''
    dev = dbusmock.get_object(dev_path)
    dev.AddProperty(WIRELESS_DEVICE_IFACE, 'LastScan', dbus.Int64(-1))

    def request_scan(obj, _options):
        now = int(time.clock_gettime(time.CLOCK_BOOTTIME) * 1000)
        last = int(obj.Get(WIRELESS_DEVICE_IFACE, 'LastScan'))
        obj.Set(WIRELESS_DEVICE_IFACE, 'LastScan', dbus.Int64(max(now, last + 1)))

    dev.AddMethod(WIRELESS_DEVICE_IFACE, 'RequestScan', 'a{sv}', '', request_scan)


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetActiveGateway(self, dev_path, gateway):
    '''Gives the device's active connection an IPv4 configuration.'''
    dev = dbusmock.get_object(dev_path)
    ac_path = str(dev.Get(DEVICE_IFACE, 'ActiveConnection'))
    ip4_path = MANAGER_OBJ + '/IP4Config/' + ac_path.rsplit('/', 1)[1]
    if ip4_path not in dbusmock.mockobject.objects:
        self.AddObject(ip4_path, IP4_IFACE, {
            'Gateway': dbus.String(gateway),
            'AddressData': dbus.Array([], signature='a{sv}'),
            'RouteData': dbus.Array([], signature='a{sv}'),
            'NameserverData': dbus.Array([], signature='a{sv}'),
            'Domains': dbus.Array([], signature='s'),
            'Searches': dbus.Array([], signature='s'),
            'DnsOptions': dbus.Array([], signature='s'),
            'DnsPriority': dbus.Int32(0),
            'WinsServerData': dbus.Array([], signature='s'),
        }, [])
        self.object_manager_emit_added(ip4_path)
    ac = dbusmock.get_object(ac_path)
    ac.props[ACTIVE_IFACE]['Ip4Config'] = dbus.ObjectPath('/')
    ac.Set(ACTIVE_IFACE, 'Ip4Config', dbus.ObjectPath(ip4_path))
    dev.props[DEVICE_IFACE]['Ip4Config'] = dbus.ObjectPath('/')
    dev.Set(DEVICE_IFACE, 'Ip4Config', dbus.ObjectPath(ip4_path))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def DropActiveConnection(self, dev_path):
    '''The access point kicked the PC off: the device's active connection
    goes (and a volatile profile with it).'''
    dev = dbusmock.get_object(dev_path)
    ac_path = str(dev.Get(DEVICE_IFACE, 'ActiveConnection'))
    if ac_path != '/':
        _deactivate(dev_path, ac_path, AC_REASON_CONNECTION_REMOVED)
