/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-batch.h"
#include "ota-i18n.h"

#include <string.h>

#include "ota-error.h"
#include "ota-event.h"
#include "ota-wifi-filter.h"

#define WIFI_JOIN_MS 60000
#define WIFI_RESTORE_MS 30000
#define WIFI_SETTLE_MS 10000
#define WIFI_SCAN_MS 30000

struct _OtaBatch {
  GObject parent_instance;

  OtaFlash *engine;
  OtaFirmware *firmware;
  OtaUfw *ufw;
  guint count;
  gboolean allow_downgrade, allow_reinstall;
  gboolean asked_downgrade, asked_reinstall; /* asked once per batch */
  gchar *expect_product;
  guint poll_ms;
  OtaBatchConfirmFunc confirm;
  gpointer confirm_data;
  OtaBatchAskFunc ask;
  gpointer ask_data;
  gboolean asking;           /* a question waits for ota_batch_answer() */
  OtaBatchQuestion question; /* the one waiting */
  gboolean stopped_asking;   /* stopped while it waited: the unit ends cancelled */

  GHashTable *done; /* uuids of this batch */

  /* Wi-Fi (ota_batch_set_wifi) */
  OtaWifi *wifi;
  OtaWifiFilter *wifi_filter;
  gchar *wifi_password;
  gboolean host_from_gateway;
  gboolean wifi_remembered; /* the PC's network, put back at the end */
  gchar *wifi_home;
  GHashTable *done_ssids;  /* the networks of this batch's units */
  GHashTable *failed_ssid; /* joins that failed: said once (the wait's worker only) */
  gchar *network;          /* the current unit's */
  GError *error;           /* the Wi-Fi could not be used at all */
  GMainContext *context;
  gint64 start_us;
  guint unit;
  gboolean in_unit;
  OtaDescription *device;
  OtaAdvice *advice;
  guint counts[OTA_OUTCOME_LAST];
  gboolean stop;
  GCancellable *wait_cancel;
  GTask *task; /* the run */
};

G_DEFINE_TYPE (OtaBatch, ota_batch, G_TYPE_OBJECT)

static void resume (OtaBatch *self);

enum {
  SIGNAL_UNIT_START,
  SIGNAL_UNIT_END,
  SIGNAL_EVENT,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
ota_batch_finalize (GObject *object)
{
  OtaBatch *self = OTA_BATCH (object);

  g_clear_object (&self->engine);
  g_clear_object (&self->firmware);
  g_clear_object (&self->ufw);
  g_free (self->expect_product);
  g_hash_table_unref (self->done);
  g_hash_table_unref (self->done_ssids);
  g_hash_table_unref (self->failed_ssid);
  g_clear_object (&self->wifi);
  g_clear_object (&self->wifi_filter);
  if (self->wifi_password != NULL)
    memset (self->wifi_password, 0, strlen (self->wifi_password));
  g_free (self->wifi_password);
  g_free (self->wifi_home);
  g_free (self->network);
  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->device, ota_description_free);
  g_clear_pointer (&self->advice, ota_advice_free);
  g_clear_object (&self->wait_cancel);
  G_OBJECT_CLASS (ota_batch_parent_class)->finalize (object);
}

