/*
 * The SQLite store.  Strings that repeat (accounts, devices, keys, nodes)
 * are interned in `atom` and events hold integer ids, which keeps the
 * store small and the correlation joins on integers.  Frame ids, nearly
 * all new with each fill, are kept as text (schema version 4).  A small
 * direct-mapped cache in front of `atom` saves most lookups while keeping
 * memory bounded whatever the input size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "store.h"
#include "util.h"

/*
 * The interned strings most recently used, in memory: a direct-mapped
 * cache of 128 Ki slots of 64 bytes (8 MiB at most, touched as it fills),
 * enough for the accounts, devices, keys and nodes of a large fleet, so
 * that SQLite is asked only for new strings and those that collide.
 * Longer strings are looked up every time.
 */
#define ATOM_CACHE_SLOTS 131072 /* a power of two */
#define ATOM_CACHE_MAX_LEN 52
#define MAX_STATEMENTS 64

/*
 * Events are stored BATCH_ROWS to an INSERT, one batch per kind.  An
 * event waits in its batch with copies of its texts (the caller's go with
 * its line), and its names are interned when the batch is stored, after
 * the cache slots of all of them were prefetched: one by one, each lookup
 * waited on memory.  For the serves this took 15% off ingest on
 * bench/gen's logs, for the other kinds 5% more.  A full batch is stored
 * alone, so that kinds that alternate (an expiry before each refill)
 * still go 32 at a time.  Every other statement stores the batches first
 * (store_prepare, store_exec), so nothing reads or commits the store
 * without the events given before it.
 */
#define BATCH_ROWS 32
#define MAX_COLUMNS 9 /* after id and ts */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

enum bind_as {
	BIND_ATOM,   /* an interned name */
	BIND_TEXT,   /* text as it is */
	BIND_NUMBER, /* an integer when it is one (bind_number) */
	BIND_OP,     /* the event's canonical op */
	BIND_GRANTS  /* 1 when the op grants (bind, share), 0 when it takes away */
};

/* Each kind's table and its columns after id and ts, in insert order. */
static const struct kind {
	const char *table, *names;
	size_t count;
	struct {
		enum field field; /* FIELD_OP for BIND_OP and BIND_GRANTS */
		enum bind_as as;
	} column[MAX_COLUMNS];
} kinds[] = {
	[EVENT_SERVE] = {"serve", "account, key, device, frame, node, relay, "
			 "cache, req, status", 9,
			 {{FIELD_ACCOUNT, BIND_ATOM}, {FIELD_KEY, BIND_ATOM},
			  {FIELD_DEVICE, BIND_ATOM}, {FIELD_FRAME, BIND_TEXT},
			  {FIELD_NODE, BIND_ATOM}, {FIELD_RELAY, BIND_ATOM},
			  {FIELD_CACHE, BIND_ATOM}, {FIELD_REQ, BIND_TEXT},
			  {FIELD_STATUS, BIND_NUMBER}}},
	[EVENT_FILL] = {"fill", "node, key, device, frame, ttl_ms, gen", 6,
			{{FIELD_NODE, BIND_ATOM}, {FIELD_KEY, BIND_ATOM},
			 {FIELD_DEVICE, BIND_ATOM}, {FIELD_FRAME, BIND_TEXT},
			 {FIELD_TTL_MS, BIND_NUMBER}, {FIELD_GEN, BIND_NUMBER}}},
	[EVENT_REMOVAL] = {"removal", "node, key, op", 3,
			   {{FIELD_NODE, BIND_ATOM}, {FIELD_KEY, BIND_ATOM},
			    {FIELD_OP, BIND_OP}}},
	[EVENT_BINDING] = {"binding", "device, account, bound", 3,
			   {{FIELD_DEVICE, BIND_ATOM}, {FIELD_ACCOUNT, BIND_ATOM},
			    {FIELD_OP, BIND_GRANTS}}},
	[EVENT_SHARE] = {"share", "device, account, granted", 3,
			 {{FIELD_DEVICE, BIND_ATOM}, {FIELD_ACCOUNT, BIND_ATOM},
			  {FIELD_OP, BIND_GRANTS}}},
};
#define KINDS ARRAY_SIZE(kinds)

