/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-device.h"

#include <stdio.h>
#include <stdlib.h>

#include "emu-ctp-server.h"
#include "emu-http-server.h"
#include "emu-ota-server.h"
#include "emu-port.h"
#include "emu-socket.h"
#include "emu-state.h"
#include "ota-firmware.h"
#include "ota-ufw.h"

/* Device seconds of the real device's behaviour. */
#define REBOOT_DOWN_SECS 3.0

struct _EmuDevice {
  EmuOptions opts;
  EmuFaults *faults;
  EmuEvents *events;
  EmuState *state;
  EmuPort *ports[EMU_N_PORTS];
  GThread *thread;

  GMutex lock;
  GCond cond;
  /* all below under lock */
  EmuMode mode;
  GCancellable *stop; /* the emulator stops */
  GCancellable *boot; /* the current boot ends (reboot or stop) */
  guint n_workers;
  gboolean shutdown;
  gboolean reboot_requested;
  gint64 reboot_at_us;
  gchar *reboot_reason;
  gboolean ota_acceptor_running;
  GSocket *ctp_client;
  gboolean description_fetched;
  gboolean transfer_active;
  guint violations;
};

static const gchar *const port_names[EMU_N_PORTS] = { "ctp", "http", "ota" };

static const gchar *
mode_name (EmuMode mode)
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

static void
options_copy (EmuOptions *dst, const EmuOptions *src)
{
  *dst = *src;
  dst->host = g_strdup (src->host != NULL ? src->host : "127.0.0.1");
  dst->state_dir = g_strdup (src->state_dir);
  dst->events_path = g_strdup (src->events_path);
  dst->installed_version = g_strdup (src->installed_version);
  dst->installed_ufw = g_strdup (src->installed_ufw);
}

static void
options_clear (EmuOptions *opts)
{
  g_free (opts->host);
  g_free (opts->state_dir);
  g_free (opts->events_path);
  g_free (opts->installed_version);
  g_free (opts->installed_ufw);
}

/* --installed-ufw: the device runs the firmware of that file already. */
static gboolean
apply_installed_ufw (EmuState *state, const gchar *path, GError **error)
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
  options_copy (&self->opts, options);
  self->faults = faults;
  self->stop = g_cancellable_new ();
  self->mode = EMU_MODE_OFF;

  self->events = emu_events_new (self->opts.events_path, error);
  if (self->events == NULL)
    return NULL;
  self->state = emu_state_load (self->opts.state_dir, self->opts.installed_version, error);
  if (self->state == NULL)
    return NULL;
  if (self->opts.installed_ufw != NULL
      && !apply_installed_ufw (self->state, self->opts.installed_ufw, error))
    return NULL;
  if (self->opts.start_in_loader)
    self->state->stage2_pending = TRUE;
  /* Starting the process is a power cycle. The loader comes back from one
   * with its own open access point, whatever the product's settings were. */
  g_free (self->state->ssid);
  self->state->ssid = self->state->stage2_pending ? emu_state_recovery_ssid (self->state)
                                                  : emu_state_product_ssid (self->state);
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
  options_clear (&self->opts);
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

/* --- threads of a boot --- */

typedef struct {
  EmuDevice *dev;
  GThreadFunc func;
  gpointer data;
} Worker;

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  EmuDevice *self = w->dev;

  w->func (w->data);
  g_free (w);
  g_mutex_lock (&self->lock);
  self->n_workers--;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

void
emu_device_spawn (EmuDevice *self, const gchar *name, GThreadFunc func, gpointer data)
{
  Worker *w = g_new0 (Worker, 1);

  w->dev = self;
  w->func = func;
  w->data = data;
  g_mutex_lock (&self->lock);
  self->n_workers++;
  g_mutex_unlock (&self->lock);
  /* Detached: the boot waits for n_workers to drop to zero instead. */
  g_thread_unref (g_thread_new (name, worker_main, w));
}

typedef struct {
  EmuDevice *dev;
  EmuPortId id;
  GSocket *sock;
  GCancellable *cancellable;
} Conn;

static void
conn_free (Conn *c)
{
  g_clear_object (&c->sock);
  g_clear_object (&c->cancellable);
  g_free (c);
}

static gpointer
conn_main (gpointer data)
{
  Conn *c = data;

  if (c->id == EMU_PORT_CTP)
    emu_ctp_server_serve (c->dev, g_steal_pointer (&c->sock), c->cancellable);
  else
    emu_http_server_serve (c->dev, g_steal_pointer (&c->sock), c->cancellable);
  conn_free (c);
  return NULL;
}

static void
emit_connect (EmuDevice *self, EmuPortId id, GSocket *sock)
{
  g_autofree gchar *peer = emu_socket_peer (sock);
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddStringToObject (f, "port", port_names[id]);
  cJSON_AddStringToObject (f, "peer", peer);
  emu_device_emit (self, "connect", f);
}