static void
ota_batch_class_init (OtaBatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_batch_finalize;
  signals[SIGNAL_UNIT_START]
      = g_signal_new ("unit-start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_UNIT_END] = g_signal_new ("unit-end", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_EVENT]
      = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, OTA_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
ota_batch_init (OtaBatch *self)
{
  self->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->done_ssids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->failed_ssid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->poll_ms = 100;
}

OtaBatch *
ota_batch_new (OtaFlash *engine, OtaFirmware *firmware, OtaUfw *ufw)
{
  OtaBatch *self;

  g_return_val_if_fail (OTA_IS_FLASH (engine), NULL);
  g_return_val_if_fail (OTA_IS_FIRMWARE (firmware) && OTA_IS_UFW (ufw), NULL);
  self = g_object_new (OTA_TYPE_BATCH, NULL);
  self->engine = g_object_ref (engine);
  self->firmware = g_object_ref (firmware);
  self->ufw = g_object_ref (ufw);
  return self;
}

void
ota_batch_set_count (OtaBatch *self, guint count)
{
  self->count = count;
}

void
ota_batch_set_allow_downgrade (OtaBatch *self, gboolean allow)
{
  self->allow_downgrade = allow;
}

void
ota_batch_set_allow_reinstall (OtaBatch *self, gboolean allow)
{
  self->allow_reinstall = allow;
}

void
ota_batch_set_expect_product (OtaBatch *self, const gchar *product)
{
  g_free (self->expect_product);
  self->expect_product = g_strdup (product);
}

void
ota_batch_set_poll_interval (OtaBatch *self, guint interval_ms)
{
  self->poll_ms = MAX (interval_ms, 1);
}

void
ota_batch_set_confirm_func (OtaBatch *self, OtaBatchConfirmFunc func, gpointer user_data)
{
  self->confirm = func;
  self->confirm_data = user_data;
}

void
ota_batch_set_ask_func (OtaBatch *self, OtaBatchAskFunc func, gpointer user_data)
{
  self->ask = func;
  self->ask_data = user_data;
}

gboolean
ota_batch_is_asking (OtaBatch *self)
{
  g_return_val_if_fail (OTA_IS_BATCH (self), FALSE);
  return self->asking;
}

void
ota_batch_set_wifi (OtaBatch *self, OtaWifi *wifi, OtaWifiFilter *filter, const gchar *password,
                    gboolean host_from_gateway)
{
  g_return_if_fail (OTA_IS_BATCH (self) && self->task == NULL);
  g_set_object (&self->wifi, wifi);
  g_clear_object (&self->wifi_filter);
  self->wifi_filter = filter != NULL ? g_object_ref (filter) : ota_wifi_filter_new (NULL);
  g_free (self->wifi_password);
  self->wifi_password = g_strdup (password);
  self->host_from_gateway = wifi != NULL && host_from_gateway;
}

/* ---- versions and outcomes ------------------------------------------------------ */

gint
ota_batch_compare_versions (const gchar *a, const gchar *b)
{
  const gchar *p = a != NULL ? a : "";
  const gchar *q = b != NULL ? b : "";

  while (*p != '\0' || *q != '\0')
    {
      if (g_ascii_isdigit (*p) && g_ascii_isdigit (*q))
        {
          guint64 x = g_ascii_strtoull (p, (gchar **) &p, 10);
          guint64 y = g_ascii_strtoull (q, (gchar **) &q, 10);

          if (x != y)
            return x < y ? -1 : 1;
          continue;
        }
      if (*p != *q)
        {
          /* a missing part is older: "1.0" < "1.0.1" */
          if (*p == '\0')
            return -1;
          if (*q == '\0')
            return 1;
          return *p < *q ? -1 : 1;
        }
      p++;
      q++;
    }
  return 0;
}

guint
ota_batch_outcome_severity (OtaOutcome outcome)
{
  switch (outcome)
    {
    case OTA_OUTCOME_NEEDS_RECOVERY:
      return 9;
    case OTA_OUTCOME_NO_REBOOT:
      return 8;
    case OTA_OUTCOME_WIFI:
      return 7;
    case OTA_OUTCOME_FAILED_UNCHANGED:
      return 6;
    case OTA_OUTCOME_NOT_REACHABLE:
      return 5;
    case OTA_OUTCOME_REFUSED:
      return 4;
    case OTA_OUTCOME_INVALID_FILE:
      return 3;
    case OTA_OUTCOME_NOTHING_TO_DO:
      return 2;
    case OTA_OUTCOME_CANCELLED:
      return 1;
    case OTA_OUTCOME_SUCCESS:
    case OTA_OUTCOME_LAST:
    default:
      return 0;
    }
}

/* ---- getters -------------------------------------------------------------------- */

void
ota_batch_stop (OtaBatch *self)
{
  self->stop = TRUE;
  if (self->wait_cancel != NULL)
    g_cancellable_cancel (self->wait_cancel);
  /* the unit waiting for an answer ends, nothing sent to it */
  if (self->asking)
    {
      self->asking = FALSE;
      self->stopped_asking = TRUE;
      resume (self);
    }
}

gboolean
ota_batch_is_stopped (OtaBatch *self)
{
  return self->stop;
}

gboolean
ota_batch_in_unit (OtaBatch *self)
{
  return self->in_unit;
}

guint
ota_batch_get_unit (OtaBatch *self)
{
  return self->unit;
}

const OtaDescription *
ota_batch_get_device (OtaBatch *self)
{
  return self->device;
}

const gchar *
ota_batch_get_network (OtaBatch *self)
{
  return self->network;
}

const OtaAdvice *
ota_batch_get_advice (OtaBatch *self)
{
  return self->advice;
}

guint
ota_batch_get_n_outcome (OtaBatch *self, OtaOutcome outcome)
{
  g_return_val_if_fail (outcome < OTA_OUTCOME_LAST, 0);
  return self->counts[outcome];
}

OtaExitCode
ota_batch_get_exit_code (OtaBatch *self)
{
  OtaOutcome worst = OTA_OUTCOME_SUCCESS;

  for (guint o = 0; o < OTA_OUTCOME_LAST; o++)
    if (self->counts[o] > 0 && ota_batch_outcome_severity (o) > ota_batch_outcome_severity (worst))
      worst = o;
  /* the exit code of that outcome, as the advice table gives it */
  switch (worst)
    {
    case OTA_OUTCOME_NEEDS_RECOVERY:
      return OTA_EXIT_NEEDS_RECOVERY;
    case OTA_OUTCOME_NO_REBOOT:
      return OTA_EXIT_NO_REBOOT;
    case OTA_OUTCOME_WIFI:
      return OTA_EXIT_WIFI;
    case OTA_OUTCOME_FAILED_UNCHANGED:
      return OTA_EXIT_FAILED_UNCHANGED;
    case OTA_OUTCOME_NOT_REACHABLE:
      return OTA_EXIT_NOT_REACHABLE;
    case OTA_OUTCOME_REFUSED:
      return OTA_EXIT_REFUSED;
    case OTA_OUTCOME_INVALID_FILE:
      return OTA_EXIT_INVALID_FILE;
    case OTA_OUTCOME_NOTHING_TO_DO:
      return OTA_EXIT_NOTHING_TO_DO;
    case OTA_OUTCOME_CANCELLED:
      return OTA_EXIT_CANCELLED;
    case OTA_OUTCOME_SUCCESS:
    case OTA_OUTCOME_LAST:
    default:
      return OTA_EXIT_SUCCESS;
    }
}

/* ---- the batch's own Wi-Fi steps -------------------------------------------------- */

typedef struct {
  OtaBatch *batch;
  OtaEvent *event;
} Emit;

static gboolean
emit_idle_cb (gpointer data)
{
  Emit *e = data;

  g_signal_emit (e->batch, signals[SIGNAL_EVENT], 0, e->event);
  return G_SOURCE_REMOVE;
}

static void
emit_free (gpointer data)
{
  Emit *e = data;

  g_object_unref (e->batch);
  ota_event_free (e->event);
  g_free (e);
}

/* A "wifi" log event, from any thread, delivered on the batch's context;
 * @format in English (the JSON), translated for people (N_() at the call). */
static void G_GNUC_PRINTF (5, 6)
    batch_wifi_event (OtaBatch *self, OtaLogLevel level, OtaWifiStep step, const gchar *network,
                      const gchar *format, ...)
{
  Emit *e = g_new0 (Emit, 1);
  const gchar *translated = _ (format);
  va_list args;

  e->batch = g_object_ref (self);
  e->event = ota_event_new (OTA_EVENT_LOG);
  va_start (args, format);
  if (translated != format)
    {
      va_list copy;

      G_VA_COPY (copy, args);
      e->event->text = g_strdup_vprintf (translated, copy);
      va_end (copy);
    }
  e->event->message = g_strdup_vprintf (format, args);
  va_end (args);
  e->event->t = (gdouble) (g_get_monotonic_time () - self->start_us) / G_USEC_PER_SEC;
  e->event->level = level;
  e->event->code = OTA_EVENT_CODE_WIFI;
  e->event->wifi_step = step;
  e->event->network = g_strdup (network);
  g_debug ("batch wifi %s: %s", ota_wifi_step_to_string (step), e->event->message);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_idle_cb, e, emit_free);
}

/* ---- waiting for the next unit -------------------------------------------------- */

typedef struct {
  OtaBatch *batch; /* Wi-Fi: its settings, done_ssids (read only while the wait
                    * runs: the main context touches neither), failed_ssid */
  OtaSession *session;
  GHashTable *done; /* a snapshot: the worker never touches the batch's uuids */
  guint poll_ms;
} Wait;

typedef struct {
  OtaDescription *desc;
  gchar *network;
} Found;

static void
found_free (gpointer data)
{
  Found *found = data;

  g_clear_pointer (&found->desc, ota_description_free);
  g_free (found->network);
  g_free (found);
}

static void
wait_free (gpointer data)
{
  Wait *w = data;

  g_object_unref (w->batch);
  g_object_unref (w->session);
  g_hash_table_unref (w->done);
  g_free (w);
}

static gboolean
pause_poll (GCancellable *cancellable, guint ms)
{
  GPollFD pfd;

  if (g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_poll (&pfd, 1, (gint) ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep ((gulong) ms * 1000);
  return !g_cancellable_is_cancelled (cancellable);
}

/* A new device at the session's address, or NULL. @settle_ms: a refused
 * connection is tried again for that long (a network just joined). */
static OtaDescription *
read_new_device (Wait *w, guint settle_ms, GCancellable *cancellable)
{
  gint64 until = g_get_monotonic_time () + (gint64) settle_ms * 1000;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (OtaDescription) desc = ota_session_read_device (w->session, cancellable, &error);

      if (desc != NULL)
        {
          if (desc->uuid != NULL && *desc->uuid != '\0'
              && !g_hash_table_contains (w->done, desc->uuid))
            return g_steal_pointer (&desc);
          return NULL;
        }
      g_debug ("waiting for the next device: %s", error->message);
      if (g_get_monotonic_time () >= until || !pause_poll (cancellable, w->poll_ms))
        return NULL;
    }
}

/* Once per batch, before its first join: the PC's network, for the end. */
static gboolean
wifi_remember (OtaBatch *self, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *current = NULL;

  if (self->wifi_remembered)
    return TRUE;
  if (!ota_wifi_check (self->wifi, ota_wifi_deadline_in (WIFI_JOIN_MS), cancellable, error)
      || !ota_wifi_get_current (self->wifi, &current, NULL, cancellable, error)
      || !ota_wifi_remember (self->wifi, cancellable, error))
    return FALSE;
  self->wifi_remembered = TRUE;
  self->wifi_home = g_strdup (current);
  if (current != NULL)
    batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_REMEMBER, current,
                      N_ ("This PC is on %s; it goes back to it after the last unit"), current);
  else
    batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_REMEMBER, NULL,
                      N_ ("This PC is on no Wi-Fi network; it leaves the devices' after the "
                          "last unit"));
  return TRUE;
}

