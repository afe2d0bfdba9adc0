/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The device description (dev_desc.txt, protocol.md section 3). */

#include <gio/gio.h>
#include "ota-json.h"

G_BEGIN_DECLS

#define OTA_DESCRIPTION_PATH "/mnt/spiflash/res/dev_desc.txt"

typedef struct {
  gchar *ota_type; /* "1" single backup; NULL when absent */
  gchar *ota_step; /* "0" stage one may start; "1" stage two pending */
  gchar *firmware_version;
  gchar *product_type;
  gchar *uuid;
  gchar *match_app_type;
  gchar *raw_json;   /* the document as received, each \u0000 escape
                      * replaced by \uFFFD (see nul_escapes) */
  guint nul_escapes; /* \u0000 escapes inside strings: a value that
                      * held one shows U+FFFD there, never cut short */
} OtaDescription;

/* How deep ota_description_dup_json() echoes the document by default: the
 * vendor's file is two levels deep. */
#define OTA_DESCRIPTION_ECHO_DEPTH 8

/* Parses the JSON text. OTA_ERROR_PROTOCOL when it is not a JSON object (or
 * holds NUL bytes). A \u0000 escape inside a string would cut the value
 * short in C: it is replaced by U+FFFD, so "1.0\u00002" reads "1.0\uFFFD2"
 * and an ota_type "1\u0000" is not "1". Missing fields stay NULL; unknown
 * ones are kept in raw_json. */
OtaDescription *ota_description_parse (const gchar *json, gsize len, GError **error);
void ota_description_free (OtaDescription *desc);
OtaDescription *ota_description_copy (const OtaDescription *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaDescription, ota_description_free)

/* The whole document for a JSON echo, at most @max_depth levels deep (the
 * top object is level 1): a deeper array or object is replaced by the
 * string "(nested deeper than N levels)", so a hostile document neither
 * recurses deep nor blows up the output. NULL when there is none. */
cJSON *ota_description_dup_json (const OtaDescription *desc, guint max_depth);

/* A known field for a message, as the device sent it: "1" for a string or
 * number, "true (not a string)", "[...] (a list)", or "missing"; cut at 64
 * bytes and made safe for a terminal (ota_text_sanitize()). Never NULL. */
gchar *ota_description_describe_field (const OtaDescription *desc, const gchar *key);

gboolean ota_description_is_single_backup (const OtaDescription *desc);
/* TRUE when ota_step is "1": the loader waits for stage two. */
gboolean ota_description_needs_stage_two (const OtaDescription *desc);

G_END_DECLS