/* The events of one kind waiting to be stored. */
struct batch {
	size_t rows;
	struct {
		int64_t id, ts;
		const char *op; /* canonical, static */
		size_t off[MAX_COLUMNS], len[MAX_COLUMNS]; /* in text */
	} row[BATCH_ROWS];
	char *text;
	size_t text_used, text_size;
	char *one_sql, *all_sql; /* INSERTs of one row and of BATCH_ROWS */
};

struct atom_slot {
	int64_t id;    /* 0: empty */
	uint32_t len;
	char text[ATOM_CACHE_MAX_LEN];
};

struct store {
	sqlite3 *db;
	char *path;
	int64_t wait_ms;     /* busy timeout */
	int busy;            /* the last error was a lock held past wait_ms */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} statements[MAX_STATEMENTS];
	size_t statement_count;
	struct atom_slot *atoms;
	struct batch batch[KINDS];
	int storing; /* store_kinds() is running */
	int created; /* this process made the database file */
};

static int store_kinds(struct store *st, size_t first, size_t end);
static int store_batches(struct store *st);

void store_error(struct store *st, const char *what)
{
	if ((sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY) {
		st->busy = 1;
		error("database %s is busy: another process held it for longer "
		      "than the wait (%lld s; see --wait) while %s", st->path,
		      (long long)(st->wait_ms / 1000), what);
		return;
	}
	if (sqlite3_system_errno(st->db))
		error("database %s: %s: %s (%s)", st->path, what,
		      sqlite3_errmsg(st->db), strerror(sqlite3_system_errno(st->db)));
	else
		error("database %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int store_busy(const struct store *st)
{
	return st->busy;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql)
{
	size_t i;
	sqlite3_stmt *stmt;

	if (store_batches(st))
		return NULL;
	for (i = 0; i < st->statement_count; i++) {
		if (st->statements[i].sql == sql) {
			sqlite3_reset(st->statements[i].stmt);
			sqlite3_clear_bindings(st->statements[i].stmt);
			return st->statements[i].stmt;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
			       NULL) != SQLITE_OK) {
		store_error(st, "preparing a statement");
		return NULL;
	}
	if (st->statement_count == MAX_STATEMENTS)
		die("store: too many prepared statements (raise MAX_STATEMENTS)");
	st->statements[st->statement_count].sql = sql;
	st->statements[st->statement_count++].stmt = stmt;
	return stmt;
}

int store_prepare_once(struct store *st, const char *sql, sqlite3_stmt **stmt,
		       const char **tail, const char *what)
{
	*stmt = NULL;
	if (store_batches(st))
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, tail) != SQLITE_OK) {
		store_error(st, what);
		return -1;
	}
	return 0;
}

int store_read_only(struct store *st)
{
	return sqlite3_db_readonly(st->db, "main") == 1;
}

/*
 * A statement that returns no rows is the long work of a run (judging,
 * building the report's tables): while it runs, the status line names it
 * by the words its error would use.  Statements that return rows are
 * never named, as their rows may be printed on the same terminal.
 */
int store_exec(struct store *st, const char *sql, const char *what)
{
	int rc;

	if (store_batches(st))
		return -1;
	progress_step(what);
	rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	progress_end();
	if (rc != SQLITE_OK) {
		store_error(st, what);
		return -1;
	}
	return 0;
}

/* Create the file ourselves so that its mode is 0600 from the start. */
static int create_private_file(const char *path, int *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		error("database %s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	*created = 1;
	return 0;
}

/*
 * SQLITE_OPEN_NOFOLLOW refuses a path with a symbolic link anywhere in it,
 * saying only "unable to open database file" (and "(File exists)" for a
 * link at the end), after create_private_file() had made the file through
 * a linked directory.  The same rule, checked first, with a clear message.
 */
static int refuse_links(const char *path)
{
	char *prefix = xstrdup(path);
	struct stat sb;
	size_t i;
	int rc = 0;

	/* Each leading part that ends before a slash, then the whole path. */
	for (i = 1; prefix[i - 1] && !rc; i++) {
		char c = prefix[i];

		if (c != '/' && c != '\0')
			continue;
		prefix[i] = '\0';
		if (lstat(prefix, &sb) == 0 && S_ISLNK(sb.st_mode)) {
			if (c)
				error("database %s: %s is a symbolic link, and no "
				      "database is opened through one (give the real "
				      "path)", path, prefix);
			else
				error("database %s: is a symbolic link, and no database "
				      "is opened through one (give the real path)", path);
			rc = -1;
		}
		prefix[i] = c;
	}
	free(prefix);
	return rc;
}

/* path as a URI filename (SQLite's uri.html) with the given query. */
static char *file_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(path), i, o = 0;
	char *uri = xmalloc(sizeof("file:") + 3 * len + 1 + strlen(query));

	memcpy(uri, "file:", 5);
	o = 5;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		/* '?', '#' and '%' would end or change the path; escape all but plain bytes. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/-._~", c)) {
			uri[o++] = (char)c;
		} else {
			uri[o++] = '%';
			uri[o++] = hex[c >> 4];
			uri[o++] = hex[c & 15];
		}
	}
	uri[o++] = '?';
	memcpy(uri + o, query, strlen(query) + 1);
	return uri;
}

/*
 * How a store is opened for reading: "mode=ro", unless a WAL store cannot
 * be read so, as on read-only media or in a directory the user may not
 * write, where SQLite cannot create the -shm file it needs.  Then, when
 * no write-ahead log holds anything beside it (every commit is in the
 * file itself), "immutable=1": read without locks or -shm, which is exact
 * for a file that nothing can change.  A non-empty -wal that cannot be
 * read is reported (NULL): the file alone would miss its last commits.
 * Costs one extra open and a read of the header.
 */
static const char *read_only_query(const char *path, int flags)
{
	char *uri = file_uri(path, "mode=ro");
	char *wal = xmalloc(strlen(path) + 5);
	sqlite3 *db = NULL;
	struct stat sb;
	int rc;

	rc = sqlite3_open_v2(uri, &db, flags | SQLITE_OPEN_URI, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(db, 1);
		rc = sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	free(uri);
	snprintf(wal, strlen(path) + 5, "%s-wal", path);
	if ((rc & 0xff) != SQLITE_CANTOPEN && (rc & 0xff) != SQLITE_READONLY) {
		free(wal);
		return "mode=ro";
	}
	if (stat(wal, &sb) == 0 && sb.st_size > 0) {
		error("database %s: cannot be read here: its last commits are in "
		      "%s-wal, and SQLite cannot create the -shm file it needs to "
		      "read them (read-only media or directory); copy the database "
		      "with its -wal to a writable place", path, path);
		free(wal);
		return NULL;
	}
	free(wal);
	return "immutable=1";
}

/*
 * Close st->db with the statements prepared on it: sqlite3_close() leaves
 * a connection with statements open, and a statement must never outlive
 * its connection into the next one.
 */
static void close_db(struct store *st)
{
	size_t i;

	for (i = 0; i < st->statement_count; i++)
		sqlite3_finalize(st->statements[i].stmt);
	st->statement_count = 0;
	sqlite3_close(st->db);
	st->db = NULL;
}

/*
 * Open st->db with the connection settings every store uses.  A store is
 * used by one thread (ingest's reader thread never touches SQLite), so
 * the connection goes without its mutex: with a second thread running,
 * taking it on every call cost an eighth of ingest's time.
 */
/*
 * SQLite's virtual machine instructions between two looks at the clock
 * for the status line: a few milliseconds of work.
 */
#define PROGRESS_OPS 100000

static int progress_handler(void *unused)
{
	(void)unused;
	progress_tick();
	return 0; /* never interrupts the statement */
}

static int open_db(struct store *st, const char *name, int flags)
{
	static int configured;

	/* Before SQLite starts: no memory statistics, so no lock per malloc. */
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = 1;
	}
	flags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(name, &st->db, flags, NULL) != SQLITE_OK) {
		if (st->db)
			store_error(st, "cannot open");
		else
			error("database %s: cannot open: out of memory", st->path);
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_progress_handler(st->db, PROGRESS_OPS, progress_handler, NULL);
	sqlite3_busy_timeout(st->db, st->wait_ms > INT32_MAX ? INT32_MAX
							     : (int)st->wait_ms);
	/*
	 * The page size counts only when the database is new (it is set
	 * before the first table).  Measured on bench/gen's logs against
	 * SQLite's 4 KiB: 8 KiB pages take 5% off ingest of 1.2M lines and
	 * audit 12M lines as fast, within the noise; 16 KiB ones take 8%
	 * off ingest but audit the 12M lines 13-20% slower, as the latest
	 * fill of every key is then spread over more bytes than the page
	 * cache holds.  16 MiB of page cache (ingest into a large store
	 * takes more: schema_defer_indexes); SQLite's sorter may take as
	 * much again, so that doubling it doubled peak RSS.
	 */
	return store_exec(st,
			  "PRAGMA page_size = 8192;"
			  "PRAGMA synchronous = NORMAL; PRAGMA temp_store = FILE;"
			  "PRAGMA cache_size = -16384",
			  "setting pragmas");
}

struct store *store_connect(const char *path, enum store_mode mode,
			    int64_t wait_ms, enum store_failure *why)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int flags = SQLITE_OPEN_NOFOLLOW, rc;

	if (why)
		*why = STORE_FAILED;
	st->path = xstrdup(mode == STORE_TEMPORARY ? "(temporary)" : path);
	st->wait_ms = wait_ms;
	st->atoms = xcalloc(ATOM_CACHE_SLOTS, sizeof(*st->atoms));
	if (mode != STORE_TEMPORARY && refuse_links(path))
		goto fail;
	if (mode == STORE_READ || mode == STORE_UPDATE) {
		struct stat sb;

		if (stat(path, &sb) != 0) {
			if (errno == ENOENT)
				error("database %s does not exist (give --db or set "
				      "CAMAUDIT_DB, or run 'camaudit ingest' first)",
				      path);
			else
				error("database %s: %s", path, strerror(errno));
			if (why && errno == ENOENT)
				*why = STORE_MISSING;
			goto fail;
		}
		flags |= mode == STORE_READ ? SQLITE_OPEN_READONLY
					    : SQLITE_OPEN_READWRITE;
	} else {
		flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		if (mode == STORE_WRITE && create_private_file(path, &st->created))
			goto fail;
	}
	if (mode == STORE_READ) {
		const char *query = read_only_query(path, flags);
		char *uri;

		if (!query)
			goto fail;
		uri = file_uri(path, query);
		rc = open_db(st, uri, flags | SQLITE_OPEN_URI);
		free(uri);
		if (rc)
			goto fail;
	} else if (open_db(st, mode == STORE_TEMPORARY ? "" : path, flags)) {
		/* An empty name gives SQLite's private temporary database. */
		goto fail;
	}
	return st;
fail:
	store_close_failed(st, why);
	return NULL;
}

int store_reconnect(struct store *st)
{
	close_db(st);
	return open_db(st, st->path, SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_READWRITE);
}

void store_close_failed(struct store *st, enum store_failure *why)
{
	if (why && st->busy)
		*why = STORE_BUSY;
	store_close(st);
}

void store_close(struct store *st)
{
	size_t k;

	if (!st)
		return;
	close_db(st);
	free(st->atoms);
	for (k = 0; k < KINDS; k++) {
		free(st->batch[k].text);
		free(st->batch[k].one_sql);
		free(st->batch[k].all_sql);
	}
	free(st->path);
	free(st);
}

/* The one text value sql returns equals expected. */
static int answer_is(struct store *st, const char *sql, const char *expected)
{
	sqlite3_stmt *stmt;
	int equal;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return 0;
	equal = sqlite3_step(stmt) == SQLITE_ROW &&
		sqlite3_column_type(stmt, 0) != SQLITE_NULL &&
		!strcmp((const char *)sqlite3_column_text(stmt, 0), expected);
	sqlite3_finalize(stmt);
	return equal;
}

/*
 * Remove the database file if nothing was ever ingested into it; 1 when
 * removed.  Leaving WAL mode takes the only connection (each holds a shared
 * lock on the file for as long as it is open), so a store that another
 * camaudit has open is kept; and one that opens it before the unlink finds
 * it moved when it first writes, and fails (SQLite's READONLY_DBMOVED in
 * rollback mode) instead of storing into a file that no longer has a name.
 */
static int remove_if_unused(struct store *st)
{
	static const char *const unused = "SELECT NOT EXISTS (SELECT 1 FROM source)";
	int removed = 0;

	sqlite3_busy_timeout(st->db, 0);
	if (!answer_is(st, unused, "1") ||
	    !answer_is(st, "PRAGMA journal_mode = DELETE", "delete"))
		return 0;
	if (sqlite3_exec(st->db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK) {
		removed = answer_is(st, unused, "1") && unlink(st->path) == 0;
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	}
	if (!removed)
		sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	return removed;
}

int store_close_discarding_unused(struct store *st)
{
	int removed = st && st->created && remove_if_unused(st);

	store_close(st);
	return removed;
}

int store_owns_file(const struct store *st, const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	struct stat target, own;
	size_t i;

	if (stat(path, &target) != 0)
		return 0;
	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t len = strlen(st->path) + strlen(suffixes[i]) + 1;
		char *name = xmalloc(len);
		int same;

		snprintf(name, len, "%s%s", st->path, suffixes[i]);
		same = stat(name, &own) == 0 && own.st_dev == target.st_dev &&
		       own.st_ino == target.st_ino;
		free(name);
		if (same)
			return 1;
	}
	return 0;
}

static void forget_atoms(struct store *st)
{
	/* Ids handed out inside a rolled-back transaction no longer exist. */
	if (st->atoms)
		memset(st->atoms, 0, ATOM_CACHE_SLOTS * sizeof(*st->atoms));
}

int store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE", "starting a transaction");
}

