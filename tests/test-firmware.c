/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef G_OS_UNIX
#include <unistd.h>
#include <utime.h>
#else
#include <sys/utime.h>
#endif

#include "ota-error.h"
#include "ota-firmware.h"
#ifdef G_OS_UNIX
#include "ota-test-cli.h" /* ota_test_drop_privileges */
#endif

static gchar *tmp_dir;

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
assert_refused (const gchar *path, const gchar *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaFirmware) fw = ota_firmware_open (path, &error);

  g_assert_null (fw);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  /* the technician sees which file and what is wrong with it */
  if (strstr (error->message, path) == NULL || strstr (error->message, expect) == NULL)
    g_error ("'%s' should name '%s' and say '%s'", error->message, path, expect);
}

static void
test_missing (void)
{
  g_autofree gchar *path = tmp_path ("no-such-file.ufw");

  assert_refused (path, "does not exist");
}

static void
test_directory (void)
{
  assert_refused (tmp_dir, "folder");
}

static void
test_empty (void)
{
  g_autofree gchar *path = tmp_path ("empty.ufw");

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  assert_refused (path, "empty");
}

#ifdef G_OS_UNIX
/* A sparse file of @size bytes: no disk space used. FALSE if the file
 * system refuses. */
static gboolean
make_sparse (const gchar *path, guint64 size)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = ftruncate (fd, (off_t) size) == 0;
  close (fd);
  return ok;
}
#endif

