/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaBench"

/*
 * The yardstick of the raw serving benchmark: a client of the stage-two
 * loader that serves the data channel the way the vendor's Winsock test
 * program does (vendor-net-ota-protocol.txt, section 4), written for POSIX:
 * a blocking socket with 5 s send/receive timeouts and Nagle left on; per
 * READ one fseek and one fread into a buffer that holds header and data, the
 * sum computed by a plain byte loop, and ONE send of header + data.
 *
 * Differences from the vendor program, none of which changes the cost of a
 * request: it fseeks for every READ (the vendor skips the seek when
 * seek_addr is 0, which serves wrong data when the loader's last backward
 * window starts at 0); the header is received with MSG_WAITALL (one call,
 * like the vendor's recv, but a short read cannot desynchronise it); before
 * the data channel it does the loader's CTP and HTTP handshake (S6), which
 * the vendor program leaves to separate runs.
 *
 * Usage: vendor-baseline HOST CTP_PORT HTTP_PORT OTA_PORT FILE
 * Prints one line: "vendor-baseline ok reads=N bytes=N wall_s=F cpu_s=F"
 * (wall and CPU from the start of the handshake to the device's OK) and
 * exits 0 on OK, 1 otherwise.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HEADER_SIZE 20
#define BUF_MAX (42 * 1024)

#define STATUS_DOING 0
#define STATUS_OK 1
#define STATUS_ERR 2
#define STATUS_READ 4
#define STATUS_SAME 16

/* The header as the vendor's struct net_ota lays it out (little-endian). */
struct net_ota {
  uint32_t sum_check;
  uint32_t seek_addr;
  uint32_t read_size;
  uint32_t all_size;
  uint8_t status;
  uint8_t download_percent;
  uint16_t resv;
  unsigned char buf[];
};

_Static_assert(sizeof (struct net_ota) == HEADER_SIZE, "the header is 20 bytes");

static unsigned int
sumget (const void *buf, int len)
{
  const unsigned char *pbuf = buf;
  unsigned int sum = 0;
  int i = 0;

  while (i < len)
    sum += pbuf[i++];
  return sum;
}

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6
         + (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}

