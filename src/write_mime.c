/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The update as an iMIP message (RFC 6047), built with GMime 3.  This module
 * owns who the message goes to and how each header and body part is encoded.
 * It never lets a byte of input into a header without cleaning it: names
 * and the subject lose their control characters, and an address goes in only
 * when it passes a strict addr-spec check.  Nothing in the message depends
 * on the clock or on chance: Date is --now, and the Message-ID and boundary
 * are hashes of the meeting and --now.  GMime's GError and its objects stay
 * inside this file.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <gmime/gmime.h>

#include "contentline.h"
#include "write_mime.h"

/*
 * Exchange and Outlook mark meeting messages with this header; Outlook shows
 * a message without it as plain mail with an attachment in some versions
 * (fixture: tine20/outlookimip.eml).
 */
#define CONTENT_CLASS   "urn:content-classes:calendarmessage"
#define BOUNDARY_PREFIX "=_meetmig_"

static gpointer
init_gmime(gpointer data)
{
	(void)data;
	g_mime_init();
	return NULL;
}

static void
ensure_gmime(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, init_gmime, NULL);
}

/*
 * TEXT with every control character (C0, DEL, C1) replaced by a space, so
 * that no CR or LF from the input can end a header early, and trimmed;
 * NULL when nothing is left.  Owned.
 */
static char *
clean_header_text(const char *text)
{
	GString *clean;
	const char *p;
	int step;

	if (text == NULL || *text == '\0')
		return NULL;
	clean = g_string_sized_new(strlen(text));
	for (p = text; *p != '\0'; p += step) {
		gunichar c = g_utf8_get_char_validated(p, -1);

		step = g_utf8_skip[*(const guchar *)p];
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			/* Invalid UTF-8 cannot be encoded honestly: a space. */
			g_string_append_c(clean, ' ');
			step = 1;
		} else if (g_unichar_iscntrl(c)) {
			g_string_append_c(clean, ' ');
		} else {
			g_string_append_len(clean, p, step);
		}
	}
	g_strstrip(clean->str);
	clean->len = strlen(clean->str);
	if (clean->len == 0) {
		g_string_free(clean, TRUE);
		return NULL;
	}
	return g_string_free(clean, FALSE);
}

/*
 * A strict addr-spec (RFC 5322 section 3.4.1, the dot-atom form only): one
 * '@', a non-empty local part and domain, printable ASCII without spaces,
 * angle brackets, quotes, commas or other specials that a header parser
 * would read as structure.  Quoted local parts and domain literals are
 * refused: an Exchange mailbox does not have them, and a value that needs
 * them is more likely an injection than an address.
 */
static bool
address_valid(const char *address)
{
	const char *at, *p;

	if (address == NULL || *address == '\0')
		return false;
	at = strchr(address, '@');
	if (at == NULL || at == address || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (p = address; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7F)
			return false;
		if (strchr("<>()[]\\,;:\"", c) != NULL)
			return false;
	}
	if (address[0] == '.' || at[-1] == '.' || at[1] == '.' ||
	    p[-1] == '.' || strstr(address, "..") != NULL)
		return false;
	return true;
}

/*
 * LEN hex digits of SHA-256 over the NULL-terminated list of strings, each
 * followed by "\n".  Owned.
 */
static char *hash_hex(size_t len, ...) G_GNUC_NULL_TERMINATED;

static char *
hash_hex(size_t len, ...)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	const char *part;
	char *hex;
	va_list ap;

	va_start(ap, len);
	while ((part = va_arg(ap, const char *)) != NULL) {
		g_checksum_update(sum, (const guchar *)part, -1);
		g_checksum_update(sum, (const guchar *)"\n", 1);
	}
	va_end(ap);
	hex = g_strndup(g_checksum_get_string(sum), len);
	g_checksum_free(sum);
	return hex;
}

/*
 * The event whose bodies the message shows: the master, else the first
 * event the update covers.
 */
static const struct mm_event *
main_event(const struct mm_meeting *meeting, const struct mm_verdict *verdict)
{
	size_t i;

	if (meeting->event_count == 0)
		return NULL;
	if (!meeting->has_master && verdict != NULL &&
	    verdict->event_selected != NULL) {
		for (i = 0; i < meeting->event_count; i++)
			if (verdict->event_selected[i])
				return meeting->events[i];
	}
	return meeting->events[0];
}

/*
 * The unescaped value of the event's first property NAME (with FMTTYPE
 * FMTTYPE when that is not NULL), ignoring nested components; NULL when
 * there is none.  Owned.
 */
