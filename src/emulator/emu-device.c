/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

/* The device model: what the device knows and shows (state, mode, Wi-Fi,
 * the loader's counters) and the services the servers use. Boots, reboots,
 * threads and ports are in emu-device-boot.c. */

#include "emu-device-private.h"

#include <stdio.h>
#include <stdlib.h>

#include "emu-socket.h"
#include "ota-firmware.h"
#include "ota-ufw.h"

const gchar *const emu_device_port_names[EMU_N_PORTS] = { "ctp", "http", "ota" };

const gchar *
emu_device_mode_name (EmuMode mode)
{
  switch (mode)
    {
    case EMU_MODE_MAIN:
      return "main";
    case EMU_MODE_LOADER:
      return "loader";
    case EMU_MODE_OFF:
    default:
      return "off";
    }
}

/* --- construction --- */

/* --installed-ufw: the device runs the firmware of that file already. */
gboolean
emu_device_apply_installed_ufw (EmuState *state, const gchar *path, GError **error)
{
  g_autoptr (OtaFirmware) fw = ota_firmware_open (path, error);
  g_autoptr (OtaUfw) ufw = NULL;
  const OtaUfwEntry *flash;

  if (fw == NULL)
    return FALSE;
  ufw = ota_ufw_load (fw, OTA_UFW_CHECK_FORCE, NULL, error);
  if (ufw == NULL)
    return FALSE;
  flash = ota_ufw_find_entry (ufw, OTA_UFW_TYPE_FLASH);
  if (flash == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--installed-ufw %s has no flash.bin entry", path);
      return FALSE;
    }
  state->has_identity = TRUE;
  state->flash_crc = flash->data_crc;
  state->flash_size = flash->size;
  if (ota_ufw_get_version (ufw) != NULL)
    {
      g_free (state->installed_version);
      state->installed_version = g_strdup (ota_ufw_get_version (ufw));
    }
  return TRUE;
}

