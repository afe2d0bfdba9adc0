/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TCP 3333: the CTP server of the main firmware, or the loader's stub. */

#include "emu-device.h"

G_BEGIN_DECLS

/* Serves one connection until it ends; takes @sock. */
void emu_ctp_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable);

G_END_DECLS
