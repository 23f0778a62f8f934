/* sm_dqlite_proto.c - a minimal client of dqlite's wire protocol (see the
 * header).  Messages are a header word (body size in words, type, schema)
 * and a body of little-endian words; text is zero-terminated and padded to
 * a word. */
#include <config.h>

#include "sm_dqlite_proto.h"

#include "sm_i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	REQ_LEADER = 0, REQ_CLIENT = 1, REQ_OPEN = 3, REQ_EXEC_SQL = 8, REQ_QUERY_SQL = 9,
	REQ_ADD = 12, REQ_ASSIGN = 13, REQ_REMOVE = 14, REQ_DUMP = 15, REQ_CLUSTER = 16,
	REQ_TRANSFER = 17
};
enum {
	RES_FAILURE = 0, RES_SERVER = 1, RES_WELCOME = 2, RES_SERVERS = 3, RES_DB = 4,
	RES_RESULT = 6, RES_ROWS = 7, RES_EMPTY = 8, RES_FILES = 9
};

#define ROWS_DONE UINT64_C(0xffffffffffffffff)
#define ROWS_PART UINT64_C(0xeeeeeeeeeeeeeeee)
/* A body larger than this is refused rather than allocated; a dump (the
 * database's files in one message) may be larger. */
#define MAX_BODY ((uint64_t)256 * 1024 * 1024)
#define MAX_DUMP ((uint64_t)4 * 1024 * 1024 * 1024)

struct sm_dq_conn {
	int fd;
	int timeout_ms;
	char *address;
	uint64_t fail_code;
	char fail_msg[512];
	uint64_t trips;
	uint64_t max_body;
	/* the request being written; with HOLD, the requests held before it */
	unsigned char *w;
	size_t wlen, wcap, wstart;
	size_t wkeep;   /* the length held before the request being written */
	bool hold;
	/* asked while an answer is awaited longer than stall_ms (and again
	 * each stall_ms): a message when the wait is to be given up */
	int stall_ms;
	char *(*stalled)(void *ud);
	void *stall_ud;
};

/* ------------------------------------------------------------ helpers */

