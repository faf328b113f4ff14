/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The EWS baseline of the benchmark: a libxml2 xmlTextReader loop over an
 * EWS GetItem dump that reads the text of every t:Body, the least work a
 * streaming EWS reader does for every item.  It counts the top-level
 * t:CalendarItem elements (those inside m:Items or t:Items, not the nested
 * ConflictingMeetings ones) and the octets of body text; it keeps nothing.
 * The reader is opened with no network access, no DTD loading and no entity
 * substitution, as meetmig's own EWS reader must be.
 *
 *     baseline_xmlreader FILE.xml
 *
 * It prints the counts on stderr and exits 0, or 1 when the XML is not
 * well-formed.  It is a measuring tool, not part of meetmig, and links only
 * libxml2.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlreader.h>

#define NS_TYPES "http://schemas.microsoft.com/exchange/services/2006/types"
#define NS_MESSAGES "http://schemas.microsoft.com/exchange/services/2006/messages"

static int
is(xmlTextReaderPtr r, const char *ns, const char *local)
{
	const xmlChar *uri = xmlTextReaderConstNamespaceUri(r);
	const xmlChar *name = xmlTextReaderConstLocalName(r);

	return uri != NULL && name != NULL && strcmp((const char *)uri, ns) == 0 &&
	    strcmp((const char *)name, local) == 0;
}

int
main(int argc, char **argv)
{
	xmlTextReaderPtr r;
	int ret;
	int items_depth = -1;   /* depth of the m:Items / t:Items being read */
	unsigned long items = 0;
	unsigned long bodies = 0;
	unsigned long long body_octets = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: baseline_xmlreader FILE.xml\n");
		return 2;
	}
	LIBXML_TEST_VERSION
	r = xmlReaderForFile(argv[1], NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS |
	    XML_PARSE_HUGE);
	if (r == NULL) {
		fprintf(stderr, "baseline_xmlreader: %s: cannot open\n", argv[1]);
		return 1;
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		int depth = xmlTextReaderDepth(r);

		if (type == XML_READER_TYPE_END_ELEMENT) {
			if (depth == items_depth)
				items_depth = -1;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (items_depth < 0 && (is(r, NS_MESSAGES, "Items") ||
		    is(r, NS_TYPES, "Items"))) {
			if (!xmlTextReaderIsEmptyElement(r))
				items_depth = depth;
		} else if (depth == items_depth + 1 && is(r, NS_TYPES, "CalendarItem")) {
			items++;
		} else if (is(r, NS_TYPES, "Body")) {
			xmlChar *text = xmlTextReaderReadString(r);

			if (text != NULL) {
				body_octets += strlen((const char *)text);
				bodies++;
				xmlFree(text);
			}
		}
	}
	xmlFreeTextReader(r);
	xmlCleanupParser();
	fprintf(stderr, "baseline_xmlreader: %lu items, %lu bodies, %llu octets of body text\n",
	    items, bodies, body_octets);
	return ret == 0 ? 0 : 1;
}
