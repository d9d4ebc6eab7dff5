/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SQLite history store: schema and migrations (PRAGMA user_version),
 * runs, cells written one transaction each, immutable record rows, and the
 * queries behind `history` and the dashboard. Export/import lives in
 * store_io.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bpfgauge/store.h"
#include "bpfgauge_internal.h"
#include "json_writer.h"
#include "bpfgauge/json_read.h"
#include "store_internal.h"
#include "vlog_json.h"

/* Migrations: entry i moves user_version i to i+1. Never edit a shipped one. */
static const char *const migrations[] = {
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, started TEXT, finished TEXT,"
	"  status TEXT, git_commit TEXT, git_dirty INTEGER, branch TEXT, host_arch TEXT,"
	"  host_kernel TEXT, label TEXT, matrix_key TEXT, tool_version TEXT);"
	"CREATE TABLE cells ("
	"  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  kernel TEXT NOT NULL, kernel_release TEXT, config_hash TEXT, btf INTEGER,"
	"  clang TEXT NOT NULL, clang_version TEXT, mcpu TEXT NOT NULL, cflags TEXT,"
	"  object TEXT NOT NULL, object_hash TEXT, status TEXT, error TEXT, console_tail TEXT,"
	"  seconds REAL, UNIQUE(run_id, kernel, clang, mcpu, object));"
	"CREATE TABLE records ("
	"  id INTEGER PRIMARY KEY, cell_id INTEGER NOT NULL REFERENCES cells(id),"
	"  prog TEXT NOT NULL, verdict TEXT, insns INTEGER, states INTEGER,"
	"  record TEXT NOT NULL, log TEXT, UNIQUE(cell_id, prog));"
	"CREATE INDEX records_prog ON records(prog);"
	"CREATE TRIGGER records_immutable BEFORE UPDATE ON records"
	"  BEGIN SELECT RAISE(ABORT, 'records are immutable'); END;"
	"CREATE TRIGGER cells_immutable BEFORE UPDATE ON cells"
	"  BEGIN SELECT RAISE(ABORT, 'cells are immutable'); END;",
	/* 2: each record's attach outcome; the process that writes a run */
	"ALTER TABLE records ADD COLUMN attach TEXT;"
	"ALTER TABLE runs ADD COLUMN owner TEXT;",
	/* 3: each cell's architecture (the matrix's arch axis) */
	"ALTER TABLE cells ADD COLUMN arch TEXT;",
};

const struct store_field store_run_fields[] = {
	{ "uuid", offsetof(struct store_run, uuid) },
	{ "started", offsetof(struct store_run, started) },
	{ "finished", offsetof(struct store_run, finished) },
	{ "status", offsetof(struct store_run, status) },
	{ "git_commit", offsetof(struct store_run, git_commit) },
	{ "branch", offsetof(struct store_run, branch) },
	{ "host_arch", offsetof(struct store_run, host_arch) },
	{ "host_kernel", offsetof(struct store_run, host_kernel) },
	{ "label", offsetof(struct store_run, label) },
	{ "matrix_key", offsetof(struct store_run, matrix_key) },
	{ "tool_version", offsetof(struct store_run, tool_version) },
	{ "owner", offsetof(struct store_run, owner) },
	{ 0 },
};

const struct store_field store_cell_fields[] = {
	{ "kernel", offsetof(struct store_cell, kernel) },
	{ "kernel_release", offsetof(struct store_cell, kernel_release) },
	{ "config_hash", offsetof(struct store_cell, config_hash) },
	{ "clang", offsetof(struct store_cell, clang) },
	{ "clang_version", offsetof(struct store_cell, clang_version) },
	{ "mcpu", offsetof(struct store_cell, mcpu) },
	{ "cflags", offsetof(struct store_cell, cflags) },
	{ "object", offsetof(struct store_cell, object) },
	{ "object_hash", offsetof(struct store_cell, object_hash) },
	{ "status", offsetof(struct store_cell, status) },
	{ "error", offsetof(struct store_cell, error) },
	{ "console_tail", offsetof(struct store_cell, console_tail) },
	{ "arch", offsetof(struct store_cell, arch) }, /* schema 3 */
	{ 0 },
};

#define FIELD(base, f) (*(char **)((char *)(base) + (f)->off))

