/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

/* The device's plumbing: boots and reboots, the threads of a boot (one
 * accept thread per listening port, one thread per connection), the Wi-Fi
 * gate, and the ports opening and closing with them. */

#include "emu-device-private.h"

#include "emu-ctp-server.h"
#include "emu-http-server.h"
#include "emu-ota-server.h"
#include "emu-socket.h"

/* Device seconds of the real device's behaviour. */
#define REBOOT_DOWN_SECS 3.0
/* --devices: the gap between one unit going and the next one answering. */
#define SWAP_GAP_SECS 0.5

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

  cJSON_AddStringToObject (f, "port", emu_device_port_names[id]);
  cJSON_AddStringToObject (f, "peer", peer);
  emu_device_emit (self, "connect", f);
}

/* --wifi-gate: until the PC joined the network of this boot, the device is
 * out of its reach; a connection that gets through loopback is reset. */
static gboolean
gate_refuses (EmuDevice *self, EmuPortId id)
{
  gboolean refuses;
  cJSON *f;

  g_mutex_lock (&self->lock);
  refuses = self->opts.wifi_gate && !self->joined;
  g_mutex_unlock (&self->lock);
  if (!refuses)
    return FALSE;
  f = cJSON_CreateObject ();
  cJSON_AddStringToObject (f, "state", "closed");
  cJSON_AddStringToObject (f, "refused", emu_device_port_names[id]);
  emu_device_emit (self, "wifi-gate", f);
  return TRUE;
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
            g_warning ("%s port: accept failed: %s", emu_device_port_names[a->id], error->message);
          if (a->id == EMU_PORT_OTA)
            {
              g_mutex_lock (&self->lock);
              self->ota_acceptor_running = FALSE;
              g_mutex_unlock (&self->lock);
            }
          break;
        }
      emit_connect (self, a->id, sock);
      if (gate_refuses (self, a->id))
        {
          emu_socket_close_reset (sock);
          continue;
        }

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

/* Called with the lock held: the SSID this boot shows. The updater shows
 * the product's network unless --updater-wifi open; after a power cut in
 * stage two it comes back with its own open network. */