int store_begin_read(struct store *st)
{
	return store_exec(st, "BEGIN DEFERRED", "starting a read transaction");
}

int store_commit(struct store *st)
{
	if (store_exec(st, "COMMIT", "committing")) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void store_rollback(struct store *st)
{
	size_t k;

	for (k = 0; k < KINDS; k++)
		st->batch[k].rows = st->batch[k].text_used = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	forget_atoms(st);
}

static uint32_t hash_text(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what)
{
	int rc;

	progress_step(what); /* as in store_exec */
	rc = sqlite3_step(stmt);
	progress_end();
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, what);
		return -1;
	}
	return 0;
}

void store_bind_named(sqlite3_stmt *stmt, const char *name, int64_t value)
{
	int index = sqlite3_bind_parameter_index(stmt, name);

	if (index)
		sqlite3_bind_int64(stmt, index, value);
}

int64_t store_changes(struct store *st)
{
	return sqlite3_changes(st->db);
}

int64_t store_last_insert_id(struct store *st)
{
	return sqlite3_last_insert_rowid(st->db);
}

/* The cache slot of a string, or NULL when it is too long to be cached. */
static struct atom_slot *atom_slot(struct store *st, const struct text *t)
{
	if (t->len > ATOM_CACHE_MAX_LEN)
		return NULL;
	return &st->atoms[hash_text(t->ptr, t->len) & (ATOM_CACHE_SLOTS - 1)];
}

