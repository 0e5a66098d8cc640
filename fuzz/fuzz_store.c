/*
 * Fuzz target: opening a store the file chose.  The input patches a real,
 * empty camaudit store (its schema version, then any header and page
 * bytes), or is the whole file when it starts with SQLite's header; the
 * result is opened for reading and for writing as the commands do, and
 * a read query runs.  Nothing may crash: a bad store is refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "store_open.h"

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An empty store of the current schema, made once per process. */
static unsigned char *template;
static size_t template_size;

static void remove_store_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char name[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		unlink(name);
	}
}

static void make_template(const char *path)
{
	struct store *st;
	FILE *f;
	long size = 0;

	remove_store_files(path);
	st = store_open(path, STORE_WRITE, NULL);
	FUZZ_CHECK(st != NULL);
	store_close(st); /* checkpoints the WAL into the file */
	f = fopen(path, "rb");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0);
	rewind(f);
	template_size = (size_t)size;
	template = malloc(template_size);
	FUZZ_CHECK(template != NULL);
	FUZZ_CHECK(fread(template, 1, template_size, f) == template_size);
	fclose(f);
}

/*
 * The file to open: data itself when it starts with SQLite's header,
 * else the template with data[0..4) as its schema version (the header's
 * user_version, big-endian at offset 60) and each following 3 bytes an
 * offset (2 bytes, into the first 64 KiB) and a byte to write there.
 */
static unsigned char *make_store(const uint8_t *data, size_t size, size_t *len)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char *file;
	size_t i;

	if (size >= sizeof(magic) && !memcmp(data, magic, sizeof(magic))) {
		file = malloc(size);
		FUZZ_CHECK(file != NULL);
		memcpy(file, data, size);
		*len = size;
		return file;
	}
	file = malloc(template_size);
	FUZZ_CHECK(file != NULL);
	memcpy(file, template, template_size);
	for (i = 0; i < 4 && i < size; i++)
		file[60 + i] = data[i];
	for (i = 4; i + 3 <= size; i += 3) {
		size_t at = ((size_t)data[i] << 8 | data[i + 1]) % template_size;

		file[at] = data[i + 2];
	}
	*len = template_size;
	return file;
}

/* A read of every table the commands read first: the sources. */
static void read_something(struct store *st)
{
	sqlite3_stmt *stmt = store_prepare(st, "SELECT count(*), sum(length(head))"
					   " FROM source");

	if (!stmt)
		return;
	while (sqlite3_step(stmt) == SQLITE_ROW)
		;
	sqlite3_reset(stmt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum store_mode modes[] = {STORE_READ, STORE_UPDATE};
	const char *path = fuzz_scratch_path();
	unsigned char *file;
	size_t len, i;

	if (!template)
		make_template(path);
	file = make_store(data, size, &len);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct store *st;

		remove_store_files(path);
		fuzz_scratch_write(file, len);
		st = store_open_wait(path, modes[i], 0, NULL);
		if (st) {
			read_something(st);
			store_close(st);
		}
	}
	remove_store_files(path);
	free(file);
	return 0;
}
