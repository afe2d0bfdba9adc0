/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TCP 3335: one attempt of stage one (main firmware) or stage two (loader),
 * driven by the device, with the safety checks S1-S4 and S6. */

#include "emu-device.h"

G_BEGIN_DECLS

/* Runs one transfer on @sock until OK, ERR or a dropped connection; takes
 * @sock. */
void emu_ota_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable);

G_END_DECLS
