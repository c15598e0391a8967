/* SPDX-License-Identifier: MIT */
/* Stand-in for the rpcgen output regress.c includes: the evtag/rpc tests
 * that use it are out of scope and compiled out. */