static int db_err(struct store *st, const char *what)
{
	pr_warn("store: %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return bg_err(-EIO);
}

/* An insert failed with extended code rc: a duplicate is -EEXIST, the rest say why. */
static int insert_err(struct store *st, int rc, const char *what)
{
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return bg_err(-EEXIST);
	return db_err(st, what);
}

int store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pr_warn("store: %s: %s", st->path, msg ? msg : "error");
		sqlite3_free(msg);
		return bg_err(-EIO);
	}
	return 0;
}

static int mkparents(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	return 0;
}

int store_open(const char *path, struct store **out)
{
	struct store *st;
	sqlite3_stmt *s;
	int ver = 0, err;

	*out = NULL;
	if (!path)
		path = STORE_DEFAULT_PATH;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return bg_err(-ENOMEM);
	}
	err = mkparents(path);
	if (err) {
		pr_warn("store: cannot create the directory of '%s': %s", path, strerror(-err));
		store_close(st);
		return bg_err(err);
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
						SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		pr_warn("store: cannot open '%s': %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return bg_err(-EIO);
	}
	sqlite3_busy_timeout(st->db, 10000);
	if (store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
			   " PRAGMA synchronous=NORMAL;")) {
		store_close(st);
		return bg_err(-EIO);
	}
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			ver = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (ver > STORE_DB_VERSION) {
		pr_warn("store: '%s' has schema version %d, newer than this bpfgauge knows (%d)",
			path, ver, STORE_DB_VERSION);
		store_close(st);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	st->ver = STORE_DB_VERSION;
	for (; ver < STORE_DB_VERSION; ver++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d;", ver + 1);
		if (store_exec(st, "BEGIN IMMEDIATE") || store_exec(st, migrations[ver]) ||
		    store_exec(st, sql) || store_exec(st, "COMMIT")) {
			store_exec(st, "ROLLBACK");
			pr_warn("store: migration of '%s' to version %d failed", path, ver + 1);
			store_close(st);
			return bg_err(-EIO);
		}
	}
	*out = st;
	return 0;
}

/* A "file:" URI for path with ?immutable=1; '%', '?' and '#' escaped. */
static char *immutable_uri(const char *path)
{
	char *u = malloc(strlen(path) * 3 + 32), *o = u;

	if (!u)
		return NULL;
	o += sprintf(o, "file:");
	for (const char *p = path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#')
			o += sprintf(o, "%%%02X", (unsigned char)*p);
		else
			*o++ = *p;
	strcpy(o, "?immutable=1");
	return u;
}

static int ro_version(sqlite3 *db, int *ver)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ver = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_open_ro(const char *path, struct store **out)
{
	struct store *st;
	struct stat sb;
	int ver = 0;

	*out = NULL;
	if (!path)
		path = STORE_DEFAULT_PATH;
	if (stat(path, &sb)) {
		int err = -errno;

		pr_warn("store: cannot open '%s': %s", path, strerror(-err));
		return bg_err(err);
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return bg_err(-ENOMEM);
	}
	/*
	 * A WAL database needs its -shm file even to read; when that cannot be
	 * created (another user's store, a read-only file system) read the file
	 * as immutable instead.
	 */
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL) !=
		    SQLITE_OK ||
	    ro_version(st->db, &ver)) {
		char *uri = immutable_uri(path);

		sqlite3_close(st->db);
		st->db = NULL;
		if (!uri ||
		    sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
							  SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
		    ro_version(st->db, &ver)) {
			pr_warn("store: cannot read '%s': %s", path,
				st->db ? sqlite3_errmsg(st->db) : "out of memory");
			free(uri);
			store_close(st);
			return bg_err(-EIO);
		}
		free(uri);
	}
	sqlite3_busy_timeout(st->db, 10000);
	if (ver > STORE_DB_VERSION) {
		pr_warn("store: '%s' has schema version %d, newer than this bpfgauge knows (%d)",
			path, ver, STORE_DB_VERSION);
		store_close(st);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	/* versions 1 and 2 lack only the attach outcomes, run owners and cell
	 * architectures: read as none */
	if (ver < 1) {
		pr_warn("store: '%s' has schema version %d; open it once for writing (history import, matrix) to migrate it to %d",
			path, ver, STORE_DB_VERSION);
		store_close(st);
		return bg_err(-BPFGAUGE_EBADFORMAT);
	}
	st->ver = ver;
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return strdup(t ? (const char *)t : "");
}

