/*
 * bench/measure: runs a command and writes its wall time in seconds, its
 * peak resident set size in KiB and its CPU time (user and system, its
 * children's included) in seconds ("SECONDS KIB CPU") to OUT, then exits
 * with the command's status.  A tiny stand-in for GNU time, which is not
 * always installed.  Usage: measure OUT COMMAND [ARG...]
 */
#include "config.h"

#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec start, end;
	struct rusage usage;
	FILE *out;
	int status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: measure OUT COMMAND [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	if ((pid = fork()) == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) {
		perror("measure");
		return 125;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (!(out = fopen(argv[1], "w"))) {
		perror(argv[1]);
		return 125;
	}
	fprintf(out, "%.3f %ld %.3f\n",
		(double)(end.tv_sec - start.tv_sec) +
			(double)(end.tv_nsec - start.tv_nsec) / 1e9,
		usage.ru_maxrss,
		(double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
			(double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