static void
set_fail(sm_dq_conn *c, uint64_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
set_fail(sm_dq_conn *c, uint64_t code, const char *fmt, ...)
{
	va_list ap;
	c->fail_code = code;
	va_start(ap, fmt);
	vsnprintf(c->fail_msg, sizeof(c->fail_msg), fmt, ap);
	va_end(ap);
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void
put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Room for N more bytes of the request, zeroed. */
static unsigned char *
wgrow(sm_dq_conn *c, size_t n)
{
	if (c->wlen + n > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 256;
		while (cap < c->wlen + n)
			cap *= 2;
		unsigned char *w = realloc(c->w, cap);
		if (w == NULL)
			return NULL;
		c->w = w;
		c->wcap = cap;
	}
	unsigned char *p = c->w + c->wlen;
	memset(p, 0, n);
	c->wlen += n;
	return p;
}

static bool
put_u64(sm_dq_conn *c, uint64_t v)
{
	unsigned char *p = wgrow(c, 8);
	if (p)
		put_le(p, v, 8);
	return p != NULL;
}

static bool
put_text(sm_dq_conn *c, const char *s)
{
	size_t n = strlen(s);
	unsigned char *p = wgrow(c, pad8(n + 1));
	if (p)
		memcpy(p, s, n);
	return p != NULL;
}

/* A params-tuple (schema 0): a byte of count, a byte of type each, padded,
 * then the values. */
static bool
put_params(sm_dq_conn *c, const sm_dq_value *v, int n)
{
	unsigned char *h = wgrow(c, pad8(1 + (size_t)n));
	if (h == NULL)
		return false;
	size_t hoff = (size_t)(h - c->w);
	c->w[hoff] = (unsigned char)n;
	for (int i = 0; i < n; i++) {
		unsigned char *p;
		c->w[hoff + 1 + (size_t)i] = (unsigned char)v[i].type;
		switch (v[i].type) {
		case SM_DQ_INTEGER:
		case SM_DQ_BOOLEAN:
		case SM_DQ_UNIXTIME:
			if (!put_u64(c, (uint64_t)v[i].i))
				return false;
			break;
		case SM_DQ_FLOAT: {
			uint64_t bits;
			memcpy(&bits, &v[i].f, 8);
			if (!put_u64(c, bits))
				return false;
			break;
		}
		case SM_DQ_TEXT:
		case SM_DQ_ISO8601:
			if (!put_text(c, v[i].s ? v[i].s : ""))
				return false;
			break;
		case SM_DQ_BLOB:
			if (!put_u64(c, v[i].len) || (p = wgrow(c, pad8(v[i].len))) == NULL)
				return false;
			if (v[i].len)
				memcpy(p, v[i].s, v[i].len);
			break;
		default: /* NULL */
			c->w[hoff + 1 + (size_t)i] = SM_DQ_NULL;
			if (!put_u64(c, 0))
				return false;
			break;
		}
	}
	return true;
}

/* Wait for FD to be ready for EVENTS until DEADLINE.  A wait longer than
 * the connection's stall_ms asks its stalled() (again each stall_ms),
 * which may give it up: another node leads now, say. */
static sm_dq_rc
wait_fd(sm_dq_conn *c, short events, int64_t deadline)
{
	int64_t ask_at = c->stalled ? now_ms() + c->stall_ms : deadline;
	for (;;) {
		int64_t now = now_ms(), left = deadline - now;
		if (left <= 0) {
			set_fail(c, 0, _("%s did not answer within %d ms"), c->address, c->timeout_ms);
			return SM_DQ_IO;
		}
		if (now >= ask_at) {
			char *why = c->stalled(c->stall_ud);
			if (why != NULL) {
				set_fail(c, 0, "%s", why);
				free(why);
				return SM_DQ_IO;
			}
			ask_at = now_ms() + c->stall_ms;
			continue;
		}
		struct pollfd p = {.fd = c->fd, .events = events};
		int r = poll(&p, 1, (int)(ask_at < deadline ? ask_at - now : left));
		if (r > 0)
			return SM_DQ_OK;
		if (r < 0 && errno != EINTR) {
			set_fail(c, 0, "%s: %s", c->address, strerror(errno));
			return SM_DQ_IO;
		}
	}
}

void
sm_dq_set_stall(sm_dq_conn *c, int after_ms, char *(*stalled)(void *ud), void *ud)
{
	c->stall_ms = after_ms > 0 ? after_ms : 1;
	c->stalled = stalled;
	c->stall_ud = ud;
}

/* Send (OUT) or receive all N bytes at P by DEADLINE. */
static sm_dq_rc
io_all(sm_dq_conn *c, unsigned char *p, size_t n, int64_t deadline, bool out)
{
	while (n > 0) {
		ssize_t k = out ? send(c->fd, p, n, MSG_NOSIGNAL) : recv(c->fd, p, n, 0);
#ifdef TCP_QUICKACK
		/* acknowledge at once: the node does not set TCP_NODELAY, so a
		 * message it writes in pieces (rows in batches) would wait for
		 * our delayed acknowledgement, 40 ms on Linux; quick mode lasts
		 * only a while, hence after every read */
		if (!out && k > 0) {
			int one = 1;
			setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		}
#endif
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			sm_dq_rc rc = wait_fd(c, out ? POLLOUT : POLLIN, deadline);
			if (rc != SM_DQ_OK)
				return rc;
			continue;
		}
		if (k < 0)
			set_fail(c, 0, "%s: %s", c->address, strerror(errno));
		else
			set_fail(c, 0, _("%s: the node closed the connection"), c->address);
		return SM_DQ_IO;
	}
	return SM_DQ_OK;
}

static sm_dq_rc
send_all(sm_dq_conn *c, unsigned char *p, size_t n, int64_t deadline)
{
	return io_all(c, p, n, deadline, true);
}

static sm_dq_rc
recv_all(sm_dq_conn *c, unsigned char *p, size_t n, int64_t deadline)
{
	return io_all(c, p, n, deadline, false);
}

static long nomem_n; /* sm_dq_fault_nomem */

void
sm_dq_fault_nomem(long n)
{
	nomem_n = n > 0 ? n : 0;
}

/* Start a request (the header is filled in by send_request). */
static void
begin_request(sm_dq_conn *c)
{
	if (!c->hold)
		c->wlen = 0;
	c->wstart = c->wkeep = c->wlen;
	if ((nomem_n > 0 && --nomem_n == 0) || wgrow(c, 8) == NULL)
		c->wstart = SIZE_MAX; /* send_request says so */
}

/* The request being written dropped (no memory for it), whatever of it
 * was written: the held ones stay as they were. */
static sm_dq_rc
drop_request(sm_dq_conn *c)
{
	c->wlen = c->wkeep;
	return SM_DQ_NOMEM;
}

/* Send everything written (the held requests and the last): one trip. */
static sm_dq_rc
send_written(sm_dq_conn *c)
{
	size_t n = c->wlen;
	c->wlen = 0;
	c->hold = false;
	c->trips++;
	return send_all(c, c->w, n, now_ms() + c->timeout_ms);
}

static sm_dq_rc
send_request(sm_dq_conn *c, int type, int schema)
{
	if (c->w == NULL || c->wstart == SIZE_MAX || c->wlen < c->wstart + 8)
		return drop_request(c);
	unsigned char *h = c->w + c->wstart;
	size_t words = (c->wlen - c->wstart - 8) / 8;
	put_le(h, words, 4);
	h[4] = (unsigned char)type;
	h[5] = (unsigned char)schema;
	h[6] = h[7] = 0;
	if (c->hold)
		return SM_DQ_OK; /* sent with the next one not held */
	return send_written(c);
}

void
sm_dq_hold(sm_dq_conn *c)
{
	c->hold = true;
}

bool
sm_dq_holding(const sm_dq_conn *c)
{
	return c->hold && c->wlen > 0;
}

sm_dq_rc
sm_dq_send_held(sm_dq_conn *c)
{
	if (c->wlen == 0) {
		c->hold = false;
		return SM_DQ_OK;
	}
	return send_written(c);
}

void
sm_dq_drop_held(sm_dq_conn *c)
{
	c->hold = false;
	c->wlen = 0;
}

/* A received message. */
struct msg {
	int type;
	unsigned char *body;
	size_t len, off;
	bool bad;
};

static sm_dq_rc
recv_msg(sm_dq_conn *c, struct msg *m)
{
	unsigned char h[8];
	int64_t deadline = now_ms() + c->timeout_ms;
	memset(m, 0, sizeof(*m));
	sm_dq_rc rc = recv_all(c, h, 8, deadline);
	if (rc != SM_DQ_OK)
		return rc;
	uint64_t words = get_le(h, 4);
	m->type = h[4];
	if (words * 8 > (c->max_body ? c->max_body : MAX_BODY)) {
		set_fail(c, 0, "%s sent a message of %llu words", c->address,
		    (unsigned long long)words);
		return SM_DQ_PROTO;
	}
	m->len = (size_t)words * 8;
	if ((m->body = malloc(m->len + 1)) == NULL)
		return SM_DQ_NOMEM;
	m->body[m->len] = '\0';
	if ((rc = recv_all(c, m->body, m->len, deadline)) != SM_DQ_OK) {
		free(m->body);
		m->body = NULL;
	}
	return rc;
}

static uint64_t
get_u64(struct msg *m)
{
	if (m->off + 8 > m->len) {
		m->bad = true;
		return 0;
	}
	uint64_t v = get_le(m->body + m->off, 8);
	m->off += 8;
	return v;
}

static uint32_t
get_u32(struct msg *m)
{
	if (m->off + 4 > m->len) {
		m->bad = true;
		return 0;
	}
	uint32_t v = (uint32_t)get_le(m->body + m->off, 4);
	m->off += 4;
	return v;
}

/* Text in the message (not copied), NULL when malformed. */
static const char *
get_text(struct msg *m)
{
	if (m->off >= m->len) {
		m->bad = true;
		return NULL;
	}
	const char *s = (const char *)m->body + m->off;
	const void *z = memchr(s, '\0', m->len - m->off);
	if (z == NULL) {
		m->bad = true;
		return NULL;
	}
	m->off += pad8((size_t)((const char *)z - s) + 1);
	if (m->off > m->len)
		m->off = m->len;
	return s;
}

/* A failure response into C; SM_DQ_FAILURE. */
static sm_dq_rc
failure(sm_dq_conn *c, struct msg *m)
{
	uint64_t code = get_u64(m);
	const char *msg = get_text(m);
	set_fail(c, code, "%s", msg && !m->bad ? msg : "(no message)");
	return SM_DQ_FAILURE;
}

/* Receive the answer to a request: TYPE expected, else a failure. */
static sm_dq_rc
expect(sm_dq_conn *c, int type, struct msg *m)
{
	sm_dq_rc rc = recv_msg(c, m);
	if (rc != SM_DQ_OK)
		return rc;
	if (m->type == type)
		return SM_DQ_OK;
	if (m->type == RES_FAILURE)
		rc = failure(c, m);
	else {
		set_fail(c, 0, "%s answered with message type %d instead of %d", c->address, m->type,
		    type);
		rc = SM_DQ_PROTO;
	}
	free(m->body);
	m->body = NULL;
	return rc;
}

static sm_dq_rc
malformed(sm_dq_conn *c, struct msg *m)
{
	free(m->body);
	m->body = NULL;
	set_fail(c, 0, "%s sent a malformed answer", c->address);
	return SM_DQ_PROTO;
}

/* ------------------------------------------------------------ connecting */

/* "host:port" or "[v6]:port" into HOST and PORT. */
static bool
split_address(const char *a, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon;
	if (a[0] == '[') {
		const char *end = strchr(a, ']');
		if (end == NULL || end[1] != ':' || (size_t)(end - a - 1) >= hn)
			return false;
		memcpy(host, a + 1, (size_t)(end - a - 1));
		host[end - a - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(a, ':');
		if (colon == NULL || (size_t)(colon - a) >= hn || colon == a)
			return false;
		memcpy(host, a, (size_t)(colon - a));
		host[colon - a] = '\0';
	}
	if (colon[1] == '\0' || strlen(colon + 1) >= pn || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return false;
	strcpy(port, colon + 1);
	return true;
}

static char *
dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *
dupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* A TCP connection to ADDRESS (resolved, within C's timeout, without
 * Nagle's delay) in C->fd: SM_DQ_OK, else the failure in C. */
static sm_dq_rc
dial(sm_dq_conn *c, const char *address)
{
	char host[256], port[16];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;

	if (!split_address(address, host, sizeof(host), port, sizeof(port))) {
		set_fail(c, 0, _("'%s' is not an address of the form host:port"), address);
		return SM_DQ_USAGE;
	}
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		set_fail(c, 0, "%s: %s", address, gai_strerror(gai));
		return SM_DQ_IO;
	}
	int64_t deadline = now_ms() + c->timeout_ms;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (c->fd < 0)
			continue;
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			if (wait_fd(c, POLLOUT, deadline) == SM_DQ_OK &&
			    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
			if (soerr != 0)
				set_fail(c, 0, "%s: %s", address, strerror(soerr));
		} else
			set_fail(c, 0, "%s: %s", address, strerror(errno));
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return SM_DQ_IO;
	/* a request or an answer goes at once: no 40 ms wait for an ACK */
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return SM_DQ_OK;
}

static sm_dq_conn *
conn_new(const char *address, int timeout_ms)
{
	sm_dq_conn *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->address = strdup(address)) == NULL) {
		free(c);
		return NULL;
	}
	c->fd = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	return c;
}

int
sm_dq_dial(const char *address, int timeout_ms, char **why)
{
	sm_dq_conn *c = conn_new(address, timeout_ms);
	int fd = -1;
	if (why)
		*why = NULL;
	if (c == NULL)
		return -1;
	if (dial(c, address) == SM_DQ_OK) {
		fd = c->fd;
		c->fd = -1;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	} else if (why)
		*why = strdup(c->fail_msg[0] ? c->fail_msg : address);
	sm_dq_close(c);
	return fd;
}

sm_dq_rc
sm_dq_connect(const char *address, int timeout_ms, sm_dq_conn **out, char **why)
{
	sm_dq_conn *c;
	sm_dq_rc rc;

	*out = NULL;
	if (why)
		*why = NULL;
	if ((c = conn_new(address, timeout_ms)) == NULL)
		return SM_DQ_NOMEM;
	if ((rc = dial(c, address)) != SM_DQ_OK)
		goto fail;
	unsigned char hs[8];
	put_le(hs, 1, 8); /* protocol version 1 */
	if ((rc = send_all(c, hs, 8, now_ms() + c->timeout_ms)) != SM_DQ_OK)
		goto fail;
	*out = c;
	return SM_DQ_OK;
fail:
	if (why)
		*why = strdup(c->fail_msg[0] ? c->fail_msg : address);
	sm_dq_close(c);
	return rc;
}

void
sm_dq_close(sm_dq_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->address);
	free(c->w);
	free(c);
}