/* The device networks in range not done in this batch, recovery ones first
 * (a unit waiting for stage two cannot be used otherwise), then strongest. */
static GPtrArray *
wifi_candidates (OtaBatch *self, GPtrArray *all)
{
  g_autoptr (GPtrArray) devices = ota_wifi_filter_devices (self->wifi_filter, all);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < devices->len; i++)
      {
        const OtaWifiNetwork *n = g_ptr_array_index (devices, i);

        if (ota_wifi_ssid_is_recovery (n->ssid) != (pass == 0)
            || g_hash_table_contains (self->done_ssids, n->ssid)
            || g_hash_table_contains (seen, n->ssid))
          continue;
        g_hash_table_add (seen, n->ssid);
        g_ptr_array_add (out, g_strdup (n->ssid));
      }
  return out;
}

/* Joins @ssid and reads the device there; NULL when it failed or the unit
 * is done already (its network is then done too). */
static OtaDescription *
wifi_try (Wait *w, const gchar *ssid, GCancellable *cancellable)
{
  OtaBatch *self = w->batch;
  g_autoptr (GError) error = NULL;
  OtaDescription *desc;

  batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_JOIN, ssid,
                    N_ ("Joining the next device's network %s"), ssid);
  if (!ota_wifi_join (self->wifi, ssid, self->wifi_password, ota_wifi_deadline_in (WIFI_JOIN_MS),
                      cancellable, &error))
    {
      if (!g_hash_table_contains (self->failed_ssid, ssid) && !ota_error_is_cancelled (error))
        batch_wifi_event (self, OTA_LOG_LEVEL_WARNING, OTA_WIFI_STEP_JOIN, ssid,
                          N_ ("Could not join %s (%s); trying it again later"), ssid,
                          error->message);
      g_hash_table_add (self->failed_ssid, g_strdup (ssid));
      return NULL;
    }
  if (self->host_from_gateway)
    {
      g_autofree gchar *current = NULL;
      g_autofree gchar *gateway = NULL;
      gint64 until = g_get_monotonic_time () + (gint64) WIFI_SETTLE_MS * 1000;

      /* the address may come a moment after the association (DHCP) */
      while (ota_wifi_get_current (self->wifi, &current, &gateway, cancellable, NULL)
             && (gateway == NULL || *gateway == '\0') && g_get_monotonic_time () < until
             && pause_poll (cancellable, w->poll_ms))
        {
          g_clear_pointer (&current, g_free);
          g_clear_pointer (&gateway, g_free);
        }
      if (gateway == NULL || *gateway == '\0')
        return NULL;
      ota_session_set_host (w->session, gateway);
    }
  desc = read_new_device (w, WIFI_SETTLE_MS, cancellable);
  if (desc == NULL)
    return NULL;
  batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_JOINED, ssid,
                    N_ ("Joined %s: a new device, uuid %s"), ssid, desc->uuid);
  return desc;
}

