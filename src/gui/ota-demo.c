/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-demo.h"
#include "ota-i18n.h"

#include "ota-platform.h"

#include <string.h>
#include <glib/gstdio.h>
#ifdef G_OS_UNIX
#include <signal.h>
#endif
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "ota-ufw-builder.h"

#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 5000

#ifdef G_OS_WIN32
#define EMU_NAME "otaflash-emu.exe"
#else
#define EMU_NAME "otaflash-emu"
#endif

/* A short, watchable demo: about ten seconds for both stages over the
 * emulator's modelled link. */
#define DEMO_FLASH_SIZE (768 * 1024)
#define DEMO_OTA_SIZE (96 * 1024)
#define DEMO_SEED 2024

struct _OtaDemo {
  GObject parent_instance;

  GSubprocess *proc;
  GDataInputStream *stdout_stream;
  gchar *dir; /* temporary: device state and the demo firmware */
  gchar *firmware_path;
  gboolean running;
  guint16 ctp_port, http_port, ota_port;
};

G_DEFINE_TYPE (OtaDemo, ota_demo, G_TYPE_OBJECT)

/* ---- finding the emulator ------------------------------------------------------ */

#ifdef G_OS_WIN32
#include <winsock2.h> /* before windows.h */
#include <windows.h>
#endif

/* The folder of the running program itself: the emulator is installed next
 * to it (<prefix>/bin) or built below it (<build>/src/emulator). */
static gchar *
program_dir (void)
{
#ifdef G_OS_WIN32
  /* not g_win32_get_package_installation_directory_of_module (): it drops a
   * last "bin" folder, which the build tree does not have */
  const DWORD size = 32768; /* the longest path Windows has */
  g_autofree wchar_t *path = g_new (wchar_t, size);
  DWORD n = GetModuleFileNameW (NULL, path, size);
  g_autofree gchar *utf8 = NULL;

  if (n == 0 || n >= size)
    return NULL;
  utf8 = g_utf16_to_utf8 ((const gunichar2 *) path, (glong) n, NULL, NULL, NULL);
  return utf8 != NULL ? g_path_get_dirname (utf8) : NULL;
#else
  g_autofree gchar *self_exe = g_file_read_link ("/proc/self/exe", NULL);

  return self_exe != NULL ? g_path_get_dirname (self_exe) : NULL;
#endif
}

gchar *
ota_demo_find_emulator (GError **error)
{
  const gchar *env = g_getenv ("OTAFLASH_EMU");
  g_autofree gchar *dir = program_dir ();
  g_autofree gchar *in_path = NULL;

  if (env != NULL && *env != '\0')
    {
      if (g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (env);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _ ("OTAFLASH_EMU names %s, which is not a program"), env);
      return NULL;
    }
  if (dir != NULL)
    {
      /* the build tree: <build>/src/otaflash and <build>/src/emulator/otaflash-emu */
      g_autofree gchar *built = g_build_filename (dir, "emulator", EMU_NAME, NULL);
      /* installed: both in <bindir> */
      g_autofree gchar *installed = g_build_filename (dir, EMU_NAME, NULL);

      if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&built);
      if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&installed);
    }
  in_path = g_find_program_in_path (EMU_NAME);
  if (in_path != NULL)
    return g_steal_pointer (&in_path);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _ ("the device emulator (%s) is not installed next to otaflash"), EMU_NAME);
  return NULL;
}

/* ---- the temporary folder ------------------------------------------------------ */

static void
rm_rf (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      rm_rf (child);
    }
  g_remove (path);
}

static gboolean
ensure_dir (OtaDemo *self, GError **error)
{
  if (self->dir == NULL)
    self->dir = g_dir_make_tmp ("otaflash-demo-XXXXXX", error);
  return self->dir != NULL;
}

/* ---- start --------------------------------------------------------------------- */