static void
choose_ssid_locked (EmuDevice *self)
{
  gboolean open
      = self->state->stage2_pending && (self->power_cycled || self->opts.updater_wifi_open);

  g_free (self->state->ssid);
  self->state->ssid = open ? emu_state_recovery_ssid (self->state) : g_strdup (self->product_ssid);
  self->ssid_open = open;
  self->power_cycled = FALSE;
  emu_device_save_state_locked (self);
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
  self->updater_restarted = FALSE;
  self->transfer_active = FALSE;
  self->ota_acceptor_running = FALSE;
  self->ctp_registered = 0;
  self->joined = FALSE;
  g_clear_object (&self->ctp_client);
  choose_ssid_locked (self);

  cJSON_AddStringToObject (f, "mode", emu_device_mode_name (mode));
  cJSON_AddStringToObject (f, "ota_step", mode == EMU_MODE_LOADER ? "1" : "0");
  cJSON_AddStringToObject (f, "firmware_version", self->state->installed_version);
  cJSON_AddStringToObject (f, "ssid", self->state->ssid);
  emu_device_emit (self, "boot", f);
  f = cJSON_CreateObject ();
  cJSON_AddStringToObject (f, "state", "up");
  cJSON_AddStringToObject (f, "ssid", self->state->ssid);
  cJSON_AddBoolToObject (f, "open", self->ssid_open);
  emu_device_emit (self, "wifi", f);
  if (self->opts.wifi_gate)
    {
      f = cJSON_CreateObject ();
      cJSON_AddStringToObject (f, "state", "closed");
      cJSON_AddStringToObject (f, "ssid", self->state->ssid);
      emu_device_emit (self, "wifi-gate", f);
    }

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
  if (self->mode != EMU_MODE_OFF)
    emu_device_emit_wifi_down_locked (self);
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

/* --devices: the unit goes, a fresh one takes its place (its own uuid and
 * network, the initial firmware, faults of its unit number). */
static void
swap_unit (EmuDevice *self, const gchar *reason, gdouble asked_s)
{
  g_autoptr (GError) error = NULL;
  cJSON *f = cJSON_CreateObject ();

  g_mutex_lock (&self->lock);
  emu_state_reset (self->state, self->opts.installed_version);
  if (self->opts.installed_ufw != NULL
      && !emu_device_apply_installed_ufw (self->state, self->opts.installed_ufw, &error))
    g_warning ("%s", error->message);
  g_free (self->product_ssid);
  self->product_ssid
      = self->opts.ssid != NULL ? g_strdup (self->opts.ssid) : emu_state_product_ssid (self->state);
  self->unit++;
  self->unit_installed = FALSE;
  self->power_cycled = TRUE;
  emu_faults_set_unit (self->faults, self->unit);
  emu_device_save_state_locked (self);
  cJSON_AddNumberToObject (f, "unit", self->unit);
  cJSON_AddStringToObject (f, "uuid", self->state->uuid);
  cJSON_AddStringToObject (f, "ssid", self->product_ssid);
  cJSON_AddStringToObject (f, "reason", reason != NULL ? reason : "");
  cJSON_AddNumberToObject (f, "delay_s", asked_s);
  cJSON_AddNumberToObject (f, "gap_s", emu_device_scaled (self, SWAP_GAP_SECS));
  g_mutex_unlock (&self->lock);
  emu_device_emit (self, "device-swap", f);
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
      gdouble asked_s;
      gboolean swap;
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
      swap = self->swap_requested;
      self->swap_requested = FALSE;
      asked_s = (gdouble) (g_get_monotonic_time () - self->reboot_asked_us) / G_USEC_PER_SEC;
      stage = self->mode == EMU_MODE_LOADER ? 2 : 1;
      g_mutex_unlock (&self->lock);

      take_down (self);

      if (swap)
        {
          swap_unit (self, reason, asked_s);
          if (!emu_device_sleep (self, emu_device_scaled (self, SWAP_GAP_SECS), self->stop))
            break;
          boot (self);
          g_mutex_lock (&self->lock);
          self->swapping = FALSE;
          g_mutex_unlock (&self->lock);
          continue;
        }

      no_reboot = emu_device_take_fault (self, "no-reboot", stage, 0);
      if (no_reboot == NULL)
        late = emu_device_take_fault (self, "late-reboot", stage, 0);
      if (late != NULL)
        down = late->secs;

      f = cJSON_CreateObject ();
      cJSON_AddStringToObject (f, "reason", reason != NULL ? reason : "");
      cJSON_AddStringToObject (f, "into", self->state->stage2_pending ? "loader" : "main");
      /* device time for benchmarks: from the request to going down */
      cJSON_AddNumberToObject (f, "delay_s", asked_s);
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

void
emu_device_request_reboot (EmuDevice *self, gdouble delay, const gchar *reason)
{
  g_mutex_lock (&self->lock);
  if (!self->reboot_requested)
    {
      self->reboot_requested = TRUE;
      self->reboot_asked_us = g_get_monotonic_time ();
      self->reboot_at_us
          = g_get_monotonic_time () + (gint64) (emu_device_scaled (self, delay) * G_USEC_PER_SEC);
      g_free (self->reboot_reason);
      self->reboot_reason = g_strdup (reason);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

void
emu_device_unit_over (EmuDevice *self, gdouble delay, const gchar *reason)
{
  g_mutex_lock (&self->lock);
  /* the old unit may still answer a read or two until it is taken down:
   * one swap per unit */
  if (self->opts.devices > 1 && self->unit < self->opts.devices && !self->reboot_requested
      && !self->swapping && !self->shutdown)
    {
      self->reboot_requested = TRUE;
      self->swap_requested = TRUE;
      self->swapping = TRUE;
      self->reboot_asked_us = g_get_monotonic_time ();
      self->reboot_at_us
          = g_get_monotonic_time () + (gint64) (emu_device_scaled (self, delay) * G_USEC_PER_SEC);
      g_free (self->reboot_reason);
      self->reboot_reason = g_strdup (reason);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
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

void
emu_device_ota_teardown (EmuDevice *self, gdouble seconds, GCancellable *cancellable)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) sock
          = emu_port_accept_until (self->ports[EMU_PORT_OTA], deadline, cancellable, &error);
      cJSON *f;

      if (sock == NULL)
        return;
      emit_connect (self, EMU_PORT_OTA, sock);
      f = cJSON_CreateObject ();
      cJSON_AddNumberToObject (f, "stage", 2);
      cJSON_AddStringToObject (f, "reason", "accepted during the teardown after ERR");
      emu_device_emit (self, "ota-teardown-reset", f);
      emu_socket_close_reset (sock);
    }
}