static void
wait_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Wait *w = task_data;
  OtaBatch *self = w->batch;

  if (self->wifi != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!wifi_remember (self, cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  for (;;)
    {
      g_autoptr (OtaDescription) desc = NULL;
      g_autofree gchar *network = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _ ("stopped while waiting for the next device"));
          return;
        }
      if (self->wifi == NULL)
        /* nothing there, the unit just done, or one rebooting: read again */
        desc = read_new_device (w, 0, cancellable);
      else
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) all = ota_wifi_scan (
              self->wifi, ota_wifi_deadline_in (WIFI_SCAN_MS), cancellable, &error);
          g_autoptr (GPtrArray) candidates = all != NULL ? wifi_candidates (self, all) : NULL;

          if (all == NULL)
            g_debug ("waiting for the next device network: %s", error->message);
          for (guint i = 0; candidates != NULL && i < candidates->len && desc == NULL; i++)
            {
              const gchar *ssid = g_ptr_array_index (candidates, i);

              desc = wifi_try (w, ssid, cancellable);
              if (desc != NULL)
                network = g_strdup (ssid);
            }
        }
      if (desc != NULL)
        {
          Found *found = g_new0 (Found, 1);

          found->desc = g_steal_pointer (&desc);
          found->network = g_steal_pointer (&network);
          g_task_return_pointer (task, found, found_free);
          return;
        }
      pause_poll (cancellable, w->poll_ms);
    }
}