static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

void store_run_release(struct store_run *run)
{
	if (!run)
		return;
	for (const struct store_field *f = store_run_fields; f->name; f++)
		free(FIELD(run, f));
	memset(run, 0, sizeof(*run));
}

void store_cell_release(struct store_cell *c)
{
	if (!c)
		return;
	for (const struct store_field *f = store_cell_fields; f->name; f++)
		free(FIELD(c, f));
	for (size_t i = 0; i < c->nrecs; i++) {
		vlog_record__free(c->recs[i]);
		if (c->logs)
			free(c->logs[i]);
		if (c->attach)
			free(c->attach[i]);
	}
	free(c->recs);
	free(c->logs);
	free(c->attach);
	memset(c, 0, sizeof(*c));
}

void store_cells_free(struct store_cell *cells, size_t n)
{
	for (size_t i = 0; cells && i < n; i++)
		store_cell_release(&cells[i]);
	free(cells);
}

void store_runs_free(struct store_run *runs, size_t n)
{
	for (size_t i = 0; runs && i < n; i++)
		store_run_release(&runs[i]);
	free(runs);
}

int store_run_insert(struct store *st, struct store_run *run)
{
	char sql[1024], uuid[40];
	size_t o = 0;
	sqlite3_stmt *s;
	int i = 1, rc;

	if (!run->uuid || !run->uuid[0]) {
		char a[17], b[17];

		bpfgauge_random_id(a);
		bpfgauge_random_id(b);
		snprintf(uuid, sizeof(uuid), "%.8s-%.4s-%.4s-%.4s-%.12s", a, a + 8, a + 12, b,
			 b + 4);
		free(run->uuid);
		run->uuid = strdup(uuid);
	}
	o += snprintf(sql + o, sizeof(sql) - o, "INSERT INTO runs(git_dirty");
	for (const struct store_field *f = store_run_fields; f->name; f++)
		o += snprintf(sql + o, sizeof(sql) - o, ",%s", f->name);
	o += snprintf(sql + o, sizeof(sql) - o, ") VALUES(?");
	for (const struct store_field *f = store_run_fields; f->name; f++)
		o += snprintf(sql + o, sizeof(sql) - o, ",?");
	snprintf(sql + o, sizeof(sql) - o, ")");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare run insert");
	sqlite3_bind_int(s, i++, run->git_dirty);
	for (const struct store_field *f = store_run_fields; f->name; f++)
		bind_str(s, i++, FIELD(run, f));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_CONSTRAINT ? bg_err(-EEXIST) : db_err(st, "insert run");
	run->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_run_begin(struct store *st, struct store_run *run)
{
	if (!run->status || strcmp(run->status, "running")) {
		free(run->status);
		run->status = strdup("running");
	}
	return store_run_insert(st, run);
}

int store_run_find_resumable(struct store *st, const char *matrix_key, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id FROM runs WHERE matrix_key=? AND status!='complete'"
			       " ORDER BY id DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare");
	bind_str(s, 1, matrix_key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : bg_err(-ENOENT);
}

int store_run_finish(struct store *st, int64_t run_id, const char *status)
{
	sqlite3_stmt *s;
	int rc;

	/* runs are the one mutable table: status and finish time only */
	if (sqlite3_prepare_v2(st->db,
			       "UPDATE runs SET status=?, finished=strftime('%Y-%m-%dT%H:%M:%SZ','now')"
			       " WHERE id=?", -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare");
	bind_str(s, 1, status);
	sqlite3_bind_int64(s, 2, run_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(st, "finish run");
}

bool store_cell_exists(struct store *st, int64_t run_id, const char *kernel, const char *clang,
		       const char *mcpu, const char *object)
{
	sqlite3_stmt *s;
	bool found;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT 1 FROM cells WHERE run_id=? AND kernel=? AND clang=? AND mcpu=?"
			       " AND object=?", -1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(s, 1, run_id);
	bind_str(s, 2, kernel);
	bind_str(s, 3, clang);
	bind_str(s, 4, mcpu);
	bind_str(s, 5, object);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

/* A record as one JSON object (the column the store reads back). */
static char *record_json(const struct vlog_record *r)
{
	char *buf = NULL;
	size_t len;
	FILE *m = open_memstream(&buf, &len);
	json_writer_t *jw;

	if (!m)
		return NULL;
	jw = jw_new(m, false);
	if (jw) {
		vlog_record__write_json(jw, r, NULL, 0);
		jw_free(jw);
	}
	fclose(m);
	return buf;
}

/* Insert one cell; the caller holds the transaction. */
int store_cell_insert(struct store *st, int64_t run_id, const struct store_cell *c)
{
	char sql[1024];
	size_t o = 0;
	sqlite3_stmt *s;
	int i = 1, rc;
	int64_t cell_id;

	o += snprintf(sql + o, sizeof(sql) - o, "INSERT INTO cells(run_id,btf,seconds");
	for (const struct store_field *f = store_cell_fields; f->name; f++)
		o += snprintf(sql + o, sizeof(sql) - o, ",%s", f->name);
	o += snprintf(sql + o, sizeof(sql) - o, ") VALUES(?,?,?");
	for (const struct store_field *f = store_cell_fields; f->name; f++)
		o += snprintf(sql + o, sizeof(sql) - o, ",?");
	snprintf(sql + o, sizeof(sql) - o, ")");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare cell insert");
	sqlite3_bind_int64(s, i++, run_id);
	sqlite3_bind_int(s, i++, c->btf);
	sqlite3_bind_double(s, i++, c->seconds);
	for (const struct store_field *f = store_cell_fields; f->name; f++)
		bind_str(s, i++, FIELD(c, f));
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		rc = sqlite3_extended_errcode(st->db);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return insert_err(st, rc, "insert cell");
	cell_id = sqlite3_last_insert_rowid(st->db);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO records(cell_id,prog,verdict,insns,states,record,log,attach)"
			       " VALUES(?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare record insert");
	for (size_t k = 0; k < c->nrecs; k++) {
		const struct vlog_record *r = c->recs[k];
		char *js = record_json(r);

		if (!js) {
			sqlite3_finalize(s);
			return bg_err(-ENOMEM);
		}
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, cell_id);
		bind_str(s, 2, vlog_record__str(r, VLOG_STAT_PROG));
		bind_str(s, 3, vlog_verdict_str(vlog_record__int(r, VLOG_STAT_VERDICT)));
		if (vlog_record__has(r, VLOG_STAT_INSNS))
			sqlite3_bind_int64(s, 4, vlog_record__int(r, VLOG_STAT_INSNS));
		else
			sqlite3_bind_null(s, 4);
		if (vlog_record__has(r, VLOG_STAT_TOTAL_STATES))
			sqlite3_bind_int64(s, 5, vlog_record__int(r, VLOG_STAT_TOTAL_STATES));
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_text(s, 6, js, -1, SQLITE_TRANSIENT);
		if (c->logs && c->logs[k])
			sqlite3_bind_text(s, 7, c->logs[k], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s, 7);
		if (c->attach && c->attach[k])
			sqlite3_bind_text(s, 8, c->attach[k], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s, 8);
		rc = sqlite3_step(s);
		free(js);
		if (rc != SQLITE_DONE) {
			rc = sqlite3_extended_errcode(st->db);
			sqlite3_finalize(s);
			return insert_err(st, rc, "insert record");
		}
	}
	sqlite3_finalize(s);
	return 0;
}

int store_cell_add(struct store *st, int64_t run_id, const struct store_cell *c)
{
	int err;

	if (store_exec(st, "BEGIN IMMEDIATE"))
		return bg_err(-EIO);
	err = store_cell_insert(st, run_id, c);
	if (err) {
		store_exec(st, "ROLLBACK");
		return bg_err(err);
	}
	return store_exec(st, "COMMIT");
}

#define RUN_COLS(owner)                                                                   \
	"r.id, r.git_dirty, r.uuid, r.started, r.finished, r.status, r.git_commit, r.branch," \
	" r.host_arch, r.host_kernel, r.label, r.matrix_key, r.tool_version, " owner ","     \
	" (SELECT count(*) FROM cells c WHERE c.run_id=r.id)"

/* The run columns (a version-1 store, read-only, has no owner). */
static const char *run_cols_of(const struct store *st)
{
	return st->ver >= 2 ? RUN_COLS("r.owner") : RUN_COLS("''");
}

static void run_from_row(sqlite3_stmt *s, struct store_run *run)
{
	int i = 2;

	memset(run, 0, sizeof(*run));
	run->id = sqlite3_column_int64(s, 0);
	run->git_dirty = sqlite3_column_int(s, 1);
	for (const struct store_field *f = store_run_fields; f->name; f++)
		FIELD(run, f) = col_dup(s, i++);
	run->ncells = sqlite3_column_int64(s, i);
	/* readers see an abandoned run as such without writing to the store */
	if (run->status && !strcmp(run->status, "running") && !store_owner_alive(run->owner)) {
		free(run->status);
		run->status = strdup("interrupted");
	}
}

int store_run_resume(struct store *st, int64_t run_id)
{
	char owner[256];
	sqlite3_stmt *s;
	int rc;

	store_owner_self(owner, sizeof(owner));
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET status='running', owner=? WHERE id=?", -1,
			       &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare");
	bind_str(s, 1, owner);
	sqlite3_bind_int64(s, 2, run_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(st, "resume run");
}

int store_run_mark_interrupted(struct store *st, int64_t run_id)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "UPDATE runs SET status='interrupted' WHERE id=? AND status='running'",
			       -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "prepare");
	sqlite3_bind_int64(s, 1, run_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_err(st, "mark run interrupted");
	return sqlite3_changes(st->db) ? 0 : bg_err(-ENOENT);
}

int store_runs_reap(struct store *st)
{
	struct store_run *runs;
	size_t n;
	int err, reaped = 0;

	err = store_runs(st, &runs, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++) {
		/* run_from_row read a dead owner's "running" as "interrupted" */
		if (strcmp(runs[i].status, "interrupted") || store_owner_alive(runs[i].owner))
			continue;
		err = store_run_mark_interrupted(st, runs[i].id);
		if (!err)
			reaped++;
		else if (err == -ENOENT)
			err = 0; /* already so in the file */
	}
	store_runs_free(runs, n);
	return err ? err : reaped;
}

int store_runs(struct store *st, struct store_run **runs, size_t *n)
{
	char sql[1024];
	sqlite3_stmt *s;
	size_t cap = 0;

	*runs = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT %s FROM runs r ORDER BY r.id", run_cols_of(st));
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "list runs");
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			struct store_run *r = realloc(*runs, (cap = cap ? cap * 2 : 16) * sizeof(*r));

			if (!r) {
				sqlite3_finalize(s);
				return bg_err(-ENOMEM);
			}
			*runs = r;
		}
		run_from_row(s, &(*runs)[(*n)++]);
	}
	sqlite3_finalize(s);
	return 0;
}

