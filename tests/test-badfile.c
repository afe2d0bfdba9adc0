/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestBadFile"

/* Bad firmware files: missing, a folder, empty, cut short, every kind of
 * damage otaflash-mkufw can make, 4 GiB and more (sparse), unreadable, and
 * paths that cannot be opened for other reasons (a FIFO, a device, symlink
 * loops...). Each ends with exit 4 and a message that names the file and
 * what is wrong with it, quickly, both with --check and when flashing; when
 * flashing, the device is never touched: the emulator sees no connection at
 * all. */

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#ifdef G_OS_WIN32
#include <io.h>
#endif

#include "ota-test-cli.h"
#include "ota-test-emu.h"

typedef struct {
  gchar *dir;
} Fixture;

/* Makes the bad file (or path) in @dir; returns NULL after g_test_skip(). */
typedef gchar *(*MakeFunc) (const gchar *dir, gconstpointer data);

typedef struct {
  const gchar *name;
  MakeFunc make;
  gconstpointer data;
  const gchar *message; /* part of the result message besides the path */
  gboolean path_in_message;
} BadFile;

static gchar *
make_valid (const gchar *dir, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path
      = ota_test_make_ufw (dir, 50000, 9000, 3, "9.9", OTA_UFW_CORRUPT_NONE, &error);
  g_autofree gchar *dest = g_build_filename (dir, name, NULL);

  g_assert_no_error (error);
  g_assert_cmpint (g_rename (path, dest), ==, 0);
  return g_steal_pointer (&dest);
}

static gchar *
make_missing (const gchar *dir, gconstpointer data)
{
  return g_build_filename (dir, "nope.ufw", NULL);
}

static gchar *
make_folder (const gchar *dir, gconstpointer data)
{
  gchar *path = g_build_filename (dir, "folder.ufw", NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  return path;
}

static gchar *
make_empty (const gchar *dir, gconstpointer data)
{
  gchar *path = g_build_filename (dir, "empty.ufw", NULL);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  return path;
}

/* A valid file cut to @data bytes (or to half when 0). */
static gchar *
make_cut (const gchar *dir, gconstpointer data)
{
  gchar *path = make_valid (dir, "cut.ufw");
  GStatBuf st;
  gsize len = GPOINTER_TO_SIZE (data);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, len != 0 ? (off_t) len : st.st_size / 2), ==, 0);
  return path;
}

static gchar *
make_corrupt (const gchar *dir, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gchar *path = ota_test_make_ufw (dir, 50000, 9000, 3, "9.9", GPOINTER_TO_INT (data), &error);

  g_assert_no_error (error);
  return path;
}