static int
connect_to (const char *host, int port)
{
  struct sockaddr_in addr = { 0 };
  struct timeval tv = { 5, 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  if (fd < 0)
    return -1;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((uint16_t) port);
  if (inet_pton (AF_INET, host, &addr.sin_addr) != 1
      || connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* The loader answers the first CTP segment with one APP_ACCESS NOTIFY. */
static int
ctp_app_access (const char *host, int port)
{
  static const char topic[] = "APP_ACCESS";
  static const char content[] = "{\"op\":\"PUT\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}";
  unsigned char frame[128];
  uint16_t tlen = (uint16_t) strlen (topic);
  uint32_t clen = (uint32_t) strlen (content);
  char reply[1024];
  size_t n = 0;
  int fd = connect_to (host, port);
  int ok;

  if (fd < 0)
    return -1;
  memcpy (frame, "CTP:", 4);
  n = 4;
  frame[n++] = (unsigned char) (tlen & 0xff);
  frame[n++] = (unsigned char) (tlen >> 8);
  memcpy (frame + n, topic, tlen);
  n += tlen;
  for (int i = 0; i < 4; i++)
    frame[n++] = (unsigned char) (clen >> (8 * i));
  memcpy (frame + n, content, clen);
  n += clen;
  ok = send (fd, frame, n, 0) == (ssize_t) n && recv (fd, reply, sizeof reply, 0) > 0;
  close (fd);
  return ok ? 0 : -1;
}

/* The loader's HTTP stub never closes: read the headers, then exactly
 * Content-Length bytes. */
static int
http_description (const char *host, int port)
{
  static const char request[] = "GET /mnt/spiflash/res/dev_desc.txt HTTP/1.1\r\n"
                                "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
  char buf[8192];
  size_t have = 0;
  int fd = connect_to (host, port);

  if (fd < 0)
    return -1;
  if (send (fd, request, sizeof request - 1, 0) != (ssize_t) (sizeof request - 1))
    {
      close (fd);
      return -1;
    }
  for (;;)
    {
      ssize_t n = recv (fd, buf + have, sizeof buf - 1 - have, 0);
      const char *end, *cl;

      if (n <= 0)
        break;
      have += (size_t) n;
      buf[have] = '\0';
      end = strstr (buf, "\r\n\r\n");
      cl = strstr (buf, "Content-Length:");
      if (end != NULL && cl != NULL && have >= (size_t) (end + 4 - buf) + (size_t) atol (cl + 15))
        {
          close (fd);
          return 0;
        }
      if (have >= sizeof buf - 1)
        break;
    }
  close (fd);
  return -1;
}

int
main (int argc, char **argv)
{
  struct net_ota *net_ota_data;
  const char *host;
  FILE *fd;
  long file_size;
  int sk_fd;
  unsigned reads = 0;
  unsigned long long bytes = 0;
  double t0, c0, wall = 0, cpu = 0;
  int err = -1;

  if (argc != 6)
    {
      fprintf (stderr, "usage: vendor-baseline HOST CTP_PORT HTTP_PORT OTA_PORT FILE\n");
      return 2;
    }
  host = argv[1];
  fd = fopen (argv[5], "rb");
  if (fd == NULL)
    {
      perror (argv[5]);
      return 1;
    }
  fseek (fd, 0, SEEK_END);
  file_size = ftell (fd);
  fseek (fd, 0, SEEK_SET);
  net_ota_data = malloc (sizeof (struct net_ota) + BUF_MAX);
  if (net_ota_data == NULL)
    return 1;

  t0 = now_s ();
  c0 = cpu_s ();
  if (ctp_app_access (host, atoi (argv[2])) != 0 || http_description (host, atoi (argv[3])) != 0)
    {
      fprintf (stderr, "vendor-baseline: the loader's CTP/HTTP handshake failed\n");
      return 1;
    }
  sk_fd = connect_to (host, atoi (argv[4]));
  if (sk_fd < 0)
    {
      fprintf (stderr, "vendor-baseline: cannot connect to the data port\n");
      return 1;
    }

  for (;;)
    {
      ssize_t len;
      int slen;

      memset (net_ota_data, 0, sizeof (struct net_ota));
      len = recv (sk_fd, net_ota_data, sizeof (struct net_ota), MSG_WAITALL);
      if (len <= 0)
        {
          fprintf (stderr, "vendor-baseline: %s\n",
                   len == 0 ? "server disconnected" : "recv error");
          break;
        }
      if (len != sizeof (struct net_ota)
          || sumget ((char *) net_ota_data + 4, sizeof (struct net_ota) - 4)
                 != net_ota_data->sum_check)
        continue;

      if (net_ota_data->status == STATUS_OK)
        {
          wall = now_s () - t0;
          cpu = cpu_s () - c0;
          err = 0;
          break;
        }
      if (net_ota_data->status == STATUS_ERR || net_ota_data->status == STATUS_SAME)
        {
          fprintf (stderr, "vendor-baseline: the device sent status %u\n", net_ota_data->status);
          break;
        }
      if (net_ota_data->status != STATUS_READ)
        continue;
      if (net_ota_data->read_size == 0 || net_ota_data->read_size > BUF_MAX
          || net_ota_data->seek_addr >= (uint32_t) file_size)
        {
          fprintf (stderr, "vendor-baseline: bad READ\n");
          break;
        }

      fseek (fd, net_ota_data->seek_addr, SEEK_SET);
      if ((long) net_ota_data->seek_addr + (long) net_ota_data->read_size > file_size)
        net_ota_data->read_size = (uint32_t) (file_size - net_ota_data->seek_addr);
      len = (ssize_t) fread (net_ota_data->buf, 1, net_ota_data->read_size, fd);
      if (len != (ssize_t) net_ota_data->read_size)
        {
          fprintf (stderr, "vendor-baseline: fread error\n");
          break;
        }
      net_ota_data->sum_check
          = sumget ((char *) net_ota_data + 4, (int) net_ota_data->read_size + HEADER_SIZE - 4);
      slen = (int) net_ota_data->read_size + HEADER_SIZE;
      if (send (sk_fd, net_ota_data, (size_t) slen, 0) != slen)
        {
          fprintf (stderr, "vendor-baseline: send error\n");
          break;
        }
      reads++;
      bytes += net_ota_data->read_size;
    }

  close (sk_fd);
  fclose (fd);
  free (net_ota_data);
  if (err == 0)
    printf ("vendor-baseline ok reads=%u bytes=%llu wall_s=%.6f cpu_s=%.6f\n", reads, bytes, wall,
            cpu);
  return err == 0 ? 0 : 1;
}