static void
test_too_large (void)
{
#ifdef G_OS_UNIX
  g_autofree gchar *path = tmp_path ("huge.ufw");
  g_autofree gchar *edge = tmp_path ("edge.ufw");
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 buf[16];

  if (sizeof (off_t) < 8 || !make_sparse (path, G_GUINT64_CONSTANT (0x100000000) + 1))
    {
      g_test_skip ("the file system refuses a sparse file of 4 GiB + 1 byte");
      return;
    }
  assert_refused (path, "4 GiB");
  g_unlink (path);

  if (!make_sparse (path, G_GUINT64_CONSTANT (0x100000000)))
    {
      g_test_skip ("the file system refuses a sparse file of 4 GiB");
      return;
    }
  assert_refused (path, "4294967296 bytes");
  g_unlink (path);

  /* the largest file the device can address is fine, up to its last byte */
  if (!make_sparse (edge, OTA_FIRMWARE_MAX_SIZE))
    {
      g_test_skip ("the file system refuses a sparse file of 4 GiB - 1 byte");
      return;
    }
  fw = ota_firmware_open (edge, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ota_firmware_get_size (fw), ==, OTA_FIRMWARE_MAX_SIZE);
  memset (buf, 0xAA, sizeof buf);
  g_assert_true (
      ota_firmware_read_at (fw, OTA_FIRMWARE_MAX_SIZE - sizeof buf, buf, sizeof buf, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (buf[0], ==, 0);
  g_assert_cmpuint (buf[15], ==, 0);
  g_assert_false (ota_firmware_read_at (fw, OTA_FIRMWARE_MAX_SIZE - 15, buf, 16, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_clear_object (&fw);
  g_unlink (edge);
#else
  g_test_skip ("sparse files are made with ftruncate");
#endif
}

/* The file for the unprivileged subprocess of test_unreadable. */
#define UNREADABLE_ENV "OTA_TEST_FIRMWARE_UNREADABLE"

static void
test_unreadable (void)
{
#ifdef G_OS_UNIX
  g_autofree gchar *path = NULL;
  gint can;

  if (g_test_subprocess ())
    {
      /* the open itself, as a user without privileges (a fresh process:
       * nothing else runs in it) */
      path = g_strdup (g_getenv (UNREADABLE_ENV));
      g_assert_nonnull (path);
      g_assert_cmpint (ota_test_drop_privileges (), ==, 0);
      g_assert_cmpint (geteuid (), ==, OTA_TEST_UNPRIVILEGED_ID);
      assert_refused (path, "Permission denied");
      return;
    }

  path = tmp_path ("secret.ufw");
  g_assert_true (g_file_set_contents (path, "data", 4, NULL));
  g_assert_cmpint (g_chmod (path, 0), ==, 0);
  if (geteuid () != 0)
    {
      if (access (path, R_OK) == 0)
        g_test_skip ("running with privileges that read any file");
      else
        assert_refused (path, "Permission denied");
      g_unlink (path);
      return;
    }

  /* root reads any file: the open runs in a subprocess that drops to an
   * unprivileged user, who reaches the file (its folder opened to all) and
   * may not read it */
  g_assert_cmpint (g_chmod (tmp_dir, 0755), ==, 0);
  can = ota_test_access_unprivileged (path, "-e");
  if (can != 1)
    {
      g_autofree gchar *msg
          = can < 0 ? g_strdup_printf ("cannot switch to uid and gid %d", OTA_TEST_UNPRIVILEGED_ID)
                    : g_strdup_printf ("uid %d cannot reach %s: a folder on the way is closed to "
                                       "other users (TMPDIR?)",
                                       OTA_TEST_UNPRIVILEGED_ID, path);
      g_test_skip (msg);
      g_unlink (path);
      return;
    }
  g_assert_cmpint (ota_test_access_unprivileged (path, "-r"), ==, 0);
  g_setenv (UNREADABLE_ENV, path, TRUE);
  g_test_trap_subprocess (NULL, 0,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv (UNREADABLE_ENV);
  g_unlink (path);
  g_test_trap_assert_passed ();
#else
  g_test_skip ("POSIX permissions only");
#endif
}

static void
test_read_at (void)
{
  g_autofree gchar *path = tmp_path ("data.bin");
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 data[1000];
  guint8 buf[1000];

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 + 3);
  g_assert_true (g_file_set_contents (path, (const gchar *) data, sizeof data, NULL));

  fw = ota_firmware_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ota_firmware_get_path (fw), ==, path);
  g_assert_cmpuint (ota_firmware_get_size (fw), ==, sizeof data);

  g_assert_true (ota_firmware_read_at (fw, 0, buf, sizeof buf, &error));
  g_assert_cmpmem (buf, sizeof buf, data, sizeof data);
  g_assert_true (ota_firmware_read_at (fw, 999, buf, 1, &error));
  g_assert_cmpuint (buf[0], ==, data[999]);
  g_assert_true (ota_firmware_read_at (fw, 123, buf, 456, &error));
  g_assert_cmpmem (buf, 456, data + 123, 456);
  g_assert_true (ota_firmware_read_at (fw, 1000, buf, 0, &error));
  g_assert_no_error (error);

  /* out of bounds: a clear error, nothing read */
  g_assert_false (ota_firmware_read_at (fw, 999, buf, 2, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "only 1000 bytes"));
  g_clear_error (&error);
  g_assert_false (ota_firmware_read_at (fw, 1001, buf, 0, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_clear_error (&error);
  /* offset + len would wrap around */
  g_assert_false (ota_firmware_read_at (fw, G_MAXUINT64, buf, 2, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_clear_error (&error);
  g_assert_false (ota_firmware_read_at (fw, 10, buf, G_MAXSIZE, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
}

/* The file shrinks after it was opened: a read error, not a crash. */
static void
test_shrunk (void)
{
  g_autofree gchar *path = tmp_path ("shrinks.bin");
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  guint8 buf[100];

  memset (buf, 1, sizeof buf);
  g_assert_true (g_file_set_contents (path, (const gchar *) buf, sizeof buf, NULL));
  fw = ota_firmware_open (path, &error);
  g_assert_no_error (error);
#ifdef G_OS_UNIX
  /* in place: the open descriptor sees it */
  g_assert_true (make_sparse (path, 1));
#else
  g_test_skip ("needs ftruncate");
  return;
#endif
  g_assert_false (ota_firmware_read_at (fw, 50, buf, 10, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
}

/* A file whose times lie far in the past: any write now changes them,
 * whatever the file system's timestamp resolution. */
static gchar *
old_file (const gchar *name, const guint8 *data, gsize len)
{
  gchar *path = tmp_path (name);
  struct utimbuf past = { .actime = 1000000000, .modtime = 1000000000 };

  g_assert_true (g_file_set_contents (path, (const gchar *) data, (gssize) len, NULL));
  g_assert_cmpint (g_utime (path, &past), ==, 0);
  return path;
}

/* Written in place after it was opened (same size, same inode): every read
 * from then on fails, and stays failed. */
static void
test_changed_in_place (void)
{
  guint8 data[1000];
  g_autofree gchar *path = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileIOStream) io = NULL;
  g_autofree gchar *change = NULL;
  guint8 buf[100];

  memset (data, 0x11, sizeof data);
  path = old_file ("in-place.bin", data, sizeof data);
  fw = ota_firmware_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (ota_firmware_check_unchanged (fw, &error));
  g_assert_true (ota_firmware_read_at (fw, 0, buf, sizeof buf, &error));
  g_assert_null (ota_firmware_dup_change (fw));

  file = g_file_new_for_path (path);
  io = g_file_open_readwrite (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                            "\x22", 1, NULL, NULL, &error));
  g_assert_true (g_io_stream_close (G_IO_STREAM (io), NULL, &error));

  g_assert_false (ota_firmware_read_at (fw, 500, buf, sizeof buf, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "changed after it was checked (it was written to)"));
  g_clear_error (&error);
  g_assert_false (ota_firmware_check_unchanged (fw, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  change = ota_firmware_dup_change (fw);
  g_assert_cmpstr (change, ==, "it was written to");
}

/* Cut short after it was opened: the size says so, even for bytes that are
 * still there. */
static void
test_changed_truncated (void)
{
  guint8 data[1000];
  g_autofree gchar *path = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileIOStream) io = NULL;
  guint8 buf[10];

  memset (data, 0x33, sizeof data);
  path = old_file ("cut.bin", data, sizeof data);
  fw = ota_firmware_open (path, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);
  io = g_file_open_readwrite (file, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_seekable_truncate (G_SEEKABLE (io), 600, NULL, &error));
  g_assert_true (g_io_stream_close (G_IO_STREAM (io), NULL, &error));

  g_assert_false (ota_firmware_read_at (fw, 0, buf, sizeof buf, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "its size went from 1000 to 600 bytes"));
}

/* Replaced by another file (saved with a rename, as editors and
 * g_file_set_contents do): the open file still holds the checked bytes,
 * but the user meant another file: that is a change too. */
static void
test_replaced (void)
{
  guint8 data[1000];
  guint8 other[1000];
  guint8 buf[1000];
  g_autofree gchar *path = NULL;
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (GError) error = NULL;

#ifdef G_OS_WIN32
  g_test_skip ("Windows does not replace a file that is open");
  return;
#endif
  memset (data, 0x44, sizeof data);
  memset (other, 0x55, sizeof other);
  path = old_file ("replaced.bin", data, sizeof data);
  fw = ota_firmware_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (ota_firmware_read_at (fw, 0, buf, sizeof buf, &error));
  g_assert_true (g_file_set_contents (path, (const gchar *) other, sizeof other, NULL));
  g_assert_false (ota_firmware_read_at (fw, 0, buf, sizeof buf, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_nonnull (strstr (error->message, "(it was deleted or replaced by another file)"));
}

static void
remove_tmp_dir (void)
{
  g_autoptr (GDir) dir = NULL;
  const gchar *name;

  if (tmp_dir == NULL)
    return;
  dir = g_dir_open (tmp_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = tmp_path (name);
      g_unlink (path);
    }
  g_rmdir (tmp_dir);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* a subprocess (test_unreadable) uses its parent's files */
  if (!g_test_subprocess ())
    {
      tmp_dir = g_dir_make_tmp ("otaflash-test-fw-XXXXXX", &error);
      g_assert_no_error (error);
    }

  g_test_add_func ("/ota/firmware/missing", test_missing);
  g_test_add_func ("/ota/firmware/directory", test_directory);
  g_test_add_func ("/ota/firmware/empty", test_empty);
  g_test_add_func ("/ota/firmware/too-large", test_too_large);
  g_test_add_func ("/ota/firmware/unreadable", test_unreadable);
  g_test_add_func ("/ota/firmware/read-at", test_read_at);
  g_test_add_func ("/ota/firmware/shrunk", test_shrunk);
  g_test_add_func ("/ota/firmware/changed/in-place", test_changed_in_place);
  g_test_add_func ("/ota/firmware/changed/truncated", test_changed_truncated);
  g_test_add_func ("/ota/firmware/changed/replaced", test_replaced);

  ret = g_test_run ();
  remove_tmp_dir ();
  g_free (tmp_dir);
  return ret;
}