int store_run_get(struct store *st, const char *spec, struct store_run *run)
{
	char sql[1024];
	sqlite3_stmt *s;
	int rc;
	char *end;

	memset(run, 0, sizeof(*run));
	if (!strncmp(spec, "latest", 6) && (!spec[6] || spec[6] == '~')) {
		long back = spec[6] ? strtol(spec + 7, &end, 10) : 0;

		snprintf(sql, sizeof(sql),
			 "SELECT %s FROM runs r ORDER BY r.id DESC LIMIT 1 OFFSET %ld", run_cols_of(st),
			 back < 0 ? 0 : back);
		rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	} else if (strtoll(spec, &end, 10) > 0 && !*end) {
		snprintf(sql, sizeof(sql), "SELECT %s FROM runs r WHERE r.id=?", run_cols_of(st));
		rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
		if (rc == SQLITE_OK)
			sqlite3_bind_int64(s, 1, strtoll(spec, NULL, 10));
	} else {
		snprintf(sql, sizeof(sql),
			 "SELECT %s FROM runs r WHERE r.uuid LIKE ? || '%%' ORDER BY r.id DESC LIMIT 1",
			 run_cols_of(st));
		rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
		if (rc == SQLITE_OK)
			bind_str(s, 1, spec);
	}
	if (rc != SQLITE_OK)
		return db_err(st, "find run");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		run_from_row(s, run);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : bg_err(-ENOENT);
}