static gchar *
make_random (const gchar *dir, gconstpointer data)
{
  gchar *path = g_build_filename (dir, "random.ufw", NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (17);
  guint8 buf[4096];

  for (gsize i = 0; i < sizeof buf; i++)
    buf[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_assert_true (g_file_set_contents (path, (const gchar *) buf, sizeof buf, NULL));
  return path;
}

/* A sparse file of @data bytes: no disk space needed, if the file system
 * has holes. */
static gchar *
make_sparse (const gchar *dir, gconstpointer data)
{
  const guint64 *size = data;
  gchar *path = g_build_filename (dir, "huge.ufw", NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
#ifdef G_OS_WIN32
  /* off_t has 32 bits there: ftruncate would make an empty file */
  if ((errno = _chsize_s (fd, (__int64) *size)) != 0)
#else
  if (ftruncate (fd, (off_t) *size) != 0)
#endif
    {
      g_autofree gchar *msg
          = g_strdup_printf ("the file system refuses a %" G_GUINT64_FORMAT "-byte file: %s", *size,
                             g_strerror (errno));
      close (fd);
      g_unlink (path);
      g_free (path);
      g_test_skip (msg);
      return NULL;
    }
  close (fd);
  return path;
}

/* Mode 000. Root reads whatever the permissions say: then otaflash runs as
 * an unprivileged user (see run_bad_file), who reaches the file (its folder
 * is opened to all) and may not read it. */
static gchar *
make_unreadable (const gchar *dir, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *reason = NULL;

#ifdef G_OS_WIN32
  g_test_skip ("Windows: who may read a file is its ACL; mode 000 only makes it read-only");
  return NULL;
#else
  path = make_valid (dir, "secret.ufw");
  g_assert_cmpint (g_chmod (path, 0), ==, 0);
  if (geteuid () != 0)
    {
      if (access (path, R_OK) == 0)
        {
          g_test_skip ("running with privileges that read any file");
          return NULL;
        }
      return g_steal_pointer (&path);
    }
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  if (!ota_test_cli_can_run_unprivileged (&reason))
    {
      g_test_skip (reason);
      return NULL;
    }
  if (ota_test_access_unprivileged (path, "-e") != 1)
    {
      g_autofree gchar *msg
          = g_strdup_printf ("uid %d cannot reach %s: a folder on the way is closed to other users "
                             "(TMPDIR?)",
                             OTA_TEST_UNPRIVILEGED_ID, path);
      g_test_skip (msg);
      return NULL;
    }
  /* the file's own mode is what stops it */
  g_assert_cmpint (ota_test_access_unprivileged (path, "-r"), ==, 0);
  return g_steal_pointer (&path);
#endif
}

static gchar *
make_fifo (const gchar *dir, gconstpointer data)
{
#ifdef G_OS_WIN32
  g_test_skip ("Windows has no FIFO in the file system (its named pipes live in \\\\.\\pipe)");
  return NULL;
#else
  gchar *path = g_build_filename (dir, "pipe.ufw", NULL);

  /* opening a FIFO for reading waits for a writer: it must not */
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  return path;
#endif
}

static gchar *
make_device (const gchar *dir, gconstpointer data)
{
#ifdef G_OS_WIN32
  /* the null device */
  return g_strdup ("NUL");
#else
  if (!g_file_test ("/dev/null", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/null");
      return NULL;
    }
  return g_strdup ("/dev/null");
#endif
}

#ifdef G_OS_WIN32
#define NO_SYMLINKS                                                                                \
  "Windows: making a symbolic link needs a privilege (or developer mode) tests do not have"
#endif

static gchar *
make_dangling_link (const gchar *dir, gconstpointer data)
{
#ifdef G_OS_WIN32
  g_test_skip (NO_SYMLINKS);
  return NULL;
#else
  gchar *path = g_build_filename (dir, "dangling.ufw", NULL);

  g_assert_cmpint (symlink ("gone.ufw", path), ==, 0);
  return path;
#endif
}

static gchar *
make_link_loop (const gchar *dir, gconstpointer data)
{
#ifdef G_OS_WIN32
  g_test_skip (NO_SYMLINKS);
  return NULL;
#else
  gchar *path = g_build_filename (dir, "loop.ufw", NULL);
  g_autofree gchar *other = g_build_filename (dir, "loop2.ufw", NULL);

  g_assert_cmpint (symlink ("loop2.ufw", path), ==, 0);
  g_assert_cmpint (symlink ("loop.ufw", other), ==, 0);
  return path;
#endif
}

static gchar *
make_not_dir (const gchar *dir, gconstpointer data)
{
  g_autofree gchar *file = make_valid (dir, "file.ufw");

  return g_build_filename (file, "inside.ufw", NULL);
}

static gchar *
make_long_name (const gchar *dir, gconstpointer data)
{
  g_autofree gchar *name = g_strnfill (300, 'x');

  return g_build_filename (dir, name, NULL);
}

static const guint64 size_4g = G_GUINT64_CONSTANT (0x100000000);
static const guint64 size_4g_minus_1 = G_GUINT64_CONSTANT (0xFFFFFFFF);

#define CORRUPT(kind) make_corrupt, GINT_TO_POINTER (kind)

#ifdef G_OS_WIN32
/* Windows reports a path through a file as a path that does not exist */
#define NOT_A_DIR_MESSAGE "does not exist"
/* and a name longer than 255 characters too (as Wine does it; see
 * docs/windows.md for what Wine cannot prove) */
#define NAME_TOO_LONG_MESSAGE "does not exist"
#else
#define NOT_A_DIR_MESSAGE "Not a directory"
#define NAME_TOO_LONG_MESSAGE "File name too long"
#endif

static const BadFile bad_files[] = {
  { "missing", make_missing, NULL, "does not exist", TRUE },
  { "folder", make_folder, NULL, "it is a folder, not a file", TRUE },
  { "empty", make_empty, NULL, "is empty", TRUE },
  { "cut-in-half", make_cut, NULL, "it was cut short", TRUE },
  { "cut-after-header", make_cut, GSIZE_TO_POINTER (64), "it was cut short", TRUE },
  { "cut-inside-header", make_cut, GSIZE_TO_POINTER (63), "too short for a UFW header", TRUE },
  { "random-bytes", make_random, NULL, "this is not a UFW firmware file", TRUE },
  { "corrupt-truncated", CORRUPT (OTA_UFW_CORRUPT_TRUNCATED), "it was cut short", TRUE },
  { "corrupt-header-crc", CORRUPT (OTA_UFW_CORRUPT_HEADER_CRC), "header CRC", TRUE },
  { "corrupt-list-crc", CORRUPT (OTA_UFW_CORRUPT_LIST_CRC), "entry table CRC", TRUE },
  { "corrupt-data-crc", CORRUPT (OTA_UFW_CORRUPT_DATA_CRC), "'flash.bin': data CRC", TRUE },
  { "corrupt-entry-bounds", CORRUPT (OTA_UFW_CORRUPT_ENTRY_BOUNDS), "goes past the end of the file",
    TRUE },
  { "corrupt-entry-size", CORRUPT (OTA_UFW_CORRUPT_ENTRY_SIZE), "larger than its stored size",
    TRUE },
  { "corrupt-no-ota-bin", CORRUPT (OTA_UFW_CORRUPT_NO_OTA_BIN), "no ota.bin", TRUE },
  { "corrupt-unknown-chip", CORRUPT (OTA_UFW_CORRUPT_UNKNOWN_CHIP), "not an AC79 chip", TRUE },
  { "corrupt-too-short", CORRUPT (OTA_UFW_CORRUPT_TOO_SHORT), "too short for a UFW header", TRUE },
  { "corrupt-bad-count", CORRUPT (OTA_UFW_CORRUPT_BAD_COUNT), "entries, which need", TRUE },
  { "sparse-4gib", make_sparse, &size_4g, "cannot address files of 4 GiB or more", TRUE },
  { "sparse-4gib-minus-1", make_sparse, &size_4g_minus_1, "header CRC", TRUE },
  { "unreadable", make_unreadable, NULL, "Permission denied", TRUE },
  { "fifo", make_fifo, NULL, "it is not a regular file", TRUE },
  { "device", make_device, NULL, "it is not a regular file", TRUE },
  { "dangling-symlink", make_dangling_link, NULL, "does not exist", TRUE },
  { "symlink-loop", make_link_loop, NULL, "Too many levels of symbolic links", TRUE },
  { "path-through-a-file", make_not_dir, NULL, NOT_A_DIR_MESSAGE, TRUE },
  { "name-too-long", make_long_name, NULL, NAME_TOO_LONG_MESSAGE, FALSE },
};

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-badfile-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
assert_bad_file (OtaTestCliRun *r, const BadFile *bf, const gchar *path)
{
  const gchar *message = ota_test_cli_result_string (r, "message");

  if (r->status != 4)
    ota_test_cli_assert_contains (r, "exit code", "exit code 4");
  g_assert_cmpstr (ota_test_cli_result_string (r, "status"), ==, "failed");
  ota_test_cli_assert_contains (r, message, bf->message);
  if (bf->path_in_message)
    ota_test_cli_assert_contains (r, message, path);
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "next_step"),
                                "the device was not touched");
  /* quickly: nothing waits on a device or a writer */
  if (!r->wrapped)
    g_assert_cmpfloat (r->elapsed_s, <, 10.0);
}

/* otaflash --json @extra (against @emu, if any); as the unprivileged user
 * for the unreadable file when the tests run as root. */
static OtaTestCliRun *
run_bad_file (const BadFile *bf, OtaTestEmu *emu, const gchar *const *extra)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;
  g_auto (GStrv) argv = NULL;
  OtaTestCliRun *r;

#ifdef G_OS_WIN32
  return ota_test_cli_run_json (emu, extra, NULL, NULL);
#else
  if (bf->make != make_unreadable || geteuid () != 0)
    return ota_test_cli_run_json (emu, extra, NULL, NULL);
#endif
  g_strv_builder_add (b, "--json");
  g_strv_builder_addv (b, (const char **) extra);
  more = g_strv_builder_end (b);
  argv = ota_test_cli_argv (emu, (const gchar *const *) more);
  r = ota_test_cli_run_unprivileged ((const gchar *const *) argv, NULL, NULL, 0);
  ota_test_cli_check_json (r);
  return r;
}

static void
test_check (Fixture *f, gconstpointer data)
{
  const BadFile *bf = data;
  g_autofree gchar *path = bf->make (f->dir, bf->data);
  g_autoptr (OtaTestCliRun) r = NULL;

  if (path == NULL)
    return;
  {
    const gchar *extra[] = { "--check", path, NULL };
    r = run_bad_file (bf, NULL, extra);
  }
  assert_bad_file (r, bf, path);
}

static void
test_flash (Fixture *f, gconstpointer data)
{
  const BadFile *bf = data;
  g_autofree gchar *path = bf->make (f->dir, bf->data);
  g_autoptr (OtaTestEmu) emu = NULL;
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    return;
  emu = ota_test_emu_start (NULL, &error);
  g_assert_no_error (error);
  {
    const gchar *extra[] = { path, NULL };
    r = run_bad_file (bf, emu, extra);
  }
  assert_bad_file (r, bf, path);
  g_assert_cmpstr (ota_test_cli_result_string (r, "device_state"), ==, "unchanged");
  /* the device never saw us */
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "connect"), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
}

