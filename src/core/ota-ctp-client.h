/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A CTP session with the device (TCP 3333): requests and their replies, the
 * unsolicited notifications skipped, keep-alives while a session must stay up. */

#include <gio/gio.h>
#include "ota-ctp-frame.h"

G_BEGIN_DECLS

#define OTA_TYPE_CTP_CLIENT (ota_ctp_client_get_type ())
G_DECLARE_FINAL_TYPE (OtaCtpClient, ota_ctp_client, OTA, CTP_CLIENT, GObject)

OtaCtpClient *ota_ctp_client_connect (const gchar *host, guint16 port, guint timeout_ms,
                                      GCancellable *cancellable, GError **error);

/* Sends one request (one write) and waits for the NOTIFY on the same topic,
 * skipping other frames. An errno in the reply becomes an error:
 * OTA_ERROR_REFUSED for 3 (busy), 5, 7 and 12, OTA_ERROR_NOT_SUPPORTED for 6.
 * Never resends: the device would not answer a repeated pending command. */
OtaCtpMessage *ota_ctp_client_request (OtaCtpClient *self, const gchar *topic, const gchar *body,
                                       guint timeout_ms, GCancellable *cancellable, GError **error);

/* APP_ACCESS PUT {"type":"0","ver":"20906"}. */
gboolean ota_ctp_client_app_access (OtaCtpClient *self, guint timeout_ms, GCancellable *cancellable,
                                    GError **error);

/* NET_OTA_SINGLE PUT {"status":"1"}; a reply with status "0" is
 * OTA_ERROR_REFUSED. */
gboolean ota_ctp_client_net_ota_single (OtaCtpClient *self, guint timeout_ms,
                                        GCancellable *cancellable, GError **error);

/* Sends CTP_KEEP_ALIVE every @interval_ms from a thread of its own, and reads
 * and drops what the device pushes meanwhile. No other call may be made on
 * the client until ota_ctp_client_stop_keepalive(). */
void ota_ctp_client_start_keepalive (OtaCtpClient *self, guint interval_ms);
void ota_ctp_client_stop_keepalive (OtaCtpClient *self);
/* Number of keep-alives sent so far (for tests and logs). */
guint ota_ctp_client_get_keepalives_sent (OtaCtpClient *self);

void ota_ctp_client_close (OtaCtpClient *self);

G_END_DECLS