/*
 * The id of an interned string, adding it when new; -1 on error.  slot
 * is atom_slot(st, t).
 */
static int64_t intern(struct store *st, const struct text *t,
		      struct atom_slot *slot)
{
	static const char find_sql[] = "SELECT id FROM atom WHERE text = ?1";
	static const char add_sql[] = "INSERT INTO atom (text) VALUES (?1)";
	sqlite3_stmt *stmt;
	int64_t id = -1;
	int rc;

	if (slot && slot->id && slot->len == t->len &&
	    !memcmp(slot->text, t->ptr, t->len))
		return slot->id;
	if (!(stmt = store_prepare(st, find_sql)))
		return -1;
	sqlite3_bind_text(stmt, 1, t->ptr, (int)t->len, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(st, "looking up a name");
		return -1;
	}
	if (id < 0) {
		if (!(stmt = store_prepare(st, add_sql)))
			return -1;
		sqlite3_bind_text(stmt, 1, t->ptr, (int)t->len, SQLITE_STATIC);
		if (store_step_done(st, stmt, "adding a name"))
			return -1;
		id = sqlite3_last_insert_rowid(st->db);
	}
	if (slot) {
		memcpy(slot->text, t->ptr, t->len);
		slot->len = (uint32_t)t->len;
		slot->id = id;
	}
	return id;
}

