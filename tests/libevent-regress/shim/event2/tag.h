/* SPDX-License-Identifier: MIT */
/* Stand-in for libevent's <event2/tag.h> (evtag), which uvbev does not
 * provide and the harness does not test: the evtag tests are out of scope
 * and compiled out.  Used for both builds, so neither differs. */
#ifndef UVBEV_REGRESS_EVENT2_TAG_H_INCLUDED_
#define UVBEV_REGRESS_EVENT2_TAG_H_INCLUDED_
#endif