void
sm_dq_set_timeout(sm_dq_conn *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
}

const char *
sm_dq_address(const sm_dq_conn *c)
{
	return c->address;
}

uint64_t
sm_dq_fail_code(const sm_dq_conn *c)
{
	return c->fail_code;
}

const char *
sm_dq_fail_msg(const sm_dq_conn *c)
{
	return c->fail_msg;
}

uint64_t
sm_dq_round_trips(const sm_dq_conn *c)
{
	return c->trips;
}

/* ------------------------------------------------------------ finding the leader
 *
 * Every node is asked at once, each on a connection of its own that nobody
 * waits on alone: a node that answers slowly, or not at all, holds up only
 * itself.  The leader is the node that names itself; a follower's answer
 * says which node that is (asked at once when it was not being asked
 * already).  A node that knows no leader (an election), fails or names
 * another is asked again after a pause that grows from 10 to 200 ms, until
 * the timeout. */

#define ASK_MAX 16          /* nodes asked: those given and the leaders they name */
#define ASK_ANSWER 1024     /* the longest answer to LEADER read */

struct ask {
	char *address;             /* the node's, as given or named */
	sm_dq_conn *c;             /* the connection asking, or NULL */
	struct addrinfo *res, *ai; /* its addresses; the one being tried */
	enum { ASK_IDLE, ASK_CONNECTING, ASK_SENDING, ASK_READING } state;
	unsigned char out[24];     /* the handshake and LEADER */
	size_t sent;
	unsigned char in[8 + ASK_ANSWER];
	size_t got;
	int64_t again_at;          /* idle: when to ask again */
	int pause_ms;
};

static void
ask_close(struct ask *a)
{
	sm_dq_close(a->c);
	a->c = NULL;
	if (a->res)
		freeaddrinfo(a->res);
	a->res = a->ai = NULL;
	a->state = ASK_IDLE;
}