typedef struct {
  GSource *timeout;
  GCancellable *read_cancellable;
  gboolean timed_out;
} StartData;

static void
start_data_free (StartData *d)
{
  if (d->timeout != NULL)
    {
      g_source_destroy (d->timeout);
      g_source_unref (d->timeout);
    }
  g_clear_object (&d->read_cancellable);
  g_free (d);
}

static gboolean
parse_ready (OtaDemo *self, const gchar *line)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  guint found = 0;

  for (guint i = 1; words[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (words[i], "=", 2);
      guint64 port = 0;

      if (kv[0] == NULL || kv[1] == NULL
          || !g_ascii_string_to_unsigned (kv[1], 10, 1, G_MAXUINT16, &port, NULL))
        continue;
      if (g_str_equal (kv[0], "ctp"))
        self->ctp_port = (guint16) port, found |= 1;
      else if (g_str_equal (kv[0], "http"))
        self->http_port = (guint16) port, found |= 2;
      else if (g_str_equal (kv[0], "ota"))
        self->ota_port = (guint16) port, found |= 4;
    }
  return found == 7;
}

static void read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static void
read_next_line (GTask *task)
{
  OtaDemo *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);

  g_data_input_stream_read_line_async (self->stdout_stream, G_PRIORITY_DEFAULT, d->read_cancellable,
                                       read_line_cb, task);
}

static void
read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OtaDemo *self = g_task_get_source_object (task);
  StartData *d = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = NULL;

  line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, &error);
  if (line == NULL)
    {
      ota_demo_stop (self);
      if (d->timed_out)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                 _ ("the device emulator did not start within %d s"),
                                 READY_TIMEOUT_MS / 1000);
      else if (g_task_return_error_if_cancelled (task))
        return;
      else if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _ ("the device emulator stopped before it was ready"));
      return;
    }
  if (!g_str_has_prefix (line, "READY "))
    {
      read_next_line (g_steal_pointer (&task));
      return;
    }
  if (!parse_ready (self, line))
    {
      ota_demo_stop (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _ ("the device emulator said \"%s\""), line);
      return;
    }
  self->running = TRUE;
  g_debug ("demo device ready: %s", line);
  g_task_return_boolean (task, TRUE);
}

static gboolean
ready_timeout_cb (gpointer user_data)
{
  StartData *d = user_data;

  d->timed_out = TRUE;
  g_cancellable_cancel (d->read_cancellable);
  return G_SOURCE_REMOVE;
}

static void
task_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GCancellable *read_cancellable = user_data;

  g_cancellable_cancel (read_cancellable);
}

#ifdef __linux__
/* otaflash ending in any way must not leave its emulator running */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

