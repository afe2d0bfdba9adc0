/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The device description (dev_desc.txt, protocol.md section 3). */

#include <gio/gio.h>

G_BEGIN_DECLS

#define OTA_DESCRIPTION_PATH "/mnt/spiflash/res/dev_desc.txt"

typedef struct {
  gchar *ota_type;           /* "1" single backup; NULL when absent */
  gchar *ota_step;           /* "0" stage one may start; "1" stage two pending */
  gchar *firmware_version;
  gchar *product_type;
  gchar *uuid;
  gchar *match_app_type;
  gchar *raw_json;           /* the document as received */
} OtaDescription;

/* Parses the JSON text. OTA_ERROR_PROTOCOL when it is not a JSON object (or
 * holds NULs). Missing fields stay NULL; unknown ones are kept in raw_json. */
OtaDescription *ota_description_parse (const gchar *json, gsize len, GError **error);
void            ota_description_free (OtaDescription *desc);
OtaDescription *ota_description_copy (const OtaDescription *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaDescription, ota_description_free)

gboolean ota_description_is_single_backup (const OtaDescription *desc);
/* TRUE when ota_step is "1": the loader waits for stage two. */
gboolean ota_description_needs_stage_two (const OtaDescription *desc);

G_END_DECLS
