/* SPDX-License-Identifier: MIT */
/* Intrusive circular doubly linked list, the one list type of uvbev.
 * A node that is not on a list points at itself, so unlinking twice is safe
 * and "is it queued?" is a pointer comparison. */
#ifndef UVBEV_LIST_INTERNAL_H_
#define UVBEV_LIST_INTERNAL_H_

#include <stddef.h>

struct uvbev_list {
  struct uvbev_list *next;
  struct uvbev_list *prev;
};

#define UVBEV_CONTAINER_OF(ptr, type, field) \
  ((type *)(void *)((char *)(ptr) - offsetof(type, field)))

static inline void uvbev_list_init(struct uvbev_list *l) { l->next = l->prev = l; }
static inline int uvbev_list_empty(const struct uvbev_list *l) { return l->next == l; }
static inline int uvbev_list_linked(const struct uvbev_list *n) { return n->next != n; }

static inline void uvbev_list_insert_tail(struct uvbev_list *head, struct uvbev_list *n) {
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}

static inline void uvbev_list_remove(struct uvbev_list *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = n->prev = n;
}

/* Moves every node of src to the empty list dst; src becomes empty. */
static inline void uvbev_list_move(struct uvbev_list *src, struct uvbev_list *dst) {
  if (uvbev_list_empty(src)) {
    uvbev_list_init(dst);
    return;
  }
  dst->next = src->next;
  dst->prev = src->prev;
  dst->next->prev = dst;
  dst->prev->next = dst;
  uvbev_list_init(src);
}

#endif