EmuDevice *
emu_device_new (const EmuOptions *options, EmuFaults *faults, GError **error)
{
  g_autoptr (EmuDevice) self = g_new0 (EmuDevice, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  emu_options_copy (&self->opts, options);
  self->faults = faults;
  self->stop = g_cancellable_new ();
  self->mode = EMU_MODE_OFF;
  self->unit = 1;

  self->events = emu_events_new (self->opts.events_path, error);
  if (self->events == NULL)
    return NULL;
  self->state = emu_state_load (self->opts.state_dir, self->opts.installed_version, error);
  if (self->state == NULL)
    return NULL;
  if (self->opts.installed_ufw != NULL
      && !emu_device_apply_installed_ufw (self->state, self->opts.installed_ufw, error))
    return NULL;
  if (self->opts.start_in_loader)
    self->state->stage2_pending = TRUE;
  self->product_ssid
      = self->opts.ssid != NULL ? g_strdup (self->opts.ssid) : emu_state_product_ssid (self->state);
  /* Starting the process is a power cycle: the first boot decides the SSID. */
  self->power_cycled = TRUE;
  if (!emu_state_save (self->state, error))
    return NULL;

  self->ports[EMU_PORT_CTP] = emu_port_new ("ctp", self->opts.host, self->opts.ctp_port, error);
  if (self->ports[EMU_PORT_CTP] == NULL)
    return NULL;
  self->ports[EMU_PORT_HTTP] = emu_port_new ("http", self->opts.host, self->opts.http_port, error);
  if (self->ports[EMU_PORT_HTTP] == NULL)
    return NULL;
  self->ports[EMU_PORT_OTA] = emu_port_new ("ota", self->opts.host, self->opts.ota_port, error);
  if (self->ports[EMU_PORT_OTA] == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
emu_device_free (EmuDevice *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      emu_device_request_shutdown (self);
      emu_device_join (self);
    }
  for (guint i = 0; i < EMU_N_PORTS; i++)
    emu_port_free (self->ports[i]);
  emu_state_free (self->state);
  emu_events_free (self->events);
  emu_faults_free (self->faults);
  g_clear_object (&self->stop);
  g_clear_object (&self->boot);
  g_clear_object (&self->ctp_client);
  g_free (self->reboot_reason);
  emu_options_clear (&self->opts);
  g_free (self->product_ssid);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* --- small services --- */

const EmuOptions *
emu_device_get_options (EmuDevice *self)
{
  return &self->opts;
}

EmuMode
emu_device_get_mode (EmuDevice *self)
{
  EmuMode m;

  g_mutex_lock (&self->lock);
  m = self->mode;
  g_mutex_unlock (&self->lock);
  return m;
}

guint16
emu_device_get_port (EmuDevice *self, EmuPortId id)
{
  return emu_port_get_port (self->ports[id]);
}

guint
emu_device_get_violations (EmuDevice *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->violations;
  g_mutex_unlock (&self->lock);
  return n;
}

void
emu_device_ready (EmuDevice *self)
{
  emu_events_release (self->events);
}

void
emu_device_emit (EmuDevice *self, const gchar *name, cJSON *fields)
{
  emu_events_emit (self->events, name, fields);
}

void
emu_device_violation (EmuDevice *self, const gchar *rule, gint stage, const gchar *format, ...)
{
  g_autofree gchar *detail = NULL;
  cJSON *f = cJSON_CreateObject ();
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_mutex_lock (&self->lock);
  self->violations++;
  g_mutex_unlock (&self->lock);

  g_message ("violation %s: %s", rule, detail);
  cJSON_AddStringToObject (f, "rule", rule);
  if (stage > 0)
    cJSON_AddNumberToObject (f, "stage", stage);
  cJSON_AddStringToObject (f, "detail", detail);
  emu_device_emit (self, "violation", f);
}

EmuFault *
emu_device_take_fault (EmuDevice *self, const gchar *name, gint stage, guint read)
{
  EmuFault *fault = emu_faults_take (self->faults, name, stage, read);

  if (fault != NULL)
    {
      cJSON *f = cJSON_CreateObject ();

      cJSON_AddStringToObject (f, "name", name);
      if (stage > 0)
        cJSON_AddNumberToObject (f, "stage", stage);
      if (read > 0)
        cJSON_AddNumberToObject (f, "read", read);
      if (fault->secs > 0)
        cJSON_AddNumberToObject (f, "secs", fault->secs);
      emu_device_emit (self, "fault", f);
    }
  return fault;
}

gdouble
emu_device_scaled (EmuDevice *self, gdouble device_seconds)
{
  return device_seconds * self->opts.time_scale;
}

gint64
emu_device_timeout_us (EmuDevice *self, gdouble device_seconds)
{
  gdouble s = MAX (1.0, device_seconds * self->opts.time_scale);

  return (gint64) (s * G_USEC_PER_SEC);
}

gboolean
emu_device_sleep (EmuDevice *self, gdouble seconds, GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  GPollFD pfd;
  gboolean have_fd;

  have_fd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &pfd);
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (left <= 0)
        break;
      if (have_fd)
        g_poll (&pfd, 1, (gint) MIN ((left + 999) / 1000, 1000));
      else
        g_usleep ((gulong) MIN (left, G_USEC_PER_SEC));
    }
  if (have_fd)
    g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* --- state --- */

void
emu_device_save_state_locked (EmuDevice *self)
{
  g_autoptr (GError) error = NULL;

  if (!emu_state_save (self->state, &error))
    g_warning ("cannot save the state: %s", error->message);
}

gchar *
emu_device_dup_installed_version (EmuDevice *self)
{
  gchar *v;

  g_mutex_lock (&self->lock);
  v = g_strdup (self->state->installed_version);
  g_mutex_unlock (&self->lock);
  return v;
}

gchar *
emu_device_dup_uuid (EmuDevice *self)
{
  gchar *v;

  g_mutex_lock (&self->lock);
  v = g_strdup (self->state->uuid);
  g_mutex_unlock (&self->lock);
  return v;
}

gboolean
emu_device_get_identity (EmuDevice *self, guint32 *crc, guint32 *size)
{
  gboolean known;

  g_mutex_lock (&self->lock);
  known = self->state->has_identity;
  *crc = self->state->flash_crc;
  *size = self->state->flash_size;
  g_mutex_unlock (&self->lock);
  return known;
}

void
emu_device_set_stage2_pending (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  if (!self->state->stage2_pending)
    {
      self->state->stage2_pending = TRUE;
      emu_device_save_state_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

void
emu_device_install (EmuDevice *self, const gchar *version, guint32 crc, guint32 size)
{
  g_mutex_lock (&self->lock);
  g_free (self->state->installed_version);
  self->state->installed_version = g_strdup (version);
  self->state->has_identity = TRUE;
  self->state->flash_crc = crc;
  self->state->flash_size = size;
  self->state->stage2_pending = FALSE;
  self->unit_installed = TRUE;
  emu_device_save_state_locked (self);
  g_mutex_unlock (&self->lock);
}

gboolean
emu_device_get_unit_installed (EmuDevice *self)
{
  gboolean r;

  g_mutex_lock (&self->lock);
  r = self->unit_installed;
  g_mutex_unlock (&self->lock);
  return r;
}

void
emu_device_keep_old_firmware (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  self->state->stage2_pending = FALSE;
  emu_device_save_state_locked (self);
  g_mutex_unlock (&self->lock);
}

void
emu_device_power_loss (EmuDevice *self, gint stage, guint read)
{
  cJSON *f = cJSON_CreateObject ();

  g_mutex_lock (&self->lock);
  emu_device_save_state_locked (self);
  emu_device_emit_wifi_down_locked (self);
  cJSON_AddNumberToObject (f, "stage", stage);
  cJSON_AddNumberToObject (f, "read", read);
  cJSON_AddBoolToObject (f, "stage2_pending", self->state->stage2_pending);
  emu_device_emit (self, "power-loss", f);
  fflush (stdout);
  fflush (stderr);
  /* A power cut: no clean-up, no summary, exit code 0. */
  _Exit (0);
}

static GInetAddress *
peer_ip (GSocket *sock)
{
  g_autoptr (GSocketAddress) addr = g_socket_get_remote_address (sock, NULL);

  if (!G_IS_INET_SOCKET_ADDRESS (addr))
    return NULL;
  return g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
}

gboolean
emu_device_ctp_claim (EmuDevice *self, GSocket *sock, GSocket **evicted)
{
  g_autoptr (GInetAddress) ip = peer_ip (sock);
  gboolean ok = TRUE;

  *evicted = NULL;
  g_mutex_lock (&self->lock);
  if (self->ctp_client != NULL)
    {
      g_autoptr (GInetAddress) old_ip = peer_ip (self->ctp_client);

      /* Someone else's session stays; the same address starts over. */
      if (ip != NULL && old_ip != NULL && !g_inet_address_equal (ip, old_ip))
        ok = FALSE;
      else
        *evicted = g_steal_pointer (&self->ctp_client);
    }
  if (ok)
    self->ctp_client = g_object_ref (sock);
  g_mutex_unlock (&self->lock);
  return ok;
}

void
emu_device_ctp_release (EmuDevice *self, GSocket *sock)
{
  g_mutex_lock (&self->lock);
  if (self->ctp_client == sock)
    g_clear_object (&self->ctp_client);
  g_mutex_unlock (&self->lock);
}

/* --- loader --- */

void
emu_device_set_description_fetched (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  self->description_fetched = TRUE;
  g_mutex_unlock (&self->lock);
}

gboolean
emu_device_get_description_fetched (EmuDevice *self)
{
  gboolean r;

  g_mutex_lock (&self->lock);
  r = self->description_fetched;
  g_mutex_unlock (&self->lock);
  return r;
}

void
emu_device_set_transfer_active (EmuDevice *self, gboolean active)
{
  g_mutex_lock (&self->lock);
  self->transfer_active = active;
  if (active)
    self->corrupted_bytes = 0;
  g_mutex_unlock (&self->lock);
}

gboolean
emu_device_get_transfer_active (EmuDevice *self)
{
  gboolean r;

  g_mutex_lock (&self->lock);
  r = self->transfer_active;
  g_mutex_unlock (&self->lock);
  return r;
}

gboolean
emu_device_ctp_stub_segment (EmuDevice *self, gsize bytes)
{
  gboolean registers;
  gboolean corrupts = FALSE;

  g_mutex_lock (&self->lock);
  registers = self->ctp_registered == 0;
  if (registers)
    {
      /* The stub copies the segment into the buffer the transfer writes. */
      self->ctp_registered++;
      if (self->transfer_active)
        {
          self->corrupted_bytes += bytes;
          corrupts = TRUE;
        }
    }
  g_mutex_unlock (&self->lock);

  if (corrupts)
    {
      cJSON *f = cJSON_CreateObject ();

      cJSON_AddNumberToObject (f, "stage", 2);
      cJSON_AddNumberToObject (f, "bytes", (gdouble) bytes);
      cJSON_AddStringToObject (f, "reason",
                               "no CTP client registered: the segment was copied into the "
                               "buffer of the running transfer");
      emu_device_emit (self, "ctp-corruption", f);
    }
  return registers;
}

void
emu_device_ctp_stub_unregister (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  if (self->ctp_registered > 0)
    self->ctp_registered--;
  g_mutex_unlock (&self->lock);
}

guint64
emu_device_get_corrupted_bytes (EmuDevice *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->corrupted_bytes;
  g_mutex_unlock (&self->lock);
  return n;
}

void
emu_device_restart_updater (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  self->description_fetched = FALSE;
  self->updater_restarted = TRUE;
  g_mutex_unlock (&self->lock);
  emu_device_emit (self, "updater-restart", NULL);
}

gboolean
emu_device_get_updater_restarted (EmuDevice *self)
{
  gboolean r;

  g_mutex_lock (&self->lock);
  r = self->updater_restarted;
  g_mutex_unlock (&self->lock);
  return r;
}

/* --- Wi-Fi --- */

gchar *
emu_device_dup_ssid (EmuDevice *self)
{
  gchar *v;

  g_mutex_lock (&self->lock);
  v = g_strdup (self->state->ssid);
  g_mutex_unlock (&self->lock);
  return v;
}

void
emu_device_emit_wifi_down_locked (EmuDevice *self)
{
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddStringToObject (f, "state", "down");
  cJSON_AddStringToObject (f, "ssid", self->state->ssid);
  emu_device_emit (self, "wifi", f);
}

void
emu_device_set_joined (EmuDevice *self, gboolean joined)
{
  cJSON *f = NULL;

  g_mutex_lock (&self->lock);
  /* While the device reboots there is no network to join. */
  if (self->mode != EMU_MODE_OFF && self->joined != joined)
    {
      self->joined = joined;
      if (self->opts.wifi_gate)
        {
          f = cJSON_CreateObject ();
          cJSON_AddStringToObject (f, "state", joined ? "open" : "closed");
          cJSON_AddStringToObject (f, "ssid", self->state->ssid);
        }
    }
  g_mutex_unlock (&self->lock);
  if (f != NULL)
    emu_device_emit (self, "wifi-gate", f);
}