/*
 * Bind an interned string, or NULL when the field is absent or empty.
 * slot is atom_slot(st, t), found when the batch was prefetched.
 */
static int bind_atom(struct store *st, sqlite3_stmt *stmt, int col,
		     const struct text *t, struct atom_slot *slot)
{
	int64_t id;

	if (t->len == 0)
		return sqlite3_bind_null(stmt, col) == SQLITE_OK ? 0 : -1;
	if ((id = intern(st, t, slot)) < 0)
		return -1;
	sqlite3_bind_int64(stmt, col, id);
	return 0;
}

/*
 * Numbers such as status and ttl_ms are bound as integers when they are
 * decimal integers (event_integer) and kept as text otherwise: nothing
 * from the log is lost, and SQL comparisons such as status IN (200, 206)
 * stay exact.
 */
static void bind_number(sqlite3_stmt *stmt, int col, const struct text *t)
{
	int64_t v;

	if (t->len == 0)
		sqlite3_bind_null(stmt, col);
	else if (event_integer(t, &v))
		sqlite3_bind_int64(stmt, col, v);
	else
		sqlite3_bind_text(stmt, col, t->ptr, (int)t->len, SQLITE_STATIC);
}

static void bind_text(sqlite3_stmt *stmt, int col, const struct text *t)
{
	if (t->len == 0)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, t->ptr, (int)t->len, SQLITE_STATIC);
}

