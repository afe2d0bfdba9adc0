/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One TCP port of the emulated device. The socket stays bound for the whole
 * run, listening or not: while it does not listen, connections are refused
 * (as on the real device: 3335 before NET_OTA_SINGLE, every port during a
 * reboot), and the port number cannot be taken by anyone else, so it stays
 * the same across emulated reboots even when it was chosen by the system. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _EmuPort EmuPort;

/* Binds @host:@port (0: a free port) without listening. */
EmuPort *emu_port_new (const gchar *name, const gchar *host, guint16 port, GError **error);
void emu_port_free (EmuPort *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuPort, emu_port_free)

guint16 emu_port_get_port (EmuPort *self);
gboolean emu_port_is_listening (EmuPort *self);

/* Starts accepting connections (no-op if it already does). */
gboolean emu_port_listen (EmuPort *self, GError **error);
/* Stops accepting: pending and new connections are refused. The port stays
 * reserved. Call only when no thread is in emu_port_accept(). */
void emu_port_unlisten (EmuPort *self);

/* Waits for a connection. NULL with an error when @cancellable fires or the
 * port does not listen. */
GSocket *emu_port_accept (EmuPort *self, GCancellable *cancellable, GError **error);
/* The same, giving up at @deadline_us (monotonic) with G_IO_ERROR_TIMED_OUT. */
GSocket *emu_port_accept_until (EmuPort *self, gint64 deadline_us, GCancellable *cancellable,
                                GError **error);

G_END_DECLS