/* --- a good file that changes during the flash -------------------------- */

typedef enum {
  CHANGE_REWRITE,
  CHANGE_TRUNCATE
} ChangeKind;

typedef struct {
  const gchar *path;
  ChangeKind kind;
  gboolean changed;
} Changer;

/* At the first progress past the point of no return, the file is changed
 * in place: rewritten with other bytes (same size, same inode), or cut. */
static void
change_cb (GPid pid, const gchar *line, gpointer user_data)
{
  Changer *c = user_data;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileIOStream) io = NULL;
  g_autoptr (GError) error = NULL;

  if (c->changed || strstr (line, "\"event\":\"progress\"") == NULL
      || strstr (line, "\"committed\":true") == NULL)
    return;
  c->changed = TRUE;
  file = g_file_new_for_path (c->path);
  io = g_file_open_readwrite (file, NULL, &error);
  g_assert_no_error (error);
  if (c->kind == CHANGE_TRUNCATE)
    g_assert_true (g_seekable_truncate (G_SEEKABLE (io), 30000, NULL, &error));
  else
    {
      g_autofree guint8 *junk = g_malloc (64 * 1024);

      memset (junk, 0xA5, 64 * 1024);
      g_assert_true (g_seekable_seek (G_SEEKABLE (io), 4096, G_SEEK_SET, NULL, &error));
      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                                junk, 64 * 1024, NULL, NULL, &error));
    }
  g_assert_no_error (error);
  g_assert_true (g_io_stream_close (G_IO_STREAM (io), NULL, &error));
  g_assert_no_error (error);
}