/* A's question is over (answered, or failed: *LAST says why, WHY when
 * given, else its connection's failure): asked again after a pause. */
static void
ask_over(struct ask *a, char **last, char *why)
{
	if (why == NULL && a->c != NULL && a->c->fail_msg[0] != '\0')
		why = strdup(a->c->fail_msg);
	if (why != NULL) {
		free(*last);
		*last = why;
	}
	ask_close(a);
	a->again_at = now_ms() + a->pause_ms;
	a->pause_ms = a->pause_ms < 100 ? a->pause_ms * 2 : 200;
}

/* Connect to A's next address without waiting (a new connection: the
 * first address; else the one after the address that failed). */
static void
ask_dial(struct ask *a, char **last)
{
	while (a->ai != NULL) {
		a->c->fd = socket(a->ai->ai_family, a->ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    a->ai->ai_protocol);
		if (a->c->fd >= 0) {
			if (connect(a->c->fd, a->ai->ai_addr, a->ai->ai_addrlen) == 0) {
				a->state = ASK_SENDING;
				return;
			}
			if (errno == EINPROGRESS) {
				a->state = ASK_CONNECTING;
				return;
			}
			set_fail(a->c, 0, "%s: %s", a->address, strerror(errno));
			close(a->c->fd);
			a->c->fd = -1;
		}
		a->ai = a->ai->ai_next;
	}
	ask_over(a, last, NULL);
}

/* Start asking A (idle): resolve its address, connect, without waiting. */
static void
ask_start(struct ask *a, int timeout_ms, char **last)
{
	char host[256], port[16];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	if ((a->c = conn_new(a->address, timeout_ms)) == NULL) {
		ask_over(a, last, NULL);
		return;
	}
	if (!split_address(a->address, host, sizeof(host), port, sizeof(port))) {
		ask_over(a, last, dupf(_("'%s' is not an address of the form host:port"), a->address));
		return;
	}
	int gai = getaddrinfo(host, port, &hints, &a->res);
	if (gai != 0) {
		a->res = NULL;
		ask_over(a, last, dupf("%s: %s", a->address, gai_strerror(gai)));
		return;
	}
	a->ai = a->res;
	put_le(a->out, 1, 8);       /* protocol version 1 */
	put_le(a->out + 8, 1, 4);   /* LEADER: a body of one word */
	a->out[12] = REQ_LEADER;
	put_le(a->out + 16, 0, 8);
	a->sent = a->got = 0;
	ask_dial(a, last);
}

/* Why A's answer, not dqlite's, is refused: another program at the port
 * (an HTTP server answers our handshake at once, with an error). */
static char *
foreign_answer(const struct ask *a)
{
	if (a->got >= 5 && memcmp(a->in, "HTTP/", 5) == 0)
		return dupf(_("%s answers in HTTP, not as a dqlite node: another program listens at that port"),
		    a->address);
	return dupf(_("%s sent an answer that is not dqlite's: another program listens at that port, or a node of another version"),
	    a->address);
}

/* Why A, still asking at the timeout, is given up: it could not be
 * reached, or it took the connection and said nothing (a node stopped or
 * too busy, or a program that waits for another protocol's request). */
static char *
silent_node(const struct ask *a, int timeout_ms)
{
	if (a->state == ASK_CONNECTING)
		return dupf(_("%s did not take the connection within %d ms (no such host, or a firewall drops it)"),
		    a->address, timeout_ms);
	return dupf(_("%s took the connection but did not answer within %d ms: a node stopped or too busy, or another program listens at that port"),
	    a->address, timeout_ms);
}

/* A's socket is ready: go on.  The leader named when A answered
 * (malloc'd, "" when it knows none), else NULL. */
static char *
ask_step(struct ask *a, char **last)
{
	if (a->state == ASK_CONNECTING) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(a->c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			set_fail(a->c, 0, "%s: %s", a->address, strerror(soerr ? soerr : errno));
			close(a->c->fd);
			a->c->fd = -1;
			a->ai = a->ai->ai_next;
			ask_dial(a, last);
			return NULL;
		}
		int one = 1;
		setsockopt(a->c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		a->state = ASK_SENDING;
	}
	if (a->state == ASK_SENDING) {
		ssize_t k = send(a->c->fd, a->out + a->sent, sizeof(a->out) - a->sent, MSG_NOSIGNAL);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return NULL;
		if (k < 0) {
			ask_over(a, last, dupf("%s: %s", a->address, strerror(errno)));
			return NULL;
		}
		if ((a->sent += (size_t)k) == sizeof(a->out)) {
			a->state = ASK_READING;
			a->c->trips++;
		}
		return NULL;
	}
	size_t need = a->got < 8 ? 8 : 8 + (size_t)get_le(a->in, 4) * 8;
	if (need > sizeof(a->in)) {
		ask_over(a, last, foreign_answer(a));
		return NULL;
	}
	ssize_t k = recv(a->c->fd, a->in + a->got, need - a->got, 0);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return NULL;
	if (k <= 0) {
		ask_over(a, last, k < 0 ? dupf("%s: %s", a->address, strerror(errno)) :
		    a->got > 0 ? foreign_answer(a) :
		    dupf(_("%s: the node closed the connection"), a->address));
		return NULL;
	}
	a->got += (size_t)k;
	if (a->got < 8 || a->got < 8 + (size_t)get_le(a->in, 4) * 8)
		return NULL; /* more to come */
	struct msg m = {.type = a->in[4], .body = a->in + 8, .len = a->got - 8};
	if (m.type == RES_FAILURE) {
		failure(a->c, &m);
		ask_over(a, last, dupf("%s: %s", a->address, a->c->fail_msg));
		return NULL;
	}
	get_u64(&m);
	const char *leader = m.type == RES_SERVER ? get_text(&m) : NULL;
	char *named = leader && !m.bad ? strdup(leader) : NULL;
	if (named == NULL)
		ask_over(a, last, foreign_answer(a));
	return named;
}

/* The ask of ADDRESS among the N of ASKS, made (idle, due now) when there
 * is none and room; NULL otherwise. */
static struct ask *
ask_for(struct ask *asks, size_t *n, const char *address)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(asks[i].address, address) == 0)
			return &asks[i];
	if (*n == ASK_MAX)
		return NULL;
	struct ask *a = &asks[*n];
	memset(a, 0, sizeof(*a));
	if ((a->address = strdup(address)) == NULL)
		return NULL;
	a->pause_ms = 10;
	(*n)++;
	return a;
}

