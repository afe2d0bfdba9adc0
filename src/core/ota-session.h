/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The whole two-stage single-backup upgrade (protocol.md section 5), and
 * recovery of a device that waits for stage two. Synchronous and
 * cancellable: front-ends run it in a worker thread (GTask) and receive
 * events through the event function, in that thread. */

#include <gio/gio.h>
#include "ota-description.h"
#include "ota-event.h"
#include "ota-firmware.h"
#include "ota-transfer.h"
#include "ota-ufw.h"
#include "ota-wifi.h"

G_BEGIN_DECLS

#define OTA_DEFAULT_HOST "192.168.1.1"
#define OTA_DEFAULT_CTP_PORT 3333
#define OTA_DEFAULT_HTTP_PORT 8080
#define OTA_DEFAULT_OTA_PORT 3335

/* What the device is left with. */
typedef enum {
  OTA_DEVICE_STATE_UNKNOWN,
  OTA_DEVICE_STATE_UNCHANGED,      /* still runs its old firmware */
  OTA_DEVICE_STATE_NEEDS_RECOVERY, /* in its updater, waiting for stage two */
  OTA_DEVICE_STATE_UPDATED,        /* runs the new firmware (confirmed) */
} OtaDeviceState;

const gchar *ota_device_state_to_string (OtaDeviceState state);

#define OTA_TYPE_SESSION (ota_session_get_type ())
G_DECLARE_FINAL_TYPE (OtaSession, ota_session, OTA, SESSION, GObject)

OtaSession *ota_session_new (void);

void ota_session_set_host (OtaSession *self, const gchar *host);
void ota_session_set_ports (OtaSession *self, guint16 ctp, guint16 http, guint16 ota);
/* Longest wait for one network operation (connect, reply, next request). */
void ota_session_set_timeout (OtaSession *self, guint timeout_ms);
/* Longest wait for the device to come back after each reboot. */
void ota_session_set_reboot_timeout (OtaSession *self, guint timeout_ms);
/* How often stage two is tried again after a failure, and how long to wait
 * before each retry (default 3 s: after ERR the updater tears its
 * connection down for ~2.5 s and may reset one accepted meanwhile). */
void ota_session_set_retries (OtaSession *self, guint retries);
void ota_session_set_retry_delay (OtaSession *self, guint delay_ms);
void ota_session_set_keepalive_interval (OtaSession *self, guint interval_ms);
/* How often the description is read while the device reboots (default
 * 200 ms: a small GET, and the reboot is noticed within a fifth of a second). */
void ota_session_set_poll_interval (OtaSession *self, guint interval_ms);
/* Benchmarks only: header and data in separate writes, TCP_NODELAY off. */
void ota_session_set_nagle_mode (OtaSession *self, gboolean on);

/* The Wi-Fi steps of a flash (docs/wifi.md). With @wifi the flash remembers
 * the PC's network, joins the device's network @ssid (NULL or "auto": the
 * device network the PC is already on, else ota_wifi_filter_pick_auto() of
 * a scan), rejoins it after each restart of the device (the same SSID, a
 * recovery network WIFI_OTA_*, or — after a recovery, when the product's
 * name is unknown — a device network new in range), and puts the PC's
 * network back at the end whatever the outcome. @filter: the device
 * networks (NULL: the default patterns). @password for WPA2-PSK networks
 * (NULL: the SDK's default); never logged. @host_from_gateway: the device's
 * address is the connection's IPv4 gateway, read after every join, instead
 * of ota_session_set_host()'s. @wifi NULL: the technician joins by hand. */
void ota_session_set_wifi (OtaSession *self, OtaWifi *wifi, OtaWifiFilter *filter,
                           const gchar *ssid, const gchar *password, gboolean host_from_gateway);
/* @restore FALSE: the flash neither remembers nor puts back the PC's own
 * network (default TRUE). For a batch, which remembers it before its first
 * join and puts it back once, after its last unit (OtaBatch). */
void ota_session_set_wifi_restore (OtaSession *self, gboolean restore);
/* The device network the last flash was on (joined or rejoined last); NULL
 * without Wi-Fi steps. */
const gchar *ota_session_get_wifi_network (OtaSession *self);

/* For a device waiting for stage two (@uuid): the file an earlier flash of it
 * left it mid-upgrade with, when one did (TRUE, @out_name and @out_sha256
 * set, either may be NULL). Called in the thread that runs the session. */
typedef gboolean (*OtaSessionEarlierFileFunc) (const gchar *uuid, gchar **out_name,
                                               gchar **out_sha256, gpointer user_data);
/* When the earlier file is not the one flashed now, the flash warns before
 * stage two (log code "recovery-other-file", naming that file). */
void ota_session_set_earlier_file_func (OtaSession *self, OtaSessionEarlierFileFunc func,
                                        gpointer user_data, GDestroyNotify destroy);

/* @func is called in the thread that runs the session. */
void ota_session_set_event_func (OtaSession *self, OtaEventFunc func, gpointer user_data,
                                 GDestroyNotify destroy);

/* Reads the device description; changes nothing. */
OtaDescription *ota_session_read_device (OtaSession *self, GCancellable *cancellable,
                                         GError **error);

/* Flashes @firmware (already validated as @ufw): stage one, reboot, stage
 * two, reboot, version confirmed; or stage two alone when the device waits
 * for it. On failure, ota_session_get_device_state() says what the device is
 * left with; failures after the point of no return are
 * OTA_ERROR_NEEDS_RECOVERY (or cancelled). A session can flash again after
 * any outcome (success, failure, cancel); one flash at a time. */
gboolean ota_session_flash (OtaSession *self, OtaFirmware *firmware, OtaUfw *ufw,
                            GCancellable *cancellable, GError **error);

/* Thread-safe: TRUE while the device is past the point of no return (from
 * the total-size message of stage one until stage two succeeded). A cancel
 * now leaves the device in its updater. */
gboolean ota_session_is_committed (OtaSession *self);

typedef enum {
  OTA_CANCEL_SAFE,      /* only if the device keeps its old firmware */
  OTA_CANCEL_CONFIRMED, /* the user accepted leaving the device in its updater */
} OtaCancelKind;

typedef enum {
  OTA_CANCEL_TAKEN,              /* the device is told to stop at its next request */
  OTA_CANCEL_NEEDS_CONFIRMATION, /* refused: past the point of no return (S5); ask first */
  OTA_CANCEL_NOT_RUNNING,        /* no flash runs: nothing to cancel */
} OtaCancelAnswer;

const gchar *ota_cancel_answer_to_string (OtaCancelAnswer answer);

/* Thread-safe (front-ends call it from the main thread while the flash runs
 * in a worker). Cancelling the @cancellable given to ota_session_flash() is
 * the same as a confirmed cancel.
 *
 * SAFE before the point of no return: TAKEN; the device keeps its old
 * firmware. Should the device pass that point before the READ our STOP must
 * answer (S3), the cancel is dropped: an OTA_EVENT_CODE_CANCEL_TOO_LATE log
 * event says so and the flash goes on; a later cancel is judged anew.
 * SAFE past the point of no return: NEEDS_CONFIRMATION, nothing happens.
 * CONFIRMED: TAKEN; past the point of no return this leaves the device in
 * its updater (stage two pending). */
OtaCancelAnswer ota_session_cancel (OtaSession *self, OtaCancelKind kind);
OtaDeviceState ota_session_get_device_state (OtaSession *self);
/* The firmware version the device reported after the upgrade, or NULL. */
const gchar *ota_session_get_new_version (OtaSession *self);

G_END_DECLS
