/* SPDX-License-Identifier: MIT */
	/* The harness's replacement for libevent's evbuffer_validate_(), which
	 * walks libevent's private chain list.  This checks what the public
	 * API can see, identically for both libraries: the extents that
	 * evbuffer_peek() reports for the whole buffer add up to
	 * evbuffer_get_length().  Returns 1 when consistent, as the original. */
	struct evbuffer_iovec *v_;
	size_t sum_ = 0;
	int n_ = evbuffer_peek(buf, -1, NULL, NULL, 0), i_, ok_;
	if (n_ < 0)
		return 0;
	if (n_ == 0)
		return evbuffer_get_length(buf) == 0;
	v_ = calloc((size_t)n_, sizeof(*v_));
	if (!v_)
		return 0;
	ok_ = evbuffer_peek(buf, -1, NULL, v_, n_) == n_;
	for (i_ = 0; ok_ && i_ < n_; ++i_)
		sum_ += v_[i_].iov_len;
	free(v_);
	return ok_ && sum_ == evbuffer_get_length(buf);