sm_dq_rc
sm_dq_connect_leader(char *const *addrs, size_t n, int timeout_ms, sm_dq_conn **out, char **why)
{
	struct ask asks[ASK_MAX];
	size_t nasks = 0;
	char *last = NULL, *named = NULL, *named_by = NULL;
	int timeout = timeout_ms > 0 ? timeout_ms : 5000;
	int64_t give_up = now_ms() + timeout;
	*out = NULL;
	if (why)
		*why = NULL;
	for (size_t i = 0; i < n; i++)
		if (ask_for(asks, &nasks, addrs[i]) == NULL && nasks < ASK_MAX)
			goto done; /* out of memory */
	while (*out == NULL && nasks > 0) {
		struct pollfd p[ASK_MAX];
		struct ask *who[ASK_MAX];
		nfds_t np = 0;
		int64_t now = now_ms(), wake = give_up;
		if (now >= give_up)
			break;
		for (size_t i = 0; i < nasks; i++) {
			struct ask *a = &asks[i];
			if (a->state == ASK_IDLE && a->again_at <= now)
				ask_start(a, timeout, &last);
			if (a->state == ASK_IDLE) {
				if (a->again_at < wake)
					wake = a->again_at;
				continue;
			}
			p[np] = (struct pollfd){.fd = a->c->fd,
			    .events = a->state == ASK_READING ? POLLIN : POLLOUT};
			who[np++] = a;
		}
		int r = poll(p, np, (int)(wake > now ? wake - now : 0));
		if (r < 0 && errno != EINTR) {
			free(last);
			last = dupf("poll: %s", strerror(errno));
			break;
		}
		for (nfds_t k = 0; r > 0 && k < np && *out == NULL; k++) {
			struct ask *a = who[k];
			if (p[k].revents == 0)
				continue;
			char *leader = ask_step(a, &last);
			if (leader == NULL)
				continue;
			if (*leader == '\0') {
				ask_over(a, &last, dupf(_("%s knows no leader (no quorum?)"), a->address));
			} else if (strcmp(leader, a->address) == 0) {
				*out = a->c; /* the leader itself */
				a->c = NULL;
			} else {
				/* a follower: ask the node it names now, unless it is being asked */
				free(named);
				free(named_by);
				named = strdup(leader);
				named_by = strdup(a->address);
				struct ask *b = ask_for(asks, &nasks, leader);
				if (b != NULL && b->state == ASK_IDLE)
					b->again_at = 0;
				ask_over(a, &last, NULL);
			}
			free(leader);
		}
	}
	if (*out == NULL && named != NULL && named_by != NULL) {
		/* the leader a node named did not answer in time: that is why */
		struct ask *b = ask_for(asks, &nasks, named);
		if (b != NULL && b->state != ASK_IDLE) {
			free(last);
			last = dupf(_("%s, named the leader by %s, did not answer within %d ms"), named,
			    named_by, timeout);
		}
	}
	if (*out == NULL && last == NULL && nasks == 1 && asks[0].state != ASK_IDLE)
		last = silent_node(&asks[0], timeout); /* the one node: what it did */
done:
	for (size_t i = 0; i < nasks; i++) {
		ask_close(&asks[i]);
		free(asks[i].address);
	}
	free(named);
	free(named_by);
	if (*out != NULL) {
		free(last);
		return SM_DQ_OK;
	}
	if (last == NULL)
		last = n == 0 ? strdup(_("no node given")) :
		    dupf(_("no node of the cluster answered within %d ms"), timeout);
	if (why)
		*why = last;
	else
		free(last);
	return SM_DQ_IO;
}