static char *
event_text(const struct mm_event *event, const char *name, const char *fmttype)
{
	size_t i, len;
	int depth = 0;
	char *text = NULL;

	for (i = 0; event != NULL && i < event->prop_count; i++) {
		const struct mm_prop *prop = &event->props[i];
		char *param;
		bool match;

		if (mm_contentline_name_is(prop->line, prop->name_len, "BEGIN")) {
			depth++;
			continue;
		}
		if (mm_contentline_name_is(prop->line, prop->name_len, "END")) {
			depth--;
			continue;
		}
		if (depth != 0 ||
		    !mm_contentline_name_is(prop->line, prop->name_len, name))
			continue;
		if (fmttype != NULL) {
			param = mm_contentline_param(prop->line, prop->name_len,
			    prop->value_off, "FMTTYPE");
			match = param != NULL &&
			    g_ascii_strcasecmp(param, fmttype) == 0;
			g_free(param);
			if (!match)
				continue;
		}
		mm_text_unescape(prop->line + prop->value_off,
		    prop->len - prop->value_off, &text, &len, NULL);
		break;
	}
	return text;
}

/*
 * A text body in canonical form (RFC 2045 section 2.10: lines end with
 * CRLF), so that base64, which GMime does not convert, carries the same
 * line ends as quoted-printable or 7bit after GMime's DOS newline filter.
 */
static char *
canonical_newlines(const char *text, size_t *out_len)
{
	size_t len = strlen(text);
	GString *out = g_string_sized_new(len + 64);
	const char *p = text, *end = text + len, *nl;

	/* Line by line: a body is tens of kilobytes. */
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		g_string_append_len(out, p, nl - p);
		if (nl == text || nl[-1] != '\r')
			g_string_append_c(out, '\r');
		g_string_append_c(out, '\n');
		p = nl + 1;
	}
	g_string_append_len(out, p, end - p);
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/*
 * A leaf part of TYPE/SUBTYPE holding LEN octets of DATA, UTF-8.  Text goes
 * 7bit when it can, otherwise quoted-printable or base64 as GMime judges
 * best, so no line is too long and an 8-bit-unclean relay cannot damage it;
 * the calendar always goes base64, which keeps every octet and every CRLF
 * of the iTIP object exactly (RFC 6047 section 2.4 allows any encoding).
 */
static GMimePart *
leaf_part(const char *subtype, const char *data, size_t len, bool calendar)
{
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeDataWrapper *wrapper;
	GMimeContentEncoding encoding;

	wrapper = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, wrapper);
	g_object_unref(wrapper);
	g_object_unref(stream);
	if (calendar)
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(part),
		    "method", "REQUEST");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset",
	    "utf-8");
	if (calendar) {
		encoding = GMIME_CONTENT_ENCODING_BASE64;
	} else {
		encoding = g_mime_part_get_best_content_encoding(part,
		    GMIME_ENCODING_CONSTRAINT_7BIT);
		/*
		 * 7bit text passes as it is, so a body that holds our boundary
		 * prefix (written to break the message) is quoted instead:
		 * quoted-printable turns every '=' into "=3D".
		 */
		if ((encoding == GMIME_CONTENT_ENCODING_7BIT ||
		    encoding == GMIME_CONTENT_ENCODING_DEFAULT) &&
		    g_strstr_len(data, (gssize)len, BOUNDARY_PREFIX) != NULL)
			encoding = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	}
	g_mime_part_set_content_encoding(part, encoding);
	return part;
}

static GMimePart *
text_part(const char *subtype, const char *text)
{
	GMimePart *part;
	size_t len;
	char *canonical = canonical_newlines(text ? text : "", &len);

	part = leaf_part(subtype, canonical, len, false);
	g_free(canonical);
	return part;
}

/* Addresses a cache keeps; more are made for each message. */
#define MIME_CACHE_ADDRESSES    4096

struct mm_mime_cache {
	GHashTable *mailboxes;  /* "n" name or "-", 0x1f, address -> InternetAddress */
};

struct mm_mime_cache *
mm_mime_cache_new(void)
{
	struct mm_mime_cache *cache = g_new0(struct mm_mime_cache, 1);

	cache->mailboxes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_object_unref);
	return cache;
}

void
mm_mime_cache_free(struct mm_mime_cache *cache)
{
	if (cache == NULL)
		return;
	g_hash_table_destroy(cache->mailboxes);
	g_free(cache);
}

/*
 * The mailbox NAME (clean header text, or NULL) <ADDRESS>, UTF-8, from
 * CACHE when it has it.  A reference of the caller's.  Neither holds
 * 0x1f: clean_header_text() and address_valid() let no control through.
 */
