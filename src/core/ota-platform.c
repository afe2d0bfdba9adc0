/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-platform.h"
#include "ota-i18n.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gstdio.h>

#ifdef G_OS_WIN32
#include <io.h>
/* winsock2.h before windows.h: windows.h alone pulls in the old winsock.h */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#else
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>
#endif

#ifndef O_BINARY
#define O_BINARY 0
#endif
/* Opening a FIFO without a writer blocks until one comes, a terminal may
 * become ours: neither is a firmware file, and open() must not wait. */
#ifdef G_OS_WIN32
#define OPEN_READ_FLAGS (O_RDONLY | O_BINARY)
#else
#define OPEN_READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY)
#endif

int
ota_platform_open_read (const gchar *path, guint64 *out_size, GError **error)
{
  GStatBuf st;
  int fd;

#ifdef G_OS_WIN32
  /* Windows refuses to open a folder ("Permission denied"): look first, so
   * that a folder is named as one */
  if (g_stat (path, &st) == 0 && (st.st_mode & _S_IFMT) == _S_IFDIR)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                           _ ("it is a folder, not a file"));
      return -1;
    }
#endif
  fd = g_open (path, OPEN_READ_FLAGS, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("%s"), g_strerror (saved));
      return -1;
    }
#ifdef G_OS_WIN32
  {
    struct _stat64 st64;
    if (_fstat64 (fd, &st64) != 0)
      {
        int saved = errno;
        close (fd);
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("%s"),
                     g_strerror (saved));
        return -1;
      }
    if ((st64.st_mode & _S_IFMT) == _S_IFDIR)
      {
        close (fd);
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                             _ ("it is a folder, not a file"));
        return -1;
      }
    /* a device (NUL, CON, a serial port) */
    if ((st64.st_mode & _S_IFMT) != _S_IFREG)
      {
        close (fd);
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                             _ ("it is not a regular file"));
        return -1;
      }
    if (out_size != NULL)
      *out_size = (guint64) st64.st_size;
  }
#else
  if (fstat (fd, &st) != 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("%s"), g_strerror (saved));
      return -1;
    }
  if (S_ISDIR (st.st_mode))
    {
      close (fd);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                           _ ("it is a folder, not a file"));
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                           _ ("it is not a regular file"));
      return -1;
    }
  /* a regular file: reads block as usual (mandatory locks, network file systems) */
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  if (out_size != NULL)
    *out_size = (guint64) st.st_size;
#endif
  return fd;
}

void
ota_platform_close (int fd)
{
  if (fd >= 0)
    close (fd);
}

gboolean
ota_platform_file_id (int fd, OtaPlatformFileId *out, GError **error)
{
#ifdef G_OS_WIN32
  struct _stat64 st;

  if (_fstat64 (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("%s"), g_strerror (saved));
      return FALSE;
    }
  out->size = (guint64) st.st_size;
  out->mtime_ns = (gint64) st.st_mtime * G_GINT64_CONSTANT (1000000000);
  out->ctime_ns = (gint64) st.st_ctime * G_GINT64_CONSTANT (1000000000);
  out->inode = 0;
  out->device = (guint64) st.st_dev;
  out->links = (guint64) st.st_nlink;
#else
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _ ("%s"), g_strerror (saved));
      return FALSE;
    }
  out->size = (guint64) st.st_size;
#ifdef __APPLE__
  out->mtime_ns = (gint64) st.st_mtimespec.tv_sec * 1000000000 + st.st_mtimespec.tv_nsec;
  out->ctime_ns = (gint64) st.st_ctimespec.tv_sec * 1000000000 + st.st_ctimespec.tv_nsec;
#else
  out->mtime_ns = (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  out->ctime_ns = (gint64) st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
#endif
  out->inode = (guint64) st.st_ino;
  out->device = (guint64) st.st_dev;
  out->links = (guint64) st.st_nlink;
#endif
  return TRUE;
}

