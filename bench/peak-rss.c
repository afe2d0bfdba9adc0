/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a program and prints its peak resident set size and CPU times:
 *
 *   ota-peak-rss PROGRAM [ARG...]
 *   -> "maxrss_kib=N user_s=F sys_s=F" on stdout, exit status of PROGRAM
 *
 * Why a separate launcher: on Linux the peak RSS that wait4() reports for a
 * child includes the RSS of the process it was forked from (exec keeps the
 * high-water mark of the old image). Forked from the benchmark driver, the
 * flasher's figure would be the driver's size, growing from run to run.
 * Forked from this small program (libc only, about 1 MiB), the floor is
 * small and the same every time. The program's stdout and stderr go to
 * /dev/null. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static double
tv_s (const struct timeval *tv)
{
  return (double) tv->tv_sec + (double) tv->tv_usec / 1e6;
}

int
main (int argc, char **argv)
{
  struct rusage ru;
  int status = 0;
  pid_t pid;

  if (argc < 2)
    {
      fprintf (stderr, "usage: ota-peak-rss PROGRAM [ARG...]\n");
      return 2;
    }
  pid = fork ();
  if (pid < 0)
    {
      perror ("fork");
      return 2;
    }
  if (pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY);

      dup2 (null, STDOUT_FILENO);
      dup2 (null, STDERR_FILENO);
      execv (argv[1], argv + 1);
      _exit (127);
    }
  if (wait4 (pid, &status, 0, &ru) < 0)
    {
      perror ("wait4");
      return 2;
    }
  printf ("maxrss_kib=%ld user_s=%.6f sys_s=%.6f\n", ru.ru_maxrss, tv_s (&ru.ru_utime),
          tv_s (&ru.ru_stime));
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
