/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The "libical stream + re-serialize" baseline of the benchmark: the least
 * work a streaming reader built on libical does for every meeting.  It reads
 * an .ics file line by line, collects each VEVENT from its BEGIN:VEVENT line
 * to its END:VEVENT line (folded, as it is in the file), parses that text
 * alone with libical, serializes the component again and writes the result
 * to the output (/dev/null by default).  The VTIMEZONEs at the top are
 * parsed once, the way the streaming design parses them.  It decides
 * nothing, rewrites nothing and keeps no state across events, so its time
 * and memory are a floor for meetmig's read + write path.
 *
 *     baseline_libical FILE.ics [OUT]
 *
 * It prints the number of VEVENTs, octets in and octets out on stderr and
 * exits 0, or exits 1 when the file cannot be read or an event does not
 * parse.  It is a measuring tool, not part of meetmig, and links only
 * libical.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

/* A growing byte buffer: one component's folded text. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 65536;

		while (b->len + n + 1 > cap)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL) {
			perror("baseline_libical: realloc");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Whether LINE (without its line end) is exactly WORD. */
static int
line_is(const char *line, size_t n, const char *word)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	return n == strlen(word) && memcmp(line, word, n) == 0;
}

/* Parses TEXT as one component, serializes it to OUT; 0 or -1. */
static int
round_trip(const char *text, FILE *out, unsigned long long *octets_out)
{
	icalcomponent *c = icalparser_parse_string(text);
	char *s;
	size_t n;

	if (c == NULL)
		return -1;
	s = icalcomponent_as_ical_string_r(c);
	n = strlen(s);
	if (fwrite(s, 1, n, out) != n) {
		free(s);
		icalcomponent_free(c);
		return -1;
	}
	*octets_out += n;
	free(s);
	icalcomponent_free(c);
	return 0;
}

int
main(int argc, char **argv)
{
	FILE *in;
	FILE *out;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct buf event = { NULL, 0, 0 };
	struct buf zones = { NULL, 0, 0 };
	int in_event = 0;
	int in_zone = 0;
	unsigned long events = 0;
	unsigned long long octets_in = 0;
	unsigned long long octets_out = 0;
	int status = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: baseline_libical FILE.ics [OUT]\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (in == NULL) {
		fprintf(stderr, "baseline_libical: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = fopen(argc == 3 ? argv[2] : "/dev/null", "wb");
	if (out == NULL) {
		fprintf(stderr, "baseline_libical: %s: %s\n",
		    argc == 3 ? argv[2] : "/dev/null", strerror(errno));
		fclose(in);
		return 1;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		octets_in += (unsigned long long)n;
		if (!in_event && !in_zone) {
			if (line_is(line, (size_t)n, "BEGIN:VEVENT")) {
				in_event = 1;
				event.len = 0;
			} else if (line_is(line, (size_t)n, "BEGIN:VTIMEZONE")) {
				in_zone = 1;
			}
		}
		if (in_zone) {
			buf_add(&zones, line, (size_t)n);
			if (line_is(line, (size_t)n, "END:VTIMEZONE"))
				in_zone = 0;
			continue;
		}
		if (!in_event)
			continue;
		buf_add(&event, line, (size_t)n);
		if (!line_is(line, (size_t)n, "END:VEVENT"))
			continue;
		in_event = 0;
		/* The zones once, before the first event, as a stream would. */
		if (events == 0 && zones.len > 0) {
			struct buf cal = { NULL, 0, 0 };
			icalcomponent *c;

			buf_add(&cal, "BEGIN:VCALENDAR\r\n", 17);
			buf_add(&cal, zones.data, zones.len);
			buf_add(&cal, "END:VCALENDAR\r\n", 15);
			c = icalparser_parse_string(cal.data);
			if (c == NULL) {
				fprintf(stderr, "baseline_libical: VTIMEZONEs do not parse\n");
				status = 1;
			}
			icalcomponent_free(c);
			free(cal.data);
		}
		if (round_trip(event.data, out, &octets_out) != 0) {
			fprintf(stderr, "baseline_libical: VEVENT %lu does not parse or write\n",
			    events + 1);
			status = 1;
			break;
		}
		events++;
	}
	if (ferror(in)) {
		fprintf(stderr, "baseline_libical: %s: %s\n", argv[1], strerror(errno));
		status = 1;
	}
	if (fclose(out) != 0)
		status = 1;
	fclose(in);
	free(line);
	free(event.data);
	free(zones.data);
	fprintf(stderr, "baseline_libical: %lu VEVENTs, %llu octets in, %llu octets out\n",
	    events, octets_in, octets_out);
	return status;
}