static int load_records(struct store *st, struct store_cell *c)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int err = 0;

	if (sqlite3_prepare_v2(st->db,
			       st->ver >= 2 ?
				       "SELECT record, log, attach FROM records WHERE cell_id=? ORDER BY id" :
				       "SELECT record, log, NULL FROM records WHERE cell_id=? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "read records");
	sqlite3_bind_int64(s, 1, c->id);
	while (!err && sqlite3_step(s) == SQLITE_ROW) {
		const char *js = (const char *)sqlite3_column_text(s, 0);
		const char *log = (const char *)sqlite3_column_text(s, 1);
		const char *att = (const char *)sqlite3_column_text(s, 2);
		struct json_value *v = NULL;
		struct vlog_record *r = NULL;

		if (c->nrecs == cap) {
			cap = cap ? cap * 2 : 8;
			void *a = realloc(c->recs, cap * sizeof(*c->recs));
			void *b = a ? realloc(c->logs, cap * sizeof(*c->logs)) : NULL;
			void *t = b ? realloc(c->attach, cap * sizeof(*c->attach)) : NULL;

			if (a)
				c->recs = a;
			if (b)
				c->logs = b;
			if (t)
				c->attach = t;
			if (!a || !b || !t) {
				err = -ENOMEM;
				break;
			}
		}
		if (js && !json_parse(js, strlen(js), &v, NULL, 0))
			r = vlog_record__from_json(v);
		json_free(v);
		if (!r) {
			pr_warn("store: %s: unreadable record in cell %lld", st->path,
				(long long)c->id);
			err = -BPFGAUGE_EBADFORMAT;
			break;
		}
		c->recs[c->nrecs] = r;
		c->attach[c->nrecs] = att && *att ? strdup(att) : NULL;
		c->logs[c->nrecs++] = log ? strdup(log) : NULL;
	}
	sqlite3_finalize(s);
	return bg_err(err);
}

int store_run_cells(struct store *st, int64_t run_id, struct store_cell **cells, size_t *n)
{
	char sql[1024];
	size_t o = 0, cap = 0;
	sqlite3_stmt *s;
	int err = 0;

	*cells = NULL;
	*n = 0;
	o += snprintf(sql + o, sizeof(sql) - o, "SELECT id, btf, seconds");
	for (const struct store_field *f = store_cell_fields; f->name; f++)
		/* a read-only store of schema < 3 has no arch: read as unknown */
		o += snprintf(sql + o, sizeof(sql) - o, ",%s",
			      st->ver < 3 && !strcmp(f->name, "arch") ? "''" : f->name);
	snprintf(sql + o, sizeof(sql) - o, " FROM cells WHERE run_id=? ORDER BY id");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return db_err(st, "read cells");
	sqlite3_bind_int64(s, 1, run_id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct store_cell *c;
		int i = 3;

		if (*n == cap) {
			c = realloc(*cells, (cap = cap ? cap * 2 : 16) * sizeof(*c));
			if (!c) {
				err = -ENOMEM;
				break;
			}
			*cells = c;
		}
		c = &(*cells)[(*n)++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		c->btf = sqlite3_column_int(s, 1);
		c->seconds = sqlite3_column_double(s, 2);
		for (const struct store_field *f = store_cell_fields; f->name; f++)
			FIELD(c, f) = col_dup(s, i++);
	}
	sqlite3_finalize(s);
	for (size_t i = 0; !err && i < *n; i++)
		err = load_records(st, &(*cells)[i]);
	if (err) {
		store_cells_free(*cells, *n);
		*cells = NULL;
		*n = 0;
	}
	return bg_err(err);
}

int store_baseline(struct store *st, const struct store_run *run, int64_t *base_id)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id FROM runs WHERE id<? AND status='complete'"
			       " AND (?='' OR branch=?) ORDER BY id DESC LIMIT 1", -1, &s,
			       NULL) != SQLITE_OK)
		return db_err(st, "find baseline");
	sqlite3_bind_int64(s, 1, run->id);
	bind_str(s, 2, run->branch);
	bind_str(s, 3, run->branch);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*base_id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : bg_err(-ENOENT);
}