static InternetAddress *
mailbox_for(struct mm_mime_cache *cache, const char *name, const char *address)
{
	InternetAddress *mailbox;
	char *key = NULL;

	if (cache != NULL) {
		key = g_strconcat(name != NULL ? "n" : "-", name != NULL ? name : "",
		    "\x1f", address, NULL);
		mailbox = g_hash_table_lookup(cache->mailboxes, key);
		if (mailbox != NULL) {
			g_free(key);
			return g_object_ref(mailbox);
		}
	}
	mailbox = internet_address_mailbox_new(name, address);
	internet_address_set_charset(mailbox, "utf-8");
	if (key != NULL &&
	    g_hash_table_size(cache->mailboxes) < MIME_CACHE_ADDRESSES)
		g_hash_table_insert(cache->mailboxes, key, g_object_ref(mailbox));
	else
		g_free(key);
	return mailbox;
}

/*
 * Adds PARTY to the header TYPE when it can receive the message and has not
 * been added yet.  Returns true when it was added.
 */
static bool
add_recipient(InternetAddressList *list, const struct mm_party *party,
    const char *organizer, GHashTable *added, struct mm_mime_cache *cache,
    struct mm_verdict *verdict)
{
	InternetAddress *mailbox;
	char *name, *key, *shown;

	if (!address_valid(party->address)) {
		if (verdict != NULL) {
			shown = clean_header_text(party->address ? party->address :
			    party->name);
			mm_verdict_evidence(verdict,
			    "attendee address not valid, left out: %s",
			    shown ? shown : "(none)");
			g_free(shown);
		}
		return false;
	}
	/* The organizer sends the update and is not sent a copy. */
	if (organizer != NULL && g_ascii_strcasecmp(party->address,
	    organizer) == 0)
		return false;
	key = g_ascii_strdown(party->address, -1);
	if (g_hash_table_contains(added, key)) {
		g_free(key);
		return false;
	}
	g_hash_table_add(added, key);
	name = clean_header_text(party->name);
	/* Outlook often repeats the address as CN: "x@y" <x@y> says nothing. */
	if (name != NULL && g_ascii_strcasecmp(name, party->address) == 0)
		g_clear_pointer(&name, g_free);
	mailbox = mailbox_for(cache, name, party->address);
	internet_address_list_add(list, mailbox);
	g_object_unref(mailbox);
	g_free(name);
	return true;
}

static bool
role_is_to(enum mm_role role)
{
	return role == MM_ROLE_REQUIRED || role == MM_ROLE_CHAIR;
}