static void next_unit (OtaBatch *self);

static void
end_unit (OtaBatch *self, OtaAdvice *advice)
{
  g_clear_pointer (&self->advice, ota_advice_free);
  self->advice = advice;
  self->counts[advice->outcome]++;
  self->in_unit = FALSE;
  /* a recovered unit comes back on its product's network: done too */
  if (self->wifi != NULL
      && ota_session_get_wifi_network (ota_flash_get_session (self->engine)) != NULL)
    g_hash_table_add (self->done_ssids, g_strdup (ota_session_get_wifi_network (
                                            ota_flash_get_session (self->engine))));
  /* a cancelled unit is the technician's Ctrl-C: the batch ends with it */
  if (advice->outcome == OTA_OUTCOME_CANCELLED || ota_flash_is_cancelling (self->engine))
    self->stop = TRUE;
  g_signal_emit (self, signals[SIGNAL_UNIT_END], 0, self->unit);
  next_unit (self);
}

static void
flash_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaBatch) self = user_data;

  ota_flash_run_finish (OTA_FLASH (source), res, NULL);
  end_unit (self, ota_flash_dup_advice (self->engine));
}

typedef enum {
  CHECK_REFUSED,
  CHECK_ALLOWED,
  CHECK_ASKING, /* the ask function was called: the unit waits for its answer */
} Check;

