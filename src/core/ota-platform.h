/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The few calls that differ between POSIX and Windows live in ota-platform.c
 * and nowhere else. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Positioned read of exactly @len bytes at @offset from @fd (a file opened
 * read-only in binary mode). Returns FALSE with G_IO_ERROR set on failure or
 * on a short read (end of file). Thread-safe on POSIX (pread); on Windows it
 * seeks and reads. */
gboolean ota_platform_pread (int fd, guint64 offset, void *buf, gsize len, GError **error);

/* Opens @path read-only (binary) and returns the fd, or -1 with @error set.
 * Also reports the size and whether it is a regular file. */
int ota_platform_open_read (const gchar *path, guint64 *out_size, GError **error);
void ota_platform_close (int fd);

/* What identifies the contents of an open file without reading it: any
 * write, truncation or replacement changes at least one field (within the
 * file system's timestamp resolution; ctime cannot be set back by a user). */
typedef struct {
  guint64 size;
  gint64 mtime_ns;
  gint64 ctime_ns; /* inode change time (creation time on Windows) */
  guint64 inode;   /* 0 on Windows */
  guint64 device;
  guint64 links; /* 0: deleted or replaced by another file (a rename over it) */
} OtaPlatformFileId;

/* fstat() of @fd into @out. G_IO_ERROR on failure. */
gboolean ota_platform_file_id (int fd, OtaPlatformFileId *out, GError **error);

/* Sets TCP_NODELAY on a connected TCP socket. */
gboolean ota_platform_set_nodelay (GSocket *socket, gboolean on, GError **error);

/* Sets SO_LINGER {1, 0} so that closing the socket sends a RST (the device's
 * "reset the connection" after OK). */
void ota_platform_set_linger_reset (GSocket *socket);

/* Calls @func (from the main context of the caller) each time the user asks
 * to interrupt (SIGINT on POSIX, Ctrl-C/Ctrl-Break on Windows).
 * Returns a source id, remove it with g_source_remove(). */
guint ota_platform_add_interrupt_handler (GSourceFunc func, gpointer user_data);

/* Asks @proc to end (SIGTERM on POSIX; TerminateProcess on Windows) and waits
 * for it at most @timeout_ms, on a private main context so that it also works
 * while an application shuts down. A process still there then is killed and
 * waited for again as long. Returns TRUE if it ended when asked, FALSE if it
 * had to be killed (the caller says so). */
gboolean ota_platform_stop_process (GSubprocess *proc, guint timeout_ms);

/* Waits for @proc to end, at most @timeout_ms, on a private main context
 * (for a process asked to stop some other way, e.g. the end of its
 * standard input). TRUE if it ended. */
gboolean ota_platform_wait_process (GSubprocess *proc, guint timeout_ms);

/* TRUE if the stream is an interactive terminal (stdout = 1, stderr = 2). */
gboolean ota_platform_isatty (int fd);

G_END_DECLS
