/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-link.h"

void
emu_link_init (EmuLink *self, const EmuLinkModel *model)
{
  self->model = *model;
  self->ideal_s = 0;
  self->erase_counted = 0;
}

gdouble
emu_link_request (EmuLink *self)
{
  self->ideal_s += self->model.latency_s;
  return self->model.latency_s;
}

gdouble
emu_link_answer (EmuLink *self, guint64 frame_bytes, guint64 flash_bytes)
{
  gdouble d = self->model.latency_s;

  if (self->model.bandwidth > 0)
    d += (gdouble) frame_bytes / self->model.bandwidth;
  if (self->model.flash_rate > 0)
    d += (gdouble) flash_bytes / self->model.flash_rate;
  self->ideal_s += d;
  return d;
}

gdouble
emu_link_erase (EmuLink *self, guint64 written)
{
  guint64 every = self->model.erase_every;
  guint64 n;
  gdouble d;

  if (every == 0 || self->model.erase_pause_s <= 0 || written <= self->erase_counted)
    return 0;
  /* One erase each time the written amount crosses a multiple of every. */
  n = written / every - self->erase_counted / every;
  self->erase_counted = written;
  d = (gdouble) n * self->model.erase_pause_s;
  self->ideal_s += d;
  return d;
}

void
emu_link_device_pause (EmuLink *self, gdouble seconds)
{
  self->ideal_s += seconds;
}