static gpointer
acceptor_main (gpointer data)
{
  Conn *a = data;
  EmuDevice *self = a->dev;
  EmuPort *port = self->ports[a->id];

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) sock = emu_port_accept (port, a->cancellable, &error);

      if (sock == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
              && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
            g_warning ("%s port: accept failed: %s", port_names[a->id], error->message);
          if (a->id == EMU_PORT_OTA)
            {
              g_mutex_lock (&self->lock);
              self->ota_acceptor_running = FALSE;
              g_mutex_unlock (&self->lock);
            }
          break;
        }
      emit_connect (self, a->id, sock);

      if (a->id != EMU_PORT_OTA)
        {
          Conn *c = g_new0 (Conn, 1);

          c->dev = self;
          c->id = a->id;
          c->sock = g_steal_pointer (&sock);
          c->cancellable = g_object_ref (a->cancellable);
          emu_device_spawn (self, a->id == EMU_PORT_CTP ? "emu-ctp" : "emu-http", conn_main, c);
          continue;
        }

      /* 3335: one client at a time, served right here. The main firmware
       * listens for one client only (unless --ota-listen-at-boot). */
      g_mutex_lock (&self->lock);
      if (self->mode == EMU_MODE_MAIN && !self->opts.ota_listen_at_boot)
        emu_port_unlisten (port);
      g_mutex_unlock (&self->lock);

      emu_ota_server_serve (self, g_steal_pointer (&sock), a->cancellable);

      /* Decided under the lock, so that a NET_OTA_SINGLE arriving now
       * either sees this acceptor running on a listening port or starts a
       * new one. */
      g_mutex_lock (&self->lock);
      if (!emu_port_is_listening (port) || self->reboot_requested
          || g_cancellable_is_cancelled (a->cancellable))
        {
          self->ota_acceptor_running = FALSE;
          g_mutex_unlock (&self->lock);
          break;
        }
      g_mutex_unlock (&self->lock);
    }

  conn_free (a);
  return NULL;
}

/* Called with the lock held. */
static void
start_acceptor_locked (EmuDevice *self, EmuPortId id)
{
  Conn *a = g_new0 (Conn, 1);

  a->dev = self;
  a->id = id;
  a->cancellable = g_object_ref (self->boot);
  if (id == EMU_PORT_OTA)
    self->ota_acceptor_running = TRUE;
  /* spawn takes the lock itself */
  g_mutex_unlock (&self->lock);
  emu_device_spawn (self, "emu-accept", acceptor_main, a);
  g_mutex_lock (&self->lock);
}

