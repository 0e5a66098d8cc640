/*
 * Helpers shared by the fuzz targets: a private scratch file that the
 * targets which read by path (input, ingest) rewrite on every run, and a
 * byte sink that the compiler cannot optimise away.
 */
#ifndef CAMAUDIT_FUZZ_COMMON_H
#define CAMAUDIT_FUZZ_COMMON_H

#include "config.h" /* _GNU_SOURCE and friends, before any system header */

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

/*
 * A finding of the fuzzer itself (not of the sanitizers): say what, abort.
 * The message goes where sanitizer reports go, which stays open when
 * libFuzzer runs with -close_fd_mask (fuzz/run.sh silences camaudit's own
 * messages that way).
 */
#define FUZZ_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond))                                                 \
			fuzz_check_failed(#cond, __FILE__, __LINE__);        \
	} while (0)

static inline void fuzz_check_failed(const char *cond, const char *file,
				     int line)
{
	char message[512];

	snprintf(message, sizeof(message),
		 "camaudit fuzz check failed: %s (%s:%d)", cond, file, line);
	__sanitizer_report_error_summary(message);
	abort();
}

/*
 * Touching every byte makes ASan check that a pointer really covers len.
 * No coverage feedback from this loop: it would only cost time.
 */
static volatile unsigned char fuzz_sink;

__attribute__((no_sanitize("coverage")))
static inline void fuzz_touch(const void *p, size_t len)
{
	const unsigned char *s = p;
	unsigned char x = 0;
	size_t i;

	for (i = 0; i < len; i++)
		x ^= s[i];
	fuzz_sink ^= x;
}

static char fuzz_dir[PATH_MAX];
static char fuzz_file[PATH_MAX];

static void fuzz_scratch_remove(void)
{
	if (fuzz_file[0])
		unlink(fuzz_file);
	if (fuzz_dir[0])
		rmdir(fuzz_dir);
}

/*
 * A private directory under $TMPDIR holding one file, "log": a real file
 * by a real name, as camaudit is given (a memfd would need /proc and a
 * path through a symlink, which ingest may one day refuse).
 */
static inline const char *fuzz_scratch_path(void)
{
	const char *tmp;

	if (fuzz_file[0])
		return fuzz_file;
	tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/camaudit-fuzz.XXXXXX", tmp);
	if (!mkdtemp(fuzz_dir)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	snprintf(fuzz_file, sizeof(fuzz_file), "%s/log", fuzz_dir);
	atexit(fuzz_scratch_remove);
	return fuzz_file;
}

/* Replace the scratch file's content with data[0..size); returns its path. */
static inline const char *fuzz_scratch_write(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_path();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0) {
		perror("fuzz: open scratch file");
		abort();
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			perror("fuzz: write scratch file");
			abort();
		}
		done += (size_t)n;
	}
	close(fd);
	return path;
}

#endif
