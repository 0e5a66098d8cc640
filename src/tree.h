/*
 * A small writer for nested records, in two renderings: indented
 * "key: value" text for people and JSON for programs.  Used by explain,
 * whose output is a tree rather than a table.
 */
#ifndef CAMAUDIT_TREE_H
#define CAMAUDIT_TREE_H

#include <stdint.h>
#include <stdio.h>

struct tree {
	FILE *out;
	int json;
	int depth;
	int first[16];     /* per depth: nothing written yet at this level */
	int in_array[16];  /* per depth: the container is an array */
};

void tree_init(struct tree *t, FILE *out, int json);
/* Open an object or array under key (NULL inside an array). */
void tree_object(struct tree *t, const char *key);
void tree_array(struct tree *t, const char *key);
void tree_end(struct tree *t);
/* Values; a NULL text is written as null (JSON) or "-" (text). */
void tree_text(struct tree *t, const char *key, const char *value);
/* The same for value[0..len), which may hold NUL bytes. */
void tree_text_len(struct tree *t, const char *key, const char *value,
		   size_t len);
void tree_time(struct tree *t, const char *key, int64_t ms);
void tree_int(struct tree *t, const char *key, int64_t value);
/* A finite number such as 90 or 85.5 (%.15g). */
void tree_real(struct tree *t, const char *key, double value);
void tree_bool(struct tree *t, const char *key, int value);
void tree_null(struct tree *t, const char *key);
/* End the document (a newline after the JSON object). */
void tree_finish(struct tree *t);

#endif
