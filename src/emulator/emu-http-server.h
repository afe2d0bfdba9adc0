/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TCP 8080: the device description, or the loader's stub that answers every
 * segment and never closes. */

#include "emu-device.h"

G_BEGIN_DECLS

/* Serves one connection until it ends; takes @sock. */
void emu_http_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable);

G_END_DECLS
