/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-firmware.h"
#include "ota-i18n.h"

#include "ota-error.h"
#include "ota-platform.h"

struct _OtaFirmware {
  GObject parent_instance;
  gchar *path;
  int fd;
  guint64 size;
  OtaPlatformFileId id; /* at open: what "unchanged" means */
  GMutex change_lock;
  gchar *change; /* what changed, once seen; never cleared */
#ifdef G_OS_WIN32
  GMutex lock; /* the Windows read seeks first: one reader at a time */
#endif
};

G_DEFINE_TYPE (OtaFirmware, ota_firmware, G_TYPE_OBJECT)

static void
ota_firmware_finalize (GObject *object)
{
  OtaFirmware *self = OTA_FIRMWARE (object);

  ota_platform_close (self->fd);
  g_free (self->path);
  g_free (self->change);
  g_mutex_clear (&self->change_lock);
#ifdef G_OS_WIN32
  g_mutex_clear (&self->lock);
#endif
  G_OBJECT_CLASS (ota_firmware_parent_class)->finalize (object);
}

static void
ota_firmware_class_init (OtaFirmwareClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_firmware_finalize;
}

static void
ota_firmware_init (OtaFirmware *self)
{
  self->fd = -1;
  g_mutex_init (&self->change_lock);
#ifdef G_OS_WIN32
  g_mutex_init (&self->lock);
#endif
}

OtaFirmware *
ota_firmware_open (const gchar *path, GError **error)
{
  g_autoptr (OtaFirmware) self = NULL;
  g_autoptr (GError) local_error = NULL;
  guint64 size = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = ota_platform_open_read (path, &size, &local_error);
  if (fd < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                     _ ("the firmware file '%s' does not exist"), path);
      else
        g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                     _ ("cannot open the firmware file '%s': %s"), path, local_error->message);
      return NULL;
    }

  self = g_object_new (OTA_TYPE_FIRMWARE, NULL);
  self->fd = fd;
  self->path = g_strdup (path);
  self->size = size;
  if (!ota_platform_file_id (fd, &self->id, &local_error))
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("cannot examine the firmware file '%s': %s"), path, local_error->message);
      return NULL;
    }
  /* the one size everything is checked against is the one of the identity */
  self->size = size = self->id.size;

  if (size == 0)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE, _ ("the firmware file '%s' is empty"),
                   path);
      return NULL;
    }
  if (size > OTA_FIRMWARE_MAX_SIZE)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   "the firmware file '%s' is %" G_GUINT64_FORMAT " bytes: the device "
                   "cannot address files of 4 GiB or more",
                   path, size);
      return NULL;
    }
  return g_steal_pointer (&self);
}

const gchar *
ota_firmware_get_path (OtaFirmware *self)
{
  g_return_val_if_fail (OTA_IS_FIRMWARE (self), NULL);

  return self->path;
}

guint64
ota_firmware_get_size (OtaFirmware *self)
{
  g_return_val_if_fail (OTA_IS_FIRMWARE (self), 0);

  return self->size;
}

/* What differs between @was and @now, or NULL. */
static gchar *
describe_change (const OtaPlatformFileId *was, const OtaPlatformFileId *now)
{
  if (now->inode != was->inode || now->device != was->device)
    return g_strdup ("it was replaced by another file");
  /* the open file is still the checked one, but a rename or delete touched
   * it (ctime): whoever did that meant another file, so stop anyway */
  if (now->links == 0 && was->links != 0)
    return g_strdup ("it was deleted or replaced by another file");
  if (now->size != was->size)
    return g_strdup_printf ("its size went from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                            " bytes",
                            was->size, now->size);
  if (now->mtime_ns != was->mtime_ns)
    return g_strdup ("it was written to");
  if (now->ctime_ns != was->ctime_ns)
    return g_strdup ("it was written to, or its times or permissions were changed");
  return NULL;
}

static gboolean
set_changed_error (OtaFirmware *self, GError **error)
{
  g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
               _ ("the firmware file '%s' changed after it was checked (%s): nothing more is read "
                  "from it"),
               self->path, self->change);
  return FALSE;
}

gboolean
ota_firmware_check_unchanged (OtaFirmware *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GMutexLocker) locker = NULL;
  OtaPlatformFileId now;

  g_return_val_if_fail (OTA_IS_FIRMWARE (self), FALSE);

  locker = g_mutex_locker_new (&self->change_lock);
  if (self->change == NULL)
    {
      if (!ota_platform_file_id (self->fd, &now, &local_error))
        self->change = g_strdup_printf ("it cannot be examined any more: %s", local_error->message);
      else
        self->change = describe_change (&self->id, &now);
    }
  if (self->change != NULL)
    return set_changed_error (self, error);
  return TRUE;
}

gchar *
ota_firmware_dup_change (OtaFirmware *self)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_FIRMWARE (self), NULL);

  locker = g_mutex_locker_new (&self->change_lock);
  return g_strdup (self->change);
}

gboolean
ota_firmware_read_at (OtaFirmware *self, guint64 offset, guint8 *buf, gsize len, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (OTA_IS_FIRMWARE (self), FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  if (offset > self->size || len > self->size - offset)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   "cannot read %" G_GSIZE_FORMAT " bytes at offset %" G_GUINT64_FORMAT
                   " of the firmware file '%s': it has only %" G_GUINT64_FORMAT " bytes",
                   len, offset, self->path, self->size);
      return FALSE;
    }
  if (len == 0)
    return TRUE;

#ifdef G_OS_WIN32
  g_mutex_lock (&self->lock);
#endif
  ok = ota_platform_pread (self->fd, offset, buf, len, &local_error);
#ifdef G_OS_WIN32
  g_mutex_unlock (&self->lock);
#endif
  /* after the read: a write changes the inode's times as it starts (Linux
   * updates them before it copies the data), so bytes read before this
   * check passes are bytes of the file as it was opened */
  if (!ota_firmware_check_unchanged (self, error))
    return FALSE;
  if (!ok)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                   _ ("cannot read the firmware file '%s': %s"), self->path, local_error->message);
      return FALSE;
    }
  return TRUE;
}
