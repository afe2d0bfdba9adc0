/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A raw app for the emulator tests, built on the core codecs only (not on
 * the flasher): CTP frames, one HTTP GET, and 3335 answers. It can also
 * misbehave on purpose, to provoke each violation. All waits are bounded. */

#include <gio/gio.h>

#include "ota-ctp-decoder.h"
#include "ota-net-header.h"

G_BEGIN_DECLS

#define TC_TIMEOUT_MS 8000

typedef struct {
  GSocketConnection *conn;
  GSocket *sock;
  OtaCtpDecoder *decoder;
} TcConn;

/* Connects to 127.0.0.1:@port (TCP_NODELAY). NULL with an error when refused. */
TcConn *tc_connect (guint16 port, GError **error);
/* The same, from the local address @local_ip (e.g. "127.0.0.2": another
 * machine as far as the emulator can tell). */
TcConn *tc_connect_from (guint16 port, const gchar *local_ip, GError **error);
void tc_close (TcConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcConn, tc_close)

/* TRUE if nothing listens on @port (connection refused). */
gboolean tc_port_refused (guint16 port);

gboolean tc_send (TcConn *c, const void *data, gsize len);
/* Reads what comes within @timeout_ms: >0 bytes, 0 on EOF or reset, -1 on timeout. */
gssize tc_recv (TcConn *c, guint8 *buf, gsize len, guint timeout_ms);
/* TRUE if the peer closed (EOF or reset) within @timeout_ms. */
gboolean tc_wait_closed (TcConn *c, guint timeout_ms);
/* TRUE if no byte and no EOF arrive within @timeout_ms. */
gboolean tc_quiet (TcConn *c, guint timeout_ms);

/* CTP */
gboolean tc_ctp_send (TcConn *c, const gchar *topic, const gchar *content);
OtaCtpFrame *tc_ctp_recv (TcConn *c, guint timeout_ms);
/* Skips frames of other topics. */
OtaCtpFrame *tc_ctp_recv_topic (TcConn *c, const gchar *topic, guint timeout_ms);
/* APP_ACCESS then NET_OTA_SINGLE {"status":"1"}; returns the status string. */
gchar *tc_ctp_open_ota (guint16 ctp_port, TcConn **out_ctp, GError **error);

/* HTTP: one GET on a new connection; returns the body, *@status set. Reads
 * exactly Content-Length bytes (the loader never closes). */
gchar *tc_http_get (guint16 port, const gchar *path, guint *status, gchar **headers,
                    GError **error);

/* 3335 */
/* Reads one 20-byte device header (sum not checked). */
gboolean tc_ota_recv (TcConn *c, OtaNetHeader *h, guint8 raw[OTA_NET_HEADER_SIZE],
                      guint timeout_ms);
/* Answers READ @req from @file, in one write. */
gboolean tc_ota_answer (TcConn *c, GBytes *file, const OtaNetHeader *req);
gboolean tc_ota_send_stop (TcConn *c, guint8 percent);

typedef struct {
  guint reads;
  guint32 all_size;
  gboolean got_total;
  gboolean got_percent_100;
  guint8 final_status;       /* OK/ERR/SAME, or 0xFF when the connection just ended */
  guint8 max_percent_during; /* highest percent seen in READs */
  guint8 min_percent_after_total;
  GArray *seeks;         /* guint32 per READ */
  GArray *sizes;         /* guint32 per READ */
  gboolean closed_after; /* EOF/RST after the final status */
} TcStage;

void tc_stage_init (TcStage *st);
void tc_stage_clear (TcStage *st);

/* Serves READs from @file until a final status. READ number @stop_at_read
 * (0: none) is answered with STOP instead. */
gboolean tc_serve_stage (TcConn *c, GBytes *file, guint stop_at_read, TcStage *st);

/* The whole stage one (CTP, NET_OTA_SINGLE, 3335) with a well-behaved app. */
gboolean tc_run_stage_one (guint16 ctp_port, guint16 ota_port, GBytes *file, TcStage *st);
/* The whole stage two (stub CTP, stub HTTP, 3335). */
gboolean tc_run_stage_two (guint16 ctp_port, guint16 http_port, guint16 ota_port, GBytes *file,
                           TcStage *st);

/* Test-side shortcuts: they assert on failure. */
#define WAIT_MS 10000
#include "ota-test-emu.h"
OtaTestEmu *tc_start_emu (const gchar *const *args);
/* A valid .ufw in the emulator's state dir, loaded in memory. */
GBytes *tc_make_file (OtaTestEmu *emu, guint64 flash, guint64 ota, guint32 seed,
                      const gchar *version, gchar **out_path);
gdouble tc_json_number (const cJSON *obj, const gchar *key);
const gchar *tc_json_string (const cJSON *obj, const gchar *key);
/* Waits for the @nth "boot" event (1 = at start) and checks its mode. */
void tc_wait_boot (OtaTestEmu *emu, guint nth, const gchar *mode);
/* Waits for the @nth event named @name. */
void tc_assert_event (OtaTestEmu *emu, const gchar *name, guint nth);

G_END_DECLS