/* The worst finding of the hostile-file audit: a file rewritten in place
 * during the flash was served unchecked and the run ended "Success". Now
 * the READ after the change is answered with STOP: the device never gets
 * a byte that was not validated, and the run says why. */
static void
test_changed_during_flash (Fixture *f, gconstpointer data)
{
  ChangeKind kind = GPOINTER_TO_INT (data);
  g_autoptr (OtaTestEmu) emu = NULL;
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  struct utimbuf past = { .actime = 1000000000, .modtime = 1000000000 };
  /* slow enough that the change lands in the middle of stage one */
  const gchar *emu_args[] = { "--link-bandwidth", "262144", NULL };
  Changer c = { .kind = kind };

  path = ota_test_make_ufw (f->dir, 1024 * 1024, 9000, 5, "9.9", OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  /* times in the past: any write now changes them, whatever the resolution */
  g_assert_cmpint (g_utime (path, &past), ==, 0);
  c.path = path;
  emu = ota_test_emu_start (emu_args, &error);
  g_assert_no_error (error);
  {
    const gchar *extra[] = { path, NULL };
    r = ota_test_cli_run_json (emu, extra, change_cb, &c);
  }
  g_assert_true (c.changed);
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "message"),
                                "the firmware file changed during the upgrade");
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "message"),
                                kind == CHANGE_TRUNCATE ? "its size went from"
                                                        : "it was written to");
  /* past the point of no return: the device waits for stage two */
  if (r->status != 8)
    ota_test_cli_assert_contains (r, "exit code", "exit code 8");
  g_assert_cmpstr (ota_test_cli_result_string (r, "status"), ==, "needs-recovery");
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_true (ota_test_emu_get_stage2_pending (emu));
}