/* Asks once per batch; without a question function it is refused. */
static Check
allowed (OtaBatch *self, OtaBatchQuestion question, gboolean *allow, gboolean *asked)
{
  if (*allow || *asked || (self->confirm == NULL && self->ask == NULL))
    return *allow ? CHECK_ALLOWED : CHECK_REFUSED;
  *asked = TRUE;
  if (self->ask != NULL)
    {
      self->asking = TRUE;
      self->question = question;
      self->ask (self, question, self->device, ota_ufw_get_version (self->ufw), self->ask_data);
      return CHECK_ASKING;
    }
  *allow = self->confirm (self, question, self->device, ota_ufw_get_version (self->ufw),
                          self->confirm_data);
  return *allow ? CHECK_ALLOWED : CHECK_REFUSED;
}

/* The batch's safety rules, before anything is sent to the unit. */
static Check
check_unit (OtaBatch *self, GError **error)
{
  const OtaDescription *d = self->device;
  const gchar *file_version = ota_ufw_get_version (self->ufw);
  Check check = CHECK_ALLOWED;
  gint cmp;

  if (self->expect_product != NULL && g_strcmp0 (d->product_type, self->expect_product) != 0)
    {
      g_autofree gchar *got = ota_description_describe_field (d, "product_type");

      g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                   _ ("the device is a %s, this batch expects %s (--expect-product)"), got,
                   self->expect_product);
      return CHECK_REFUSED;
    }
  /* a unit waiting for stage two is finished whatever it ran before */
  if (ota_description_needs_stage_two (d) || file_version == NULL || d->firmware_version == NULL)
    return CHECK_ALLOWED;
  cmp = ota_batch_compare_versions (d->firmware_version, file_version);
  if (cmp == 0)
    check = allowed (self, OTA_BATCH_QUESTION_REINSTALL, &self->allow_reinstall,
                     &self->asked_reinstall);
  else if (cmp > 0)
    check = allowed (self, OTA_BATCH_QUESTION_DOWNGRADE, &self->allow_downgrade,
                     &self->asked_downgrade);
  if (check != CHECK_REFUSED)
    return check;
  if (cmp == 0)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_NOTHING_TO_DO,
                   _ ("the device runs %s already, the file's version (--allow-reinstall flashes "
                      "it again)"),
                   file_version);
      return CHECK_REFUSED;
    }
  g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
               _ ("the device runs %s, newer than the file's %s: a downgrade "
                  "(--allow-downgrade allows it)"),
               d->firmware_version, file_version);
  return CHECK_REFUSED;
}

/* The unit found: checked, then flashed, refused, or waiting for an answer. */
static void
check_and_flash (OtaBatch *self)
{
  g_autoptr (GError) error = NULL;

  switch (check_unit (self, &error))
    {
    case CHECK_ASKING:
      return;
    case CHECK_REFUSED:
      /* refused before anything was sent: the device is unchanged */
      end_unit (self, ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL));
      return;
    case CHECK_ALLOWED:
    default:
      ota_flash_run_async (self->engine, self->firmware, self->ufw, NULL, flash_done_cb,
                           g_object_ref (self));
    }
}

/* After the answer (or a stop while asking), from the main context: never
 * inside the ask function's call. */
static gboolean
resume_cb (gpointer user_data)
{
  OtaBatch *self = user_data;

  if (self->stopped_asking)
    {
      g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                      _ ("stopped before this device was flashed"));

      self->stopped_asking = FALSE;
      end_unit (self, ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL));
      return G_SOURCE_REMOVE;
    }
  check_and_flash (self);
  return G_SOURCE_REMOVE;
}

static void
resume (OtaBatch *self)
{
  g_autoptr (GSource) source = g_idle_source_new ();

  g_source_set_callback (source, resume_cb, g_object_ref (self), g_object_unref);
  g_source_set_name (source, "[otaflash] batch answer");
  g_source_attach (source, self->context);
}

void
ota_batch_answer (OtaBatch *self, gboolean allow)
{
  g_return_if_fail (OTA_IS_BATCH (self));
  g_return_if_fail (self->asking);
  self->asking = FALSE;
  if (self->question == OTA_BATCH_QUESTION_DOWNGRADE)
    self->allow_downgrade = allow;
  else
    self->allow_reinstall = allow;
  resume (self);
}

