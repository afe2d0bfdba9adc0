/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Bounded, cancellable socket calls of the emulator. Deadlines are
 * monotonic times in microseconds; -1 means none (the cancellable still
 * ends the wait: a reboot or SIGTERM). */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  EMU_IO_OK,
  EMU_IO_TIMEOUT,
  EMU_IO_EOF,       /* the peer closed (or reset) the connection */
  EMU_IO_CANCELLED, /* reboot, power cycle or shutdown */
} EmuIoResult;

/* Waits for bytes to read until @deadline_us. */
EmuIoResult emu_socket_wait (GSocket *sock, gint64 deadline_us, GCancellable *cancellable);

/* Receives what is there (at most @len bytes), waiting until @deadline_us
 * for the first byte. *@got > 0 on EMU_IO_OK. */
EmuIoResult emu_socket_recv_some (GSocket *sock, guint8 *buf, gsize len, gint64 deadline_us,
                                  GCancellable *cancellable, gsize *got);

/* Receives exactly @len bytes before @deadline_us. */
EmuIoResult emu_socket_recv_exact (GSocket *sock, guint8 *buf, gsize len, gint64 deadline_us,
                                   GCancellable *cancellable);

/* Bytes already waiting, without blocking (0 when none). Reads at most @len.
 * Sets *@eof when the peer closed. */
gsize emu_socket_recv_ready (GSocket *sock, guint8 *buf, gsize len, gboolean *eof);

/* Sends all of @data (one write when the kernel takes it), bounded by 30 s. */
EmuIoResult emu_socket_send_all (GSocket *sock, const void *data, gsize len,
                                 GCancellable *cancellable);

/* Closes with a RST (SO_LINGER 0), as the device does after OK. */
void emu_socket_close_reset (GSocket *sock);
/* Closes normally (FIN). */
void emu_socket_close (GSocket *sock);

/* "127.0.0.1:53210", for the event log. */
gchar *emu_socket_peer (GSocket *sock);

G_END_DECLS