/*
 * The INSERT of kind k for `rows` rows, "(?,?,...)" each: made once and
 * kept, so that store_prepare() finds it again by its address.
 */
static char *insert_sql(size_t k, size_t rows)
{
	const struct kind *kd = &kinds[k];
	char *sql = NULL;
	size_t size = 0, r, c;
	FILE *out = open_memstream(&sql, &size);

	if (!out)
		die("out of memory (making an INSERT)");
	fprintf(out, "INSERT INTO %s (id, ts, %s) VALUES ", kd->table, kd->names);
	for (r = 0; r < rows; r++) {
		fputs(r ? ",(?,?" : "(?,?", out);
		for (c = 0; c < kd->count; c++)
			fputs(",?", out);
		fputc(')', out);
	}
	if (fclose(out) != 0)
		die("out of memory (making an INSERT)");
	return sql;
}

/* Wait an event in its kind's batch, storing the batch when it is full. */
static int queue_event(struct store *st, int64_t id, const struct event *ev)
{
	const struct kind *kd = &kinds[ev->kind];
	struct batch *b = &st->batch[ev->kind];
	size_t c, r = b->rows;

	b->row[r].id = id;
	b->row[r].ts = ev->ts;
	b->row[r].op = ev->op;
	for (c = 0; c < kd->count; c++) {
		const struct text *t = &ev->field[kd->column[c].field];
		int from_op = kd->column[c].as == BIND_OP ||
			      kd->column[c].as == BIND_GRANTS;
		size_t len = from_op ? 0 : t->len;

		if (b->text_size - b->text_used < len) {
			b->text_size = 2 * (b->text_used + len);
			b->text = xrealloc(b->text, b->text_size);
		}
		if (len)
			memcpy(b->text + b->text_used, t->ptr, len);
		b->row[r].off[c] = b->text_used;
		b->row[r].len[c] = len;
		b->text_used += len;
	}
	/* A full batch goes alone: the others keep filling up. */
	return ++b->rows == BATCH_ROWS ? store_kinds(st, ev->kind, ev->kind + 1) : 0;
}

/* Bind row r of kind k's batch from parameter base + 1 on. */
static int bind_row(struct store *st, size_t k, sqlite3_stmt *stmt, int base,
		    size_t r, const struct text *t, struct atom_slot *const *slot)
{
	const struct kind *kd = &kinds[k];
	const char *op = st->batch[k].row[r].op;
	size_t c;
	int rc = 0;

	sqlite3_bind_int64(stmt, base + 1, st->batch[k].row[r].id);
	sqlite3_bind_int64(stmt, base + 2, st->batch[k].row[r].ts);
	for (c = 0; c < kd->count && !rc; c++) {
		int col = base + 3 + (int)c;

		switch (kd->column[c].as) {
		case BIND_ATOM:
			rc = bind_atom(st, stmt, col, &t[c], slot[c]);
			break;
		case BIND_TEXT:
			bind_text(stmt, col, &t[c]);
			break;
		case BIND_NUMBER:
			bind_number(stmt, col, &t[c]);
			break;
		case BIND_OP:
			sqlite3_bind_text(stmt, col, op, -1, SQLITE_STATIC);
			break;
		case BIND_GRANTS:
			/* bind and share grant; unbind and unshare take away. */
			sqlite3_bind_int(stmt, col, strncmp(op, "un", 2) != 0);
			break;
		}
	}
	return rc;
}