static void
wait_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  OtaBatch *self = OTA_BATCH (source);
  g_autoptr (GError) error = NULL;
  Found *found = g_task_propagate_pointer (G_TASK (res), &error);

  g_clear_object (&self->wait_cancel);
  if (found == NULL)
    {
      if (!ota_error_is_cancelled (error))
        g_propagate_error (&self->error, g_steal_pointer (&error));
      self->stop = TRUE;
      next_unit (self);
      return;
    }
  self->unit++;
  self->in_unit = TRUE;
  g_clear_pointer (&self->device, ota_description_free);
  self->device = g_steal_pointer (&found->desc);
  g_free (self->network);
  self->network = g_steal_pointer (&found->network);
  found_free (found);
  g_hash_table_add (self->done, g_strdup (self->device->uuid));
  if (self->network != NULL)
    {
      g_hash_table_add (self->done_ssids, g_strdup (self->network));
      /* the unit's flash: the Wi-Fi steps on the network it was found on;
       * the PC's own network is put back after the last unit */
      ota_session_set_wifi (ota_flash_get_session (self->engine), self->wifi, self->wifi_filter,
                            self->network, self->wifi_password, self->host_from_gateway);
      ota_session_set_wifi_restore (ota_flash_get_session (self->engine), FALSE);
    }
  g_signal_emit (self, signals[SIGNAL_UNIT_START], 0, self->unit);
  check_and_flash (self);
}

/* After the last unit: the PC's own network back, whatever happened. */
static void
restore_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OtaBatch *self = source;
  g_autoptr (GCancellable) own = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  const gchar *home = self->wifi_home;

  if (home != NULL)
    batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORE, home,
                      N_ ("Putting this PC back on %s"), home);
  else
    batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORE, NULL,
                      N_ ("Leaving the device's network (this PC was on no network before)"));
  if (!ota_wifi_restore (self->wifi, ota_wifi_deadline_in (WIFI_RESTORE_MS), own, &error))
    {
      if (home != NULL)
        batch_wifi_event (self, OTA_LOG_LEVEL_WARNING, OTA_WIFI_STEP_RESTORE, home,
                          N_ ("This PC could not be put back on %s (%s); reconnect it by hand"),
                          home, error->message);
      else
        batch_wifi_event (self, OTA_LOG_LEVEL_WARNING, OTA_WIFI_STEP_RESTORE, NULL,
                          N_ ("This PC could not leave the device's network (%s)"), error->message);
    }
  else if (home != NULL)
    batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORED, home,
                      N_ ("This PC is back on %s"), home);
  else
    batch_wifi_event (self, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORED, NULL,
                      N_ ("This PC is off the device's network"));
  g_task_return_boolean (task, TRUE);
}

static void
finish_run (OtaBatch *self)
{
  GTask *task = g_steal_pointer (&self->task);

  if (self->error != NULL)
    g_task_return_error (task, g_steal_pointer (&self->error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
restore_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  finish_run (OTA_BATCH (source));
}

static void
next_unit (OtaBatch *self)
{
  GTask *wait;
  Wait *w;

  if (self->task == NULL)
    return;
  if (self->stop || (self->count > 0 && self->unit >= self->count))
    {
      GTask *restore;

      if (!self->wifi_remembered)
        {
          finish_run (self);
          return;
        }
      self->wifi_remembered = FALSE;
      restore = g_task_new (self, NULL, restore_done_cb, NULL);
      g_task_set_source_tag (restore, next_unit);
      g_task_run_in_thread (restore, restore_thread);
      g_object_unref (restore);
      return;
    }
  w = g_new0 (Wait, 1);
  w->batch = g_object_ref (self);
  w->session = g_object_ref (ota_flash_get_session (self->engine));
  w->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->done);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_add (w->done, g_strdup (key));
  }
  w->poll_ms = self->poll_ms;
  self->wait_cancel = g_cancellable_new ();
  wait = g_task_new (self, self->wait_cancel, wait_done_cb, NULL);
  g_task_set_source_tag (wait, next_unit);
  g_task_set_task_data (wait, w, wait_free);
  g_task_run_in_thread (wait, wait_thread);
  g_object_unref (wait);
}

void
ota_batch_run_async (OtaBatch *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_return_if_fail (OTA_IS_BATCH (self) && self->task == NULL);
  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, ota_batch_run_async);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  self->start_us = g_get_monotonic_time ();
  next_unit (self);
}

gboolean
ota_batch_run_finish (OtaBatch *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