int
mm_write_mime(GString *out, const struct mm_meeting *meeting,
    struct mm_verdict *verdict, const char *ics, size_t ics_len,
    const struct mm_mime_options *opt, struct mm_diag *diag)
{
	GMimeMessage *message = NULL;
	GMimeMultipart *alternative = NULL;
	GMimeFormatOptions *format = NULL;
	GMimeStream *stream = NULL;
	GMimePart *part;
	InternetAddress *mailbox;
	GHashTable *added = NULL;
	InternetAddressList *to = NULL, *cc = NULL;
	GDateTime *date = NULL;
	const struct mm_event *event;
	const char *organizer, *domain, *rid;
	char *name = NULL, *subject = NULL, *now = NULL, *hash = NULL;
	char *id = NULL, *boundary = NULL, *plain = NULL, *html = NULL;
	GByteArray *bytes;
	size_t i, recipients = 0;
	int rc = -1;

	ensure_gmime();
	if (opt->sender != NULL && !address_valid(opt->sender)) {
		char *shown = clean_header_text(opt->sender);

		mm_diag_set(diag, MM_DIAG_USAGE, "sender address not valid: %s",
		    shown ? shown : "(empty)");
		g_free(shown);
		goto out;
	}
	organizer = meeting->organizer.address;
	if (!address_valid(organizer)) {
		if (verdict != NULL) {
			char *shown = clean_header_text(organizer);

			mm_verdict_evidence(verdict,
			    "organizer address not valid, no message written: %s",
			    shown ? shown : "(none)");
			g_free(shown);
		}
		rc = 1;
		goto out;
	}

	message = g_mime_message_new(TRUE);
	added = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/*
	 * The recipients are gathered in lists of our own and given to the
	 * message once: GMime re-encodes a message's header on every change
	 * of its address lists, which made one address at a time quadratic
	 * in the attendee count.
	 */
	to = internet_address_list_new();
	cc = internet_address_list_new();
	/* Required attendees and chairs first, so To: wins over Cc:. */
	for (i = 0; i < meeting->attendee_count; i++)
		if (role_is_to(meeting->attendees[i].role) &&
		    add_recipient(to, &meeting->attendees[i], organizer, added,
		    opt->cache, verdict))
			recipients++;
	/* Optional and non-participants (RFC 5545: "for information only"). */
	for (i = 0; i < meeting->attendee_count; i++)
		if (!role_is_to(meeting->attendees[i].role) &&
		    add_recipient(cc, &meeting->attendees[i], organizer, added,
		    opt->cache, verdict))
			recipients++;
	/* An empty list would still make an empty header. */
	if (internet_address_list_length(to) > 0)
		internet_address_list_append(g_mime_message_get_addresses(message,
		    GMIME_ADDRESS_TYPE_TO), to);
	if (internet_address_list_length(cc) > 0)
		internet_address_list_append(g_mime_message_get_addresses(message,
		    GMIME_ADDRESS_TYPE_CC), cc);
	if (recipients == 0) {
		if (verdict != NULL)
			mm_verdict_evidence(verdict,
			    "no attendee can receive the update, no message written");
		rc = 1;
		goto out;
	}

	name = clean_header_text(meeting->organizer.name);
	mailbox = mailbox_for(opt->cache, name, organizer);
	internet_address_list_add(g_mime_message_get_addresses(message,
	    GMIME_ADDRESS_TYPE_FROM), mailbox);
	g_object_unref(mailbox);
	if (opt->sender != NULL)
		g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_SENDER,
		    NULL, opt->sender);
	subject = clean_header_text(meeting->summary);
	if (subject != NULL)
		g_mime_message_set_subject(message, subject, "utf-8");
	date = g_date_time_new_from_unix_utc(opt->now);
	if (date == NULL) {
		mm_diag_set(diag, MM_DIAG_USAGE, "time out of range: %" PRId64,
		    opt->now);
		goto out;
	}
	g_mime_message_set_date(message, date);

	event = main_event(meeting, verdict);
	rid = event != NULL ? event->recurrence_id : NULL;
	now = g_strdup_printf("%" PRId64, opt->now);
	hash = hash_hex(12, meeting->uid ? meeting->uid : "", rid ? rid : "",
	    now, NULL);
	domain = strchr(organizer, '@') + 1;
	id = g_strdup_printf("meetmig.%s@%s", hash, domain);
	g_mime_message_set_message_id(message, id);
	g_mime_object_set_header(GMIME_OBJECT(message), "Content-Class",
	    CONTENT_CLASS, NULL);

	/*
	 * g_mime_multipart_new_with_subtype() makes a random boundary, reading
	 * /dev/urandom each time, only for us to replace it: built by hand,
	 * the part gets just the boundary derived below.
	 */
	alternative = g_object_new(GMIME_TYPE_MULTIPART, NULL);
	{
		GMimeContentType *type = g_mime_content_type_new("multipart",
		    "alternative");

		g_mime_object_set_content_type(GMIME_OBJECT(alternative), type);
		g_object_unref(type);
	}
	g_free(hash);
	hash = hash_hex(24, "boundary", meeting->uid ? meeting->uid : "", now,
	    NULL);
	boundary = g_strconcat(BOUNDARY_PREFIX, hash, NULL);
	g_mime_multipart_set_boundary(alternative, boundary);

	plain = event_text(event, "DESCRIPTION", NULL);
	part = text_part("plain", plain);
	g_mime_multipart_add(alternative, GMIME_OBJECT(part));
	g_object_unref(part);
	html = event_text(event, "X-ALT-DESC", "text/html");
	if (html != NULL) {
		part = text_part("html", html);
		g_mime_multipart_add(alternative, GMIME_OBJECT(part));
		g_object_unref(part);
	}
	part = leaf_part("calendar", ics, ics_len, true);
	g_mime_multipart_add(alternative, GMIME_OBJECT(part));
	g_object_unref(part);
	g_mime_message_set_mime_part(message, GMIME_OBJECT(alternative));

	/* CRLF throughout: the message goes to SMTP or a pickup folder. */
	format = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(format,
	    GMIME_NEWLINE_FORMAT_DOS);
	stream = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(message), format,
	    stream) < 0) {
		mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "cannot serialise the message (UID %s)",
		    meeting->uid ? meeting->uid : "none");
		goto out;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	g_string_append_len(out, (const char *)bytes->data, (gssize)bytes->len);
	rc = 0;
out:
	if (stream != NULL)
		g_object_unref(stream);
	if (format != NULL)
		g_mime_format_options_free(format);
	if (alternative != NULL)
		g_object_unref(alternative);
	if (message != NULL)
		g_object_unref(message);
	if (added != NULL)
		g_hash_table_destroy(added);
	if (to != NULL)
		g_object_unref(to);
	if (cc != NULL)
		g_object_unref(cc);
	if (date != NULL)
		g_date_time_unref(date);
	g_free(html);
	g_free(plain);
	g_free(boundary);
	g_free(id);
	g_free(hash);
	g_free(now);
	g_free(subject);
	g_free(name);
	return rc;
}