/* A genuine file whose CRCs cover the size the device verifies, not the
 * padded size (ufw.md): accepted. */
static void
test_crc_over_size (Fixture *f, gconstpointer data)
{
  const gchar *mkufw = g_getenv ("OTA_TEST_MKUFW");
  g_autofree gchar *path = g_build_filename (f->dir, "crc-over-size.ufw", NULL);
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autoptr (GError) error = NULL;
  gint status = -1;

  g_assert_nonnull (mkufw);
  {
    const gchar *argv[] = { mkufw,        "--flash-size", "100003", "--ota-size", "5001",
                            "--crc-over", "size",         path,     NULL };

    g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    const gchar *extra[] = { "--check", path, NULL };
    r = ota_test_cli_run_json (NULL, extra, NULL, NULL);
  }
  if (r->status != 0)
    ota_test_cli_assert_contains (r, "exit code", "exit code 0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autofree gchar *check = g_strdup_printf ("/badfile/check/%s", bad_files[i].name);
      g_autofree gchar *flash = g_strdup_printf ("/badfile/flash/%s", bad_files[i].name);

      g_test_add (check, Fixture, &bad_files[i], fixture_setup, test_check, fixture_teardown);
      g_test_add (flash, Fixture, &bad_files[i], fixture_setup, test_flash, fixture_teardown);
    }
  g_test_add ("/badfile/check/crc-over-size-accepted", Fixture, NULL, fixture_setup,
              test_crc_over_size, fixture_teardown);
  g_test_add ("/badfile/flash/changed-during-flash-rewritten", Fixture,
              GINT_TO_POINTER (CHANGE_REWRITE), fixture_setup, test_changed_during_flash,
              fixture_teardown);
  g_test_add ("/badfile/flash/changed-during-flash-truncated", Fixture,
              GINT_TO_POINTER (CHANGE_TRUNCATE), fixture_setup, test_changed_during_flash,
              fixture_teardown);
  return g_test_run ();
}