/* Now, in milliseconds to the microsecond. */
static double
now_ms_fine(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

sm_dq_rc
sm_dq_probe_nodes(char *const *addrs, size_t n, int timeout_ms, sm_dq_probe *out)
{
	struct ask asks[ASK_MAX];
	size_t nasks = n < ASK_MAX ? n : ASK_MAX, open = 0;
	int timeout = timeout_ms > 0 ? timeout_ms : 5000;
	int64_t give_up = now_ms() + timeout;
	double t0 = now_ms_fine();
	bool nomem = false;
	memset(out, 0, n * sizeof(*out));
	memset(asks, 0, sizeof(asks));
	for (size_t i = 0; i < nasks; i++) {
		char *why = NULL;
		if ((asks[i].address = strdup(addrs[i])) == NULL) {
			nomem = true;
			continue;
		}
		ask_start(&asks[i], timeout, &why);
		if (asks[i].state == ASK_IDLE) /* over already: an address that cannot be */
			out[i].why = why ? why : strdup(_("cannot be asked"));
		else
			open++;
	}
	for (size_t i = nasks; i < n; i++)
		out[i].why = dupf(_("not asked: at most %d nodes are"), ASK_MAX);
	while (open > 0) {
		struct pollfd p[ASK_MAX];
		size_t who[ASK_MAX];
		nfds_t np = 0;
		int64_t now = now_ms();
		if (now >= give_up)
			break;
		for (size_t i = 0; i < nasks; i++)
			if (asks[i].state != ASK_IDLE) {
				p[np] = (struct pollfd){.fd = asks[i].c->fd,
				    .events = asks[i].state == ASK_READING ? POLLIN : POLLOUT};
				who[np++] = i;
			}
		int r = poll(p, np, (int)(give_up - now));
		if (r < 0 && errno != EINTR)
			break;
		for (nfds_t k = 0; r > 0 && k < np; k++) {
			if (p[k].revents == 0)
				continue;
			size_t i = who[k];
			char *why = NULL;
			char *leader = ask_step(&asks[i], &why);
			if (leader != NULL) {
				out[i].answered = true;
				out[i].leader = leader;
				out[i].ms = now_ms_fine() - t0;
				ask_close(&asks[i]);
			} else if (asks[i].state == ASK_IDLE) { /* failed */
				out[i].why = why ? why : strdup(_("the node failed"));
				why = NULL;
			}
			free(why);
			if (asks[i].state == ASK_IDLE)
				open--;
		}
	}
	for (size_t i = 0; i < nasks; i++) {
		if (!out[i].answered && out[i].why == NULL && asks[i].address != NULL)
			out[i].why = silent_node(&asks[i], timeout);
		ask_close(&asks[i]);
		free(asks[i].address);
		if (!out[i].answered && out[i].why == NULL)
			nomem = true;
	}
	return nomem ? SM_DQ_NOMEM : SM_DQ_OK;
}

void
sm_dq_probes_clear(sm_dq_probe *p, size_t n)
{
	for (size_t i = 0; p != NULL && i < n; i++) {
		free(p[i].leader);
		free(p[i].why);
		memset(&p[i], 0, sizeof(p[i]));
	}
}

/* ------------------------------------------------------------ requests */

sm_dq_rc
sm_dq_leader(sm_dq_conn *c, uint64_t *id, char **address)
{
	struct msg m;
	sm_dq_rc rc;
	*address = NULL;
	begin_request(c);
	if (!put_u64(c, 0))
		return drop_request(c);
	if ((rc = send_request(c, REQ_LEADER, 0)) != SM_DQ_OK ||
	    (rc = expect(c, RES_SERVER, &m)) != SM_DQ_OK)
		return rc;
	*id = get_u64(&m);
	const char *a = get_text(&m);
	if (m.bad)
		return malformed(c, &m);
	*address = strdup(a);
	free(m.body);
	return *address ? SM_DQ_OK : SM_DQ_NOMEM;
}

/* A request whose answer carries nothing sitemark needs. */
static sm_dq_rc
simple(sm_dq_conn *c, int type, int answer)
{
	struct msg m;
	sm_dq_rc rc;
	if ((rc = send_request(c, type, 0)) != SM_DQ_OK || (rc = expect(c, answer, &m)) != SM_DQ_OK)
		return rc;
	free(m.body);
	return SM_DQ_OK;
}

/* A request of N (1 or 2) words, A and B. */
static sm_dq_rc
words(sm_dq_conn *c, int type, int answer, int n, uint64_t a, uint64_t b)
{
	begin_request(c);
	if (!put_u64(c, a) || (n > 1 && !put_u64(c, b)))
		return drop_request(c);
	return simple(c, type, answer);
}

sm_dq_rc
sm_dq_client(sm_dq_conn *c, uint64_t id)
{
	return words(c, REQ_CLIENT, RES_WELCOME, 1, id, 0);
}

sm_dq_rc
sm_dq_open(sm_dq_conn *c, const char *name, uint32_t *db)
{
	struct msg m;
	sm_dq_rc rc;
	begin_request(c);
	if (!put_text(c, name) || !put_u64(c, 0) || !put_text(c, "volatile"))
		return drop_request(c);
	if ((rc = send_request(c, REQ_OPEN, 0)) != SM_DQ_OK || (rc = expect(c, RES_DB, &m)) != SM_DQ_OK)
		return rc;
	*db = get_u32(&m);
	if (m.bad)
		return malformed(c, &m);
	free(m.body);
	return SM_DQ_OK;
}

static sm_dq_rc sql_request(sm_dq_conn *c, int type, uint32_t db, const char *sql,
    const sm_dq_value *params, int n);

/* The answer of type ANSWER to a request sent, its body dropped; after a
 * failure FIRST (the first answer that was not), the answer is read all
 * the same, so that the next answers are the next requests'. */
static sm_dq_rc
answer_after(sm_dq_conn *c, int answer, sm_dq_rc first, struct msg *m)
{
	uint64_t code = c->fail_code;
	char msg[sizeof(c->fail_msg)];
	memcpy(msg, c->fail_msg, sizeof(msg));
	sm_dq_rc rc = expect(c, answer, m);
	if (first == SM_DQ_OK)
		return rc;
	if (rc == SM_DQ_OK) {
		free(m->body);
		m->body = NULL;
	}
	c->fail_code = code; /* the first failure is the one told */
	memcpy(c->fail_msg, msg, sizeof(msg));
	return rc == SM_DQ_OK || rc == SM_DQ_FAILURE ? first : rc;
}

sm_dq_rc
sm_dq_session(sm_dq_conn *c, uint64_t id, const char *name, const char *sql, const char *query,
    sm_dq_rows *rows, uint32_t *db)
{
	struct msg m;
	sm_dq_rc rc;
	sm_dq_hold(c);
	begin_request(c);
	if (!put_u64(c, id) || send_request(c, REQ_CLIENT, 0) != SM_DQ_OK)
		goto nomem;
	begin_request(c);
	if (!put_text(c, name) || !put_u64(c, 0) || !put_text(c, "volatile") ||
	    send_request(c, REQ_OPEN, 0) != SM_DQ_OK)
		goto nomem;
	/* the database's id: dqlite 1.11 opens one a connection, and its id is 0 */
	if (sql_request(c, REQ_EXEC_SQL, 0, sql, NULL, 0) != SM_DQ_OK ||
	    (query != NULL && sql_request(c, REQ_QUERY_SQL, 0, query, NULL, 0) != SM_DQ_OK))
		goto nomem;
	if ((rc = sm_dq_send_held(c)) != SM_DQ_OK)
		return rc;
	static const int answers[] = {RES_WELCOME, RES_DB, RES_RESULT};
	sm_dq_rc first = SM_DQ_OK;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		rc = answer_after(c, answers[i], first, &m);
		if (rc != SM_DQ_OK && rc != SM_DQ_FAILURE)
			return rc; /* the connection cannot go on */
		if (first != SM_DQ_OK)
			continue;
		if (rc == SM_DQ_OK && answers[i] == RES_DB) {
			*db = get_u32(&m);
			if (m.bad)
				return malformed(c, &m);
		}
		if (rc == SM_DQ_OK)
			free(m.body);
		first = rc;
	}
	if (query != NULL) {
		sm_dq_rows r;
		uint64_t code = c->fail_code;
		char msg[sizeof(c->fail_msg)];
		memcpy(msg, c->fail_msg, sizeof(msg));
		rc = sm_dq_query_recv(c, &r);
		if (rc != SM_DQ_OK && rc != SM_DQ_FAILURE)
			return rc;
		if (first == SM_DQ_OK && rc == SM_DQ_OK) {
			*rows = r;
		} else if (first != SM_DQ_OK) {
			if (rc == SM_DQ_OK)
				sm_dq_rows_clear(&r);
			c->fail_code = code; /* the first failure is the one told */
			memcpy(c->fail_msg, msg, sizeof(msg));
		}
		if (first == SM_DQ_OK)
			first = rc;
	}
	return first;
nomem:
	sm_dq_drop_held(c);
	return SM_DQ_NOMEM;
}