gboolean
ota_platform_pread (int fd, guint64 offset, void *buf, gsize len, GError **error)
{
  guint8 *p = buf;
  gsize done = 0;

  while (done < len)
    {
#ifdef G_OS_WIN32
      int n;
      if (_lseeki64 (fd, (__int64) (offset + done), SEEK_SET) < 0)
        n = -1;
      else
        n = _read (fd, p + done, (unsigned int) MIN (len - done, (gsize) G_MAXINT));
#else
      ssize_t n = pread (fd, p + done, len - done, (off_t) (offset + done));
#endif
      if (n < 0)
        {
          int saved = errno;
          if (saved == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot read at offset %" G_GUINT64_FORMAT ": %s", offset + done,
                       g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "the file ended at offset %" G_GUINT64_FORMAT " (it changed on disk?)",
                       offset + done);
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

gboolean
ota_platform_set_nodelay (GSocket *socket, gboolean on, GError **error)
{
  return g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0, error);
}

void
ota_platform_set_linger_reset (GSocket *socket)
{
  struct linger lg = { 1, 0 };
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, (const void *) &lg, sizeof lg);
}

static void
stop_wait_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *done = TRUE;
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* TRUE if @proc ended within @timeout_ms */
static gboolean
wait_bounded (GSubprocess *proc, guint timeout_ms)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new (timeout_ms);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  gboolean done = FALSE;

  g_main_context_push_thread_default (ctx);
  g_source_set_callback (timeout, stop_timeout_cb, cancellable, NULL);
  g_source_attach (timeout, ctx);
  /* a cancelled wait still calls back, so the loop always ends */
  g_subprocess_wait_async (proc, cancellable, stop_wait_cb, &done);
  while (!done)
    g_main_context_iteration (ctx, TRUE);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (ctx);
  return g_subprocess_get_identifier (proc) == NULL;
}

gboolean
ota_platform_wait_process (GSubprocess *proc, guint timeout_ms)
{
  g_return_val_if_fail (G_IS_SUBPROCESS (proc), FALSE);

  if (g_subprocess_get_identifier (proc) == NULL)
    return TRUE;
  return wait_bounded (proc, timeout_ms);
}

gboolean
ota_platform_stop_process (GSubprocess *proc, guint timeout_ms)
{
  g_return_val_if_fail (G_IS_SUBPROCESS (proc), FALSE);

  if (g_subprocess_get_identifier (proc) == NULL)
    return TRUE;
#ifdef G_OS_UNIX
  g_subprocess_send_signal (proc, SIGTERM);
#else
  g_subprocess_force_exit (proc);
#endif
  if (wait_bounded (proc, timeout_ms))
    return TRUE;
  g_subprocess_force_exit (proc);
  wait_bounded (proc, timeout_ms);
  return FALSE;
}

gboolean
ota_platform_isatty (int fd)
{
#ifdef G_OS_WIN32
  return _isatty (fd) != 0;
#else
  return isatty (fd) != 0;
#endif
}

#ifdef G_OS_WIN32
typedef struct {
  GSourceFunc func;
  gpointer user_data;
  GMainContext *context;
} InterruptHandler;

static InterruptHandler *interrupt_handler;

static gboolean
interrupt_dispatch_cb (gpointer data)
{
  InterruptHandler *h = data;
  h->func (h->user_data);
  return G_SOURCE_REMOVE;
}

static BOOL WINAPI
console_ctrl_cb (DWORD type)
{
  if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT)
    return FALSE;
  if (interrupt_handler != NULL)
    g_main_context_invoke (interrupt_handler->context, interrupt_dispatch_cb, interrupt_handler);
  return TRUE;
}

static gboolean
interrupt_source_dummy_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

guint
ota_platform_add_interrupt_handler (GSourceFunc func, gpointer user_data)
{
  interrupt_handler = g_new0 (InterruptHandler, 1);
  interrupt_handler->func = func;
  interrupt_handler->user_data = user_data;
  interrupt_handler->context = g_main_context_ref_thread_default ();
  SetConsoleCtrlHandler (console_ctrl_cb, TRUE);
  /* a source id the caller can remove like on POSIX */
  return g_timeout_add_seconds (3600, interrupt_source_dummy_cb, NULL);
}
#else
guint
ota_platform_add_interrupt_handler (GSourceFunc func, gpointer user_data)
{
  return g_unix_signal_add (SIGINT, func, user_data);
}
#endif
