/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A private system bus for the Wi-Fi tests, with python-dbusmock's
 * NetworkManager started and stopped on it on demand (nm-mock.py). The one
 * rule: no test talks to the machine's real system bus. wifi_test_bus_start()
 * points DBUS_SYSTEM_BUS_ADDRESS at the private bus before anything opens a
 * system bus connection, and wifi_test_bus_check() aborts the test program
 * unless the process's system bus is that bus. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _WifiTestBus WifiTestBus;

/* Starts the bus (or, in a g_test_trap_subprocess() child, finds the
 * parent's) and points DBUS_SYSTEM_BUS_ADDRESS at it. Aborts on failure. */
WifiTestBus *wifi_test_bus_start (void);
void wifi_test_bus_free (WifiTestBus *bus);
/* Aborts unless the system bus of this process is the private bus. */
void wifi_test_bus_check (WifiTestBus *bus);
const gchar *wifi_test_bus_get_address (WifiTestBus *bus);
/* A connection of the test itself to the private bus. */
GDBusConnection *wifi_test_bus_get_connection (WifiTestBus *bus);

/* Starts NetworkManager's mock (@parameters: JSON for the template, or
 * NULL); stops it. */
void wifi_test_bus_start_nm (WifiTestBus *bus, const gchar *parameters);
void wifi_test_bus_stop_nm (WifiTestBus *bus);
/* The mock's log of every call it received so far. */
gchar *wifi_test_bus_read_log (WifiTestBus *bus);

/* Calls a method of the mock's org.freedesktop.DBus.Mock interface (the
 * template's and nm_gaps.py's). */
GVariant *wifi_test_mock_call (WifiTestBus *bus, const gchar *method, GVariant *args,
                               const gchar *reply_type);
/* Any call to the mock's NetworkManager. */
GVariant *wifi_test_nm_call (WifiTestBus *bus, const gchar *path, const gchar *iface,
                             const gchar *method, GVariant *args, const gchar *reply_type);
/* A property of a NetworkManager object. */
GVariant *wifi_test_nm_get (WifiTestBus *bus, const gchar *path, const gchar *iface,
                            const gchar *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WifiTestBus, wifi_test_bus_free)

G_END_DECLS