static sm_dq_rc
sql_request(sm_dq_conn *c, int type, uint32_t db, const char *sql, const sm_dq_value *params, int n)
{
	if (n < 0 || n > SM_DQ_MAX_PARAMS) {
		set_fail(c, 0, "%d parameters: at most %d in a statement", n, SM_DQ_MAX_PARAMS);
		return SM_DQ_USAGE;
	}
	begin_request(c);
	if (c->wstart == SIZE_MAX || !put_u64(c, db) || !put_text(c, sql) ||
	    !put_params(c, params, n))
		return drop_request(c);
	return send_request(c, type, 0);
}

static char *lose_prefix; /* sm_dq_fault_lose_answer */
static long lose_n;

void
sm_dq_fault_lose_answer(const char *prefix, long n)
{
	free(lose_prefix);
	lose_prefix = n > 0 && prefix ? strdup(prefix) : NULL;
	lose_n = lose_prefix ? n : 0;
}

/* Whether the answer to SQL is to be lost (a test's fault). */
static bool
lose_answer(const char *sql)
{
	return lose_n > 0 && sql != NULL && strncmp(sql, lose_prefix, strlen(lose_prefix)) == 0 && --lose_n == 0;
}

sm_dq_rc
sm_dq_exec(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params, int n,
    uint64_t *last_id, uint64_t *changes)
{
	sm_dq_rc rc = sm_dq_exec_send(c, db, sql, params, n);
	if (rc != SM_DQ_OK)
		return rc;
	return sm_dq_exec_recv(c, sql, last_id, changes);
}

sm_dq_rc
sm_dq_exec_send(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params, int n)
{
	return sql_request(c, REQ_EXEC_SQL, db, sql, params, n);
}

sm_dq_rc
sm_dq_exec_recv(sm_dq_conn *c, const char *sql, uint64_t *last_id, uint64_t *changes)
{
	struct msg m;
	sm_dq_rc rc;
	if ((rc = expect(c, RES_RESULT, &m)) != SM_DQ_OK)
		return rc;
	if (lose_answer(sql)) {
		free(m.body);
		shutdown(c->fd, SHUT_RDWR);
		set_fail(c, 0, "%s: the answer was lost (a test's fault)", c->address);
		return SM_DQ_IO;
	}
	uint64_t id = get_u64(&m), ch = get_u64(&m);
	if (m.bad)
		return malformed(c, &m);
	if (last_id)
		*last_id = id;
	if (changes)
		*changes = ch;
	free(m.body);
	return SM_DQ_OK;
}

void
sm_dq_rows_clear(sm_dq_rows *r)
{
	for (size_t i = 0; i < r->nbufs; i++)
		free(r->bufs[i]);
	free(r->bufs);
	free(r->names);
	free(r->values);
	memset(r, 0, sizeof(*r));
}

/* One ROWS message into R; *MORE when another batch follows. */
static sm_dq_rc
read_batch(sm_dq_conn *c, struct msg *m, sm_dq_rows *r, bool *more)
{
	size_t cap = r->nrows;
	char **bufs = realloc(r->bufs, (r->nbufs + 1) * sizeof(*bufs));
	if (bufs == NULL) {
		free(m->body);
		return SM_DQ_NOMEM;
	}
	r->bufs = bufs; /* room for this message, kept on success: the values point into it */
	uint64_t ncols = get_u64(m);
	if (m->bad || ncols > 4096 || (r->names != NULL && (int)ncols != r->ncols))
		return malformed(c, m);
	if (r->names == NULL) {
		r->ncols = (int)ncols;
		if ((r->names = calloc(ncols + 1, sizeof(char *))) == NULL) {
			free(m->body);
			return SM_DQ_NOMEM;
		}
	}
	for (uint64_t i = 0; i < ncols; i++) {
		const char *name = get_text(m);
		if (name && r->names[i] == NULL)
			r->names[i] = (char *)name;
	}
	size_t hsize = pad8((ncols + 1) / 2);
	for (;;) {
		if (m->off + 8 > m->len)
			return malformed(c, m);
		uint64_t marker = get_le(m->body + m->off, 8);
		if (marker == ROWS_DONE || marker == ROWS_PART) {
			m->off += 8;
			*more = marker == ROWS_PART;
			if (m->bad)
				return malformed(c, m);
			r->bufs[r->nbufs++] = (char *)m->body;
			return SM_DQ_OK;
		}
		if (ncols == 0 || m->off + hsize > m->len)
			return malformed(c, m);
		const unsigned char *h = m->body + m->off;
		m->off += hsize;
		if (r->nrows == cap) {
			cap = cap ? cap * 2 : 16;
			sm_dq_value *v = realloc(r->values, cap * ncols * sizeof(*v));
			if (v == NULL) {
				free(m->body);
				return SM_DQ_NOMEM;
			}
			r->values = v;
		}
		sm_dq_value *row = r->values + r->nrows * ncols;
		for (uint64_t i = 0; i < ncols; i++) {
			sm_dq_value *v = &row[i];
			uint64_t bits;
			memset(v, 0, sizeof(*v));
			v->type = (h[i / 2] >> ((i % 2) * 4)) & 0x0f;
			switch (v->type) {
			case SM_DQ_INTEGER:
			case SM_DQ_BOOLEAN:
			case SM_DQ_UNIXTIME:
				v->i = (int64_t)get_u64(m);
				if (v->type != SM_DQ_INTEGER)
					v->type = SM_DQ_INTEGER;
				break;
			case SM_DQ_FLOAT:
				bits = get_u64(m);
				memcpy(&v->f, &bits, 8);
				break;
			case SM_DQ_TEXT:
			case SM_DQ_ISO8601:
				v->s = get_text(m);
				v->len = v->s ? strlen(v->s) : 0;
				v->type = SM_DQ_TEXT;
				break;
			case SM_DQ_BLOB:
				v->len = get_u64(m);
				if (v->len > m->len - m->off) {
					m->bad = true;
					break;
				}
				v->s = (const char *)m->body + m->off;
				m->off += pad8(v->len);
				break;
			case SM_DQ_NULL:
				get_u64(m);
				break;
			default:
				m->bad = true;
				break;
			}
			if (m->bad)
				return malformed(c, m);
		}
		r->nrows++;
	}
}

