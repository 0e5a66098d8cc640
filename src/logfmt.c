/*
 * Splitting a logfmt line.  This runs once per input line, so it works in
 * place on the line buffer and allocates nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "logfmt.h"
#include "util.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int logfmt_parse_line(char *line, size_t len, struct event *ev)
{
	size_t pos = 0;
	int first = 1;

	event_reset(ev);
	while (pos < len) {
		size_t key_start, key_len, value_start, value_len;
		enum field f;

		while (pos < len && is_blank(line[pos]))
			pos++;
		if (pos == len)
			break;
		key_start = pos;
		while (pos < len && !is_blank(line[pos]) && line[pos] != '=')
			pos++;
		key_len = pos - key_start;
		if (pos == len || line[pos] != '=') {
			/* A bare token: the timestamp when it comes first. */
			if (first)
				ev->field[FIELD_TS] = (struct text){line + key_start, key_len};
			first = 0;
			continue;
		}
		first = 0;
		pos++; /* '=' */
		value_start = pos;
		if (pos < len && line[pos] == '"') {
			size_t open = ++pos, out = open, in = open;

			while (in < len && line[in] != '"') {
				char c = line[in++];

				if (c == '\\' && in < len) {
					c = line[in++];
					if (c == 'n')
						c = '\n';
					else if (c == 't')
						c = '\t';
					else if (c == 'r')
						c = '\r';
				}
				line[out++] = c;
			}
			if (in == len) {
				char shown[48];

				quote_bounded(shown, sizeof(shown),
					      line + key_start, key_len);
				snprintf(ev->why, sizeof(ev->why),
					 "unterminated quoted value of '%s'", shown);
				return -1;
			}
			value_start = open;
			value_len = out - open;
			pos = in + 1;
		} else {
			while (pos < len && !is_blank(line[pos]))
				pos++;
			value_len = pos - value_start;
		}
		f = event_field_lookup(line + key_start, key_len);
		if (f != FIELD_COUNT)
			ev->field[f] = (struct text){line + value_start, value_len};
	}
	return event_classify(ev);
}