static void
listen_port_locked (EmuDevice *self, EmuPortId id)
{
  g_autoptr (GError) error = NULL;

  if (!emu_port_listen (self->ports[id], &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  start_acceptor_locked (self, id);
}

static void
boot (EmuDevice *self)
{
  cJSON *f = cJSON_CreateObject ();
  EmuMode mode;

  g_mutex_lock (&self->lock);
  mode = self->state->stage2_pending ? EMU_MODE_LOADER : EMU_MODE_MAIN;
  self->mode = mode;
  g_clear_object (&self->boot);
  self->boot = g_cancellable_new ();
  self->description_fetched = FALSE;
  self->transfer_active = FALSE;
  self->ota_acceptor_running = FALSE;
  g_clear_object (&self->ctp_client);

  cJSON_AddStringToObject (f, "mode", mode_name (mode));
  cJSON_AddStringToObject (f, "ota_step", mode == EMU_MODE_LOADER ? "1" : "0");
  cJSON_AddStringToObject (f, "firmware_version", self->state->installed_version);
  cJSON_AddStringToObject (f, "ssid", self->state->ssid);
  emu_device_emit (self, "boot", f);

  listen_port_locked (self, EMU_PORT_CTP);
  listen_port_locked (self, EMU_PORT_HTTP);
  if (mode == EMU_MODE_LOADER || self->opts.ota_listen_at_boot)
    listen_port_locked (self, EMU_PORT_OTA);
  g_mutex_unlock (&self->lock);
}

/* Ends the current boot: every thread of it, every port closed. */
static void
take_down (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  self->mode = EMU_MODE_OFF;
  if (self->boot != NULL)
    g_cancellable_cancel (self->boot);
  while (self->n_workers > 0)
    {
      gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      if (!g_cond_wait_until (&self->cond, &self->lock, until))
        g_message ("waiting for %u connection threads to end", self->n_workers);
    }
  g_clear_object (&self->ctp_client);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < EMU_N_PORTS; i++)
    emu_port_unlisten (self->ports[i]);
}

static gpointer
device_main (gpointer data)
{
  EmuDevice *self = data;

  for (;;)
    {
      g_autofree gchar *reason = NULL;
      g_autofree EmuFault *no_reboot = NULL;
      g_autofree EmuFault *late = NULL;
      gdouble down = REBOOT_DOWN_SECS;
      gint stage;
      cJSON *f;

      g_mutex_lock (&self->lock);
      while (!self->shutdown
             && !(self->reboot_requested && g_get_monotonic_time () >= self->reboot_at_us))
        {
          if (self->reboot_requested)
            g_cond_wait_until (&self->cond, &self->lock, self->reboot_at_us);
          else
            g_cond_wait (&self->cond, &self->lock);
        }
      if (self->shutdown)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      reason = g_steal_pointer (&self->reboot_reason);
      self->reboot_requested = FALSE;
      stage = self->mode == EMU_MODE_LOADER ? 2 : 1;
      g_mutex_unlock (&self->lock);

      take_down (self);

      no_reboot = emu_device_take_fault (self, "no-reboot", stage, 0);
      if (no_reboot == NULL)
        late = emu_device_take_fault (self, "late-reboot", stage, 0);
      if (late != NULL)
        down = late->secs;

      f = cJSON_CreateObject ();
      cJSON_AddStringToObject (f, "reason", reason != NULL ? reason : "");
      cJSON_AddStringToObject (f, "into", self->state->stage2_pending ? "loader" : "main");
      if (no_reboot != NULL)
        cJSON_AddBoolToObject (f, "comes_back", FALSE);
      else
        cJSON_AddNumberToObject (f, "down_s", emu_device_scaled (self, down));
      emu_device_emit (self, "reboot", f);

      if (no_reboot != NULL)
        {
          /* The device stays dark until the emulator is stopped. */
          emu_device_sleep (self, G_MAXINT32, self->stop);
          break;
        }
      if (!emu_device_sleep (self, emu_device_scaled (self, down), self->stop))
        break;
      boot (self);
    }

  take_down (self);
  return NULL;
}

gboolean
emu_device_start (EmuDevice *self, GError **error)
{
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddNumberToObject (f, "ctp", emu_device_get_port (self, EMU_PORT_CTP));
  cJSON_AddNumberToObject (f, "http", emu_device_get_port (self, EMU_PORT_HTTP));
  cJSON_AddNumberToObject (f, "ota", emu_device_get_port (self, EMU_PORT_OTA));
  cJSON_AddNumberToObject (f, "time_scale", self->opts.time_scale);
  cJSON_AddStringToObject (f, "sdk", self->opts.sdk_1_1 ? "1.1" : "current");
  cJSON_AddBoolToObject (f, "strict", self->opts.strict);
  emu_device_emit (self, "start", f);

  boot (self);
  self->thread = g_thread_try_new ("emu-device", device_main, self, error);
  return self->thread != NULL;
}

void
emu_device_request_shutdown (EmuDevice *self)
{
  g_mutex_lock (&self->lock);
  self->shutdown = TRUE;
  g_cancellable_cancel (self->stop);
  if (self->boot != NULL)
    g_cancellable_cancel (self->boot);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
emu_device_join (EmuDevice *self)
{
  if (self->thread != NULL)
    {
      g_thread_join (self->thread);
      self->thread = NULL;
    }
}

/* --- state --- */

static void
save_state_locked (EmuDevice *self)
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
      save_state_locked (self);
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
  g_free (self->state->ssid);
  self->state->ssid = emu_state_product_ssid (self->state);
  save_state_locked (self);
  g_mutex_unlock (&self->lock);
}

void
emu_device_request_reboot (EmuDevice *self, gdouble delay, const gchar *reason)
{
  g_mutex_lock (&self->lock);
  if (!self->reboot_requested)
    {
      self->reboot_requested = TRUE;
      self->reboot_at_us
          = g_get_monotonic_time () + (gint64) (emu_device_scaled (self, delay) * G_USEC_PER_SEC);
      g_free (self->reboot_reason);
      self->reboot_reason = g_strdup (reason);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

gboolean
emu_device_reboot_pending (EmuDevice *self)
{
  gboolean r;

  g_mutex_lock (&self->lock);
  r = self->reboot_requested;
  g_mutex_unlock (&self->lock);
  return r;
}

void
emu_device_power_loss (EmuDevice *self, gint stage, guint read)
{
  cJSON *f = cJSON_CreateObject ();

  g_mutex_lock (&self->lock);
  save_state_locked (self);
  cJSON_AddNumberToObject (f, "stage", stage);
  cJSON_AddNumberToObject (f, "read", read);
  cJSON_AddBoolToObject (f, "stage2_pending", self->state->stage2_pending);
  emu_device_emit (self, "power-loss", f);
  fflush (stdout);
  fflush (stderr);
  /* A power cut: no clean-up, no summary, exit code 0. */
  _Exit (0);
}

/* --- main firmware --- */

gboolean
emu_device_open_ota (EmuDevice *self)
{
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (self->mode != EMU_MODE_MAIN)
    ok = FALSE;
  else if (!emu_port_is_listening (self->ports[EMU_PORT_OTA]))
    {
      g_autoptr (GError) error = NULL;

      if (emu_port_listen (self->ports[EMU_PORT_OTA], &error))
        {
          cJSON *f = cJSON_CreateObject ();

          cJSON_AddNumberToObject (f, "port", emu_device_get_port (self, EMU_PORT_OTA));
          emu_device_emit (self, "ota-listen", f);
          /* An acceptor still serving a client picks the port up again
           * when that client is done. */
          if (!self->ota_acceptor_running)
            start_acceptor_locked (self, EMU_PORT_OTA);
        }
      else
        {
          g_warning ("%s", error->message);
          ok = FALSE;
        }
    }
  g_mutex_unlock (&self->lock);
  return ok;
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