sm_dq_rc
sm_dq_query(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params, int n,
    sm_dq_rows *rows)
{
	sm_dq_rc rc = sm_dq_query_send(c, db, sql, params, n);
	memset(rows, 0, sizeof(*rows));
	if (rc != SM_DQ_OK)
		return rc;
	return sm_dq_query_recv(c, rows);
}

sm_dq_rc
sm_dq_query_send(sm_dq_conn *c, uint32_t db, const char *sql, const sm_dq_value *params, int n)
{
	return sql_request(c, REQ_QUERY_SQL, db, sql, params, n);
}

static long lose_rows_n; /* sm_dq_fault_lose_rows */

void
sm_dq_fault_lose_rows(long n)
{
	lose_rows_n = n > 0 ? n : 0;
}

sm_dq_rc
sm_dq_query_recv(sm_dq_conn *c, sm_dq_rows *rows)
{
	struct msg m;
	sm_dq_rc rc;
	bool more = true;
	memset(rows, 0, sizeof(*rows));
	if (lose_rows_n > 0 && --lose_rows_n == 0) {
		shutdown(c->fd, SHUT_RDWR);
		set_fail(c, 0, "%s: the answer was lost (a test's fault)", c->address);
		return SM_DQ_IO;
	}
	while (more) {
		if ((rc = expect(c, RES_ROWS, &m)) != SM_DQ_OK ||
		    (rc = read_batch(c, &m, rows, &more)) != SM_DQ_OK) {
			sm_dq_rows_clear(rows);
			return rc;
		}
	}
	return SM_DQ_OK;
}

/* ------------------------------------------------------------ the cluster */

sm_dq_rc
sm_dq_add(sm_dq_conn *c, uint64_t id, const char *address)
{
	begin_request(c);
	if (!put_u64(c, id) || !put_text(c, address))
		return drop_request(c);
	return simple(c, REQ_ADD, RES_EMPTY);
}

sm_dq_rc
sm_dq_assign(sm_dq_conn *c, uint64_t id, int role)
{
	return words(c, REQ_ASSIGN, RES_EMPTY, 2, id, (uint64_t)role);
}

sm_dq_rc
sm_dq_remove(sm_dq_conn *c, uint64_t id)
{
	return words(c, REQ_REMOVE, RES_EMPTY, 1, id, 0);
}

sm_dq_rc
sm_dq_transfer(sm_dq_conn *c, uint64_t id)
{
	return words(c, REQ_TRANSFER, RES_EMPTY, 1, id, 0);
}

void
sm_dq_files_clear(sm_dq_files *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

sm_dq_rc
sm_dq_dump(sm_dq_conn *c, const char *name, sm_dq_files *out)
{
	struct msg m;
	sm_dq_rc rc;
	memset(out, 0, sizeof(*out));
	begin_request(c);
	if (!put_text(c, name))
		return drop_request(c);
	if ((rc = send_request(c, REQ_DUMP, 0)) != SM_DQ_OK)
		return rc;
	c->max_body = MAX_DUMP;
	rc = expect(c, RES_FILES, &m);
	c->max_body = 0;
	if (rc != SM_DQ_OK)
		return rc;
	uint64_t n = get_u64(&m);
	if (m.bad || n > 2)
		return malformed(c, &m);
	for (uint64_t i = 0; i < n; i++) {
		sm_dq_file *f = &out->f[i];
		f->name = get_text(&m);
		f->size = get_u64(&m);
		if (m.bad || f->size > m.len - m.off)
			return malformed(c, &m);
		f->data = m.body + m.off;
		m.off += pad8((size_t)f->size);
	}
	out->n = (size_t)n;
	out->buf = m.body;
	return SM_DQ_OK;
}

void
sm_dq_nodes_free(sm_dq_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(nodes[i].address);
	free(nodes);
}

sm_dq_rc
sm_dq_cluster(sm_dq_conn *c, sm_dq_node **nodes, size_t *n)
{
	struct msg m;
	sm_dq_rc rc;
	*nodes = NULL;
	*n = 0;
	begin_request(c);
	if (!put_u64(c, 1))
		return drop_request(c);
	if ((rc = send_request(c, REQ_CLUSTER, 0)) != SM_DQ_OK ||
	    (rc = expect(c, RES_SERVERS, &m)) != SM_DQ_OK)
		return rc;
	uint64_t count = get_u64(&m);
	if (m.bad || count > 1024)
		return malformed(c, &m);
	sm_dq_node *v = calloc(count ? count : 1, sizeof(*v));
	if (v == NULL) {
		free(m.body);
		return SM_DQ_NOMEM;
	}
	for (uint64_t i = 0; i < count; i++) {
		v[i].id = get_u64(&m);
		const char *a = get_text(&m);
		v[i].role = (int)get_u64(&m);
		if (m.bad || (v[i].address = strdup(a)) == NULL) {
			sm_dq_nodes_free(v, (size_t)i);
			return malformed(c, &m);
		}
	}
	free(m.body);
	*nodes = v;
	*n = (size_t)count;
	return SM_DQ_OK;
}

const char *
sm_dq_role_name(int role)
{
	switch (role) {
	case SM_DQ_VOTER:
		return "voter";
	case SM_DQ_STANDBY:
		return "standby";
	case SM_DQ_SPARE:
		return "spare";
	default:
		return "unknown";
	}
}

void
sm_dq_split_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char **
sm_dq_split(const char *list, size_t *n)
{
	char **v = calloc(strlen(list) / 2 + 2, sizeof(char *));
	*n = 0;
	if (v == NULL)
		return NULL;
	const char *p = list;
	while (*p) {
		size_t k = strcspn(p, ", \t");
		if (k > 0) {
			if ((v[*n] = strndup(p, k)) == NULL) {
				sm_dq_split_free(v, *n);
				return NULL;
			}
			(*n)++;
		}
		p += k;
		if (*p)
			p++;
	}
	return v;
}

char *
sm_dq_target_nodes(const char *tail, int default_ms, int *timeout_ms)
{
	char *nodes = strdup(tail), *opt;
	*timeout_ms = default_ms;
	if (nodes != NULL && (opt = strchr(nodes, ';')) != NULL) {
		*opt++ = '\0';
		if (strncmp(opt, "timeout=", 8) == 0 && atoi(opt + 8) > 0)
			*timeout_ms = atoi(opt + 8);
	}
	return nodes;
}