void
ota_demo_start_async (OtaDemo *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *exe = NULL;
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *state_arg = NULL;
  StartData *d;

  g_return_if_fail (OTA_IS_DEMO (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ota_demo_start_async);
  if (self->proc != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("the device emulator is already running"));
      return;
    }
  exe = ota_demo_find_emulator (&error);
  if (exe == NULL || !ensure_dir (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  state_dir = g_build_filename (self->dir, "device", NULL);
  state_arg = g_strdup_printf ("--state-dir=%s", state_dir);
  {
    const gchar *argv[] = { exe,
                            "--host",
                            OTA_DEMO_HOST,
                            "--ctp-port",
                            "0",
                            "--http-port",
                            "0",
                            "--ota-port",
                            "0",
                            state_arg,
                            "--time-scale",
                            "0.2",
                            "--link-bandwidth",
                            "1500000",
                            "--flash-rate",
                            "1000000",
                            "--installed-version",
                            OTA_DEMO_INSTALLED,
                            NULL };

    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
#ifdef __linux__
    g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
#endif
    self->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  }
  if (self->proc == NULL)
    {
      g_prefix_error (&error, _ ("cannot start the device emulator: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->proc));

  d = g_new0 (StartData, 1);
  d->read_cancellable = g_cancellable_new ();
  d->timeout = g_timeout_source_new (READY_TIMEOUT_MS);
  g_source_set_callback (d->timeout, ready_timeout_cb, d, NULL);
  g_source_attach (d->timeout, g_main_context_get_thread_default ());
  g_task_set_task_data (task, d, (GDestroyNotify) start_data_free);
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (task_cancelled_cb),
                           g_object_ref (d->read_cancellable), g_object_unref);
  read_next_line (g_steal_pointer (&task));
}

gboolean
ota_demo_start_finish (OtaDemo *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
ota_demo_is_running (OtaDemo *self)
{
  g_return_val_if_fail (OTA_IS_DEMO (self), FALSE);
  return self->running;
}

void
ota_demo_get_ports (OtaDemo *self, guint16 *ctp, guint16 *http, guint16 *ota)
{
  g_return_if_fail (OTA_IS_DEMO (self));
  if (ctp != NULL)
    *ctp = self->ctp_port;
  if (http != NULL)
    *http = self->http_port;
  if (ota != NULL)
    *ota = self->ota_port;
}

/* ---- the demo firmware ----------------------------------------------------------- */

static void
make_firmware_thread_cb (GTask *task, gpointer source, gpointer task_data,
                         GCancellable *cancellable)
{
  const gchar *path = task_data;
  OtaUfwBuildOptions opts;
  GError *error = NULL;

  ota_ufw_build_options_init (&opts);
  opts.flash_size = DEMO_FLASH_SIZE;
  opts.ota_size = DEMO_OTA_SIZE;
  opts.seed = DEMO_SEED;
  opts.version = OTA_DEMO_FIRMWARE_VERSION;
  if (!ota_ufw_build_file (&opts, path, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (path), g_free);
}

void
ota_demo_make_firmware_async (OtaDemo *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (OTA_IS_DEMO (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ota_demo_make_firmware_async);
  if (!ensure_dir (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->firmware_path);
  self->firmware_path
      = g_build_filename (self->dir, "demo-" OTA_DEMO_FIRMWARE_VERSION ".ufw", NULL);
  g_task_set_task_data (task, g_strdup (self->firmware_path), g_free);
  g_task_run_in_thread (task, make_firmware_thread_cb);
}

gchar *
ota_demo_make_firmware_finish (OtaDemo *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
ota_demo_owns_file (OtaDemo *self, const gchar *path)
{
  g_return_val_if_fail (OTA_IS_DEMO (self), FALSE);
  return path != NULL && self->dir != NULL && g_str_has_prefix (path, self->dir)
         && G_IS_DIR_SEPARATOR (path[strlen (self->dir)]);
}

/* ---- stop ------------------------------------------------------------------------ */

void
ota_demo_stop (OtaDemo *self)
{
  g_return_if_fail (OTA_IS_DEMO (self));

  if (self->proc != NULL)
    {
      if (!ota_platform_stop_process (self->proc, STOP_TIMEOUT_MS))
        g_warning ("the device emulator did not stop within %d s; it was killed",
                   STOP_TIMEOUT_MS / 1000);
      g_clear_object (&self->stdout_stream);
      g_clear_object (&self->proc);
    }
  self->running = FALSE;
  if (self->dir != NULL)
    {
      rm_rf (self->dir);
      g_clear_pointer (&self->dir, g_free);
    }
  g_clear_pointer (&self->firmware_path, g_free);
}

static void
ota_demo_dispose (GObject *object)
{
  ota_demo_stop (OTA_DEMO (object));
  G_OBJECT_CLASS (ota_demo_parent_class)->dispose (object);
}

static void
ota_demo_class_init (OtaDemoClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ota_demo_dispose;
}

static void
ota_demo_init (OtaDemo *self)
{
}

OtaDemo *
ota_demo_new (void)
{
  return g_object_new (OTA_TYPE_DEMO, NULL);
}