/*
 * Store the events waiting in kind k's batch: all in one statement when
 * it is full, else one by one; -1 (reported) when they could not be.  The
 * caller empties the batch.
 */
static int store_batch(struct store *st, size_t k)
{
	const struct kind *kd = &kinds[k];
	struct batch *b = &st->batch[k];
	struct atom_slot *slot[BATCH_ROWS][MAX_COLUMNS];
	struct text t[BATCH_ROWS][MAX_COLUMNS];
	size_t r, c, rows = b->rows;
	int whole = rows == BATCH_ROWS;
	sqlite3_stmt *stmt = NULL;
	int rc = 0;

	for (r = 0; r < rows; r++) {
		for (c = 0; c < kd->count; c++) {
			t[r][c].ptr = b->text + b->row[r].off[c];
			t[r][c].len = b->row[r].len[c];
			slot[r][c] = NULL;
			if (kd->column[c].as == BIND_ATOM && t[r][c].len &&
			    (slot[r][c] = atom_slot(st, &t[r][c])))
				PREFETCH(slot[r][c]);
		}
	}
	if (!b->one_sql) {
		b->one_sql = insert_sql(k, 1);
		b->all_sql = insert_sql(k, BATCH_ROWS);
	}
	for (r = 0; r < rows && !rc; r++) {
		if ((!whole || r == 0) &&
		    !(stmt = store_prepare(st, whole ? b->all_sql : b->one_sql))) {
			rc = -1;
			break;
		}
		rc = bind_row(st, k, stmt, whole ? (int)(r * (kd->count + 2)) : 0,
			      r, t[r], slot[r]);
		if (!rc && (!whole || r == rows - 1))
			rc = store_step_done(st, stmt, "storing events");
	}
	return rc;
}

/*
 * Store the batches of kinds first to end - 1; -1 (reported) when one
 * could not be stored, and the batches after it are dropped, as the
 * failed transaction will be.
 */
static int store_kinds(struct store *st, size_t first, size_t end)
{
	size_t k;
	int rc = 0;

	if (st->storing)
		return 0;
	st->storing = 1; /* the statements run meanwhile must not come back */
	for (k = first; k < end; k++) {
		if (!rc && st->batch[k].rows)
			rc = store_batch(st, k);
		st->batch[k].rows = st->batch[k].text_used = 0;
	}
	st->storing = 0;
	return rc;
}

static int store_batches(struct store *st)
{
	return store_kinds(st, 0, KINDS);
}

int store_insert_event(struct store *st, int64_t source, uint64_t line,
		       const struct event *ev)
{
	if (line > EVENT_LINE_MAX) {
		error("line %" PRIu64 ": past the last line number the store can "
		      "hold (%" PRIu64 ")", line, EVENT_LINE_MAX);
		return -1;
	}
	return queue_event(st, EVENT_ID(source, line), ev);
}

int store_insert_reject(struct store *st, int64_t source, uint64_t line,
			const char *reason)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO reject (source, line, reason) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, source);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)line);
	sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
	return store_step_done(st, stmt, "recording a rejected line");
}

int store_forget_line(struct store *st, int64_t source, uint64_t line)
{
	static const char *const sql[] = {
		"DELETE FROM serve WHERE id = ?3",
		"DELETE FROM fill WHERE id = ?3",
		"DELETE FROM removal WHERE id = ?3",
		"DELETE FROM binding WHERE id = ?3",
		"DELETE FROM share WHERE id = ?3",
		"DELETE FROM reject WHERE source = ?1 AND line = ?2",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *stmt = store_prepare(st, sql[i]);

		if (!stmt)
			return -1;
		sqlite3_bind_int64(stmt, 1, source);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)line);
		sqlite3_bind_int64(stmt, 3, EVENT_ID(source, line));
		if (store_step_done(st, stmt, "replacing a provisional line"))
			return -1;
	}
	return 0;
}
