/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cJSON with g_autoptr, in one place. */

#include <glib.h>
#include <cjson/cJSON.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cJSON, cJSON_Delete)
