/* sitemark_node.c - sitemark-node: one dqlite node of a sitemark cluster.
 *
 * It reads node.id, node.address, node.data_dir and node.join from the
 * sitemark configuration, starts a dqlite node (libdqlite) known to the
 * cluster as node.address and listening there, or on node.bind when that
 * is set (behind a TLS tunnel, doc/cluster.md: the node listens on the
 * loopback, the cluster reaches it through stunnel), and, with node.join,
 * joins the cluster through one of its members: ADD (as a spare) then
 * ASSIGN (voter), retried while another configuration change is in
 * progress.  The node with id 1 founds a new
 * cluster on its first start.  On SIGTERM (or SIGINT) a leader hands its
 * leadership to another voter, then the node stops.  SIGPIPE is ignored: a
 * peer that dies must not take this node down.  It logs to syslog (the
 * journal), and to stderr as well when that is a terminal or with --stderr. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <sys/socket.h>
#include <pthread.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <dqlite.h>

#include "sm_config.h"
#include "sm_db.h"
#include "sm_dqlite_proto.h"
#include "sm_i18n.h"

#define NODE_TIMEOUT_MS 3000
#define JOIN_GIVE_UP_S 300

static sigset_t stop_signals;

/* How the node reaches a peer for raft: as dqlite's own would, but with
 * Nagle's algorithm off, so that an entry or its answer is not held back
 * until the previous one is acknowledged (a delayed ACK: 40 ms a commit). */
static int
peer_connect(void *arg, const char *address, int *fd)
{
	(void)arg;
	char *why = NULL;
	*fd = sm_dq_dial(address, NODE_TIMEOUT_MS, &why);
	if (*fd < 0) {
		syslog(LOG_WARNING, _("cannot reach the peer %s: %s"), address, why ? why : "");
		free(why);
		return DQLITE_ERROR;
	}
	return 0;
}

/* Sleep MS, or less when a stop signal comes: true when it came. */
static bool
stop_wait(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	int sig = sigtimedwait(&stop_signals, NULL, &ts);
	return sig > 0;
}

/* Join the cluster through one of JOIN: ADD then ASSIGN(voter), retried
 * while the cluster is busy with another change.  False when it gave up or
 * was told to stop. */
static bool
join_cluster(uint64_t id, const char *address, const char *join, int *stopped)
{
	size_t n = 0;
	char **addrs = sm_dq_split(join, &n);
	time_t give_up = time(NULL) + JOIN_GIVE_UP_S;
	int wait_ms = 200;
	bool done = false;
	if (addrs == NULL)
		return false;
	while (!done && time(NULL) < give_up) {
		sm_dq_conn *c = NULL;
		sm_dq_node *nodes = NULL;
		size_t nn = 0;
		char *why = NULL;
		int role = -1;
		if (sm_dq_connect_leader(addrs, n, NODE_TIMEOUT_MS, &c, &why) != SM_DQ_OK) {
			syslog(LOG_WARNING, _("cannot reach the cluster's leader through %s (%s): trying again"),
			    join, why ? why : "");
			free(why);
			goto again;
		}
		if (sm_dq_cluster(c, &nodes, &nn) != SM_DQ_OK) {
			syslog(LOG_WARNING, _("the leader %s did not list the cluster (%s): trying again"),
			    sm_dq_address(c), sm_dq_fail_msg(c));
			goto again;
		}
		for (size_t i = 0; i < nn; i++)
			if (nodes[i].id == id)
				role = nodes[i].role;
		sm_dq_nodes_free(nodes, nn);
		if (role == SM_DQ_VOTER) {
			done = true;
			break;
		}
		if (role < 0 && sm_dq_add(c, id, address) != SM_DQ_OK) {
			syslog(LOG_WARNING, _("the leader %s did not add node %llu (%s): trying again"),
			    sm_dq_address(c), (unsigned long long)id, sm_dq_fail_msg(c));
			goto again;
		}
		if (sm_dq_assign(c, id, SM_DQ_VOTER) != SM_DQ_OK) {
			syslog(LOG_WARNING, _("the leader %s did not make node %llu a voter (%s): trying again"),
			    sm_dq_address(c), (unsigned long long)id, sm_dq_fail_msg(c));
			goto again;
		}
		syslog(LOG_NOTICE, _("node %llu joined the cluster as a voter through %s"),
		    (unsigned long long)id, sm_dq_address(c));
		done = true;
		sm_dq_close(c);
		break;
again:
		sm_dq_close(c);
		/* back off, with jitter, at most 2 s */
		if (stop_wait(wait_ms + (int)(random() % (wait_ms / 2 + 1)))) {
			*stopped = 1;
			break;
		}
		if (wait_ms < 2000)
			wait_ms *= 2;
	}
	sm_dq_split_free(addrs, n);
	return done;
}

/* Before stopping: if this node leads, hand the leadership to another voter
 * (ADDRESS: where this node listens, reached directly). */
static void
hand_over(uint64_t id, const char *address)
{
	sm_dq_conn *c = NULL;
	sm_dq_node *nodes = NULL;
	size_t nn = 0;
	uint64_t leader = 0;
	char *laddr = NULL;
	if (sm_dq_connect(address, NODE_TIMEOUT_MS, &c, NULL) != SM_DQ_OK)
		return;
	if (sm_dq_leader(c, &leader, &laddr) == SM_DQ_OK && leader == id &&
	    sm_dq_cluster(c, &nodes, &nn) == SM_DQ_OK) {
		for (size_t i = 0; i < nn; i++) {
			if (nodes[i].id == id || nodes[i].role != SM_DQ_VOTER)
				continue;
			if (sm_dq_transfer(c, nodes[i].id) == SM_DQ_OK) {
				syslog(LOG_NOTICE, _("handed the leadership to node %llu (%s)"),
				    (unsigned long long)nodes[i].id, nodes[i].address);
				break;
			}
			syslog(LOG_WARNING, _("could not hand the leadership to node %llu: %s"),
			    (unsigned long long)nodes[i].id, sm_dq_fail_msg(c));
		}
		sm_dq_nodes_free(nodes, nn);
	}
	free(laddr);
	sm_dq_close(c);
}

/* ------------------------------------------------------------ whose data */

/* node.data_dir/MEMBER_FILE says which node of which cluster the data
 * there is: "id N", "address HOST:PORT", "cluster NAME" (node.cluster, when
 * set), written on the node's first start. */
#define MEMBER_FILE "sitemark-node.member"

struct member {
	bool found;
	unsigned long long id;
	char address[300];
	char cluster[300];
};

static void
read_member(const char *path, struct member *m)
{
	char line[300];
	FILE *f = fopen(path, "re");
	memset(m, 0, sizeof(*m));
	if (f == NULL)
		return;
	m->found = true;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "id ", 3) == 0)
			m->id = strtoull(line + 3, NULL, 10);
		else if (strncmp(line, "address ", 8) == 0)
			snprintf(m->address, sizeof(m->address), "%s", line + 8);
		else if (strncmp(line, "cluster ", 8) == 0)
			snprintf(m->cluster, sizeof(m->cluster), "%s", line + 8);
	}
	fclose(f);
}

/* The member file PATH for CFG, made whole before it replaces any other. */
static bool
write_member(const char *path, const sm_config *cfg, const char *cluster)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.new", path) < 0)
		return false;
	FILE *f = fopen(tmp, "we");
	bool ok = f != NULL;
	if (ok) {
		fprintf(f, "id %d\naddress %s\n", cfg->node_id, cfg->node_address);
		if (cluster && *cluster)
			fprintf(f, "cluster %s\n", cluster);
		ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
		ok = fclose(f) == 0 && ok;
	}
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok;
}

/* Whether DIR holds Raft data already (its metadata files). */
static bool
has_raft_data(const char *dir)
{
	char *p = NULL;
	bool yes = false;
	for (int i = 1; i <= 2 && !yes; i++) {
		if (asprintf(&p, "%s/metadata%d", dir, i) < 0)
			return false;
		yes = access(p, F_OK) == 0;
		free(p);
	}
	return yes;
}

/* False (logged, with what to do) when node.data_dir holds the data of
 * another node or of another cluster; else *WRITE says whether its member
 * file is to be written (first start), once the node has started: a node
 * that could not start leaves the directory as it found it. */
static bool
check_member(const sm_config *cfg, bool *write)
{
	const char *dir = cfg->node_data_dir, *want = cfg->node_cluster;
	char *path = NULL;
	struct member m;
	bool ok = true;
	if (asprintf(&path, "%s/%s", dir, MEMBER_FILE) < 0)
		return false;
	read_member(path, &m);
	if (m.found && (m.id != (unsigned long long)cfg->node_id ||
	    strcmp(m.address, cfg->node_address) != 0)) {
		syslog(LOG_ERR, _("%s holds the data of node %llu at %s, not of node %d at %s as the configuration (%s) says: point node.data_dir at this node's own directory, or at an empty one for the node to join its cluster anew"),
		    dir, m.id, m.address, cfg->node_id, cfg->node_address, cfg->path ? cfg->path : "-");
		ok = false;
	} else if (m.found && want && *want && *m.cluster && strcmp(m.cluster, want) != 0) {
		syslog(LOG_ERR, _("%s holds the data of cluster '%s', not of '%s' (node.cluster): point node.data_dir at this cluster's data, or at an empty directory for the node to join it anew"),
		    dir, m.cluster, want);
		ok = false;
	} else if (!m.found || (want && *want && !*m.cluster)) {
		if (!m.found && has_raft_data(dir))
			syslog(LOG_NOTICE, _("%s holds Raft data but no %s: recorded as this node's"), dir,
			    MEMBER_FILE);
		*write = true;
	}
	free(path);
	return ok;
}

/* Write the member file CHECK_MEMBER asked for (the cluster the file
 * named, or node.cluster). */
static bool
record_member(const sm_config *cfg)
{
	const char *want = cfg->node_cluster;
	char *path = NULL;
	struct member m;
	bool ok;
	if (asprintf(&path, "%s/%s", cfg->node_data_dir, MEMBER_FILE) < 0)
		return false;
	read_member(path, &m);
	if (!(ok = write_member(path, cfg, want && *want ? want : m.found ? m.cluster : NULL)))
		syslog(LOG_ERR, _("cannot write %s: %s"), path, strerror(errno));
	free(path);
	return ok;
}

/* Whether ADDRESS (host:port) can be listened at: dqlite 1.11 gives no
 * reason when it cannot (the port taken by another process, say); this
 * says which.  Logged when not. */
static bool
can_listen(const char *address)
{
	char host[256], port[16];
	const char *colon = strrchr(address, ':');
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
	if (colon == NULL || colon == address || (size_t)(colon - address) >= sizeof(host) ||
	    strlen(colon + 1) >= sizeof(port))
		return true; /* dqlite says what is wrong with it */
	snprintf(host, sizeof(host), "%.*s", (int)(colon - address), address);
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		return true;
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol), one = 1;
	bool ok = true;
	if (fd >= 0) {
		/* as libuv binds it, so that a port in TIME_WAIT is no reason */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
			syslog(LOG_ERR, _("cannot listen at %s: %s (another process listens there: a node already started, or another program)"),
			    address, strerror(errno));
			ok = false;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return ok;
}

static void
usage(FILE *to)
{
	fprintf(to, "%s", _("Usage: sitemark-node [--config FILE] [--stderr] [--version]\n"
	    "Runs one dqlite node of a sitemark cluster, as node.id, node.address,\n"
	    "node.data_dir and node.join of the configuration say.  It logs to syslog,\n"
	    "and to standard error too when that is a terminal or with --stderr.\n"));
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"stderr", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	const char *config = NULL;
	sm_config *cfg = NULL;
	sm_err *warn = sm_err_new(), *err = sm_err_new();
	dqlite_node *node = NULL;
	int opt, stopped = 0;
	bool to_stderr = isatty(STDERR_FILENO);

	setlocale(LC_ALL, "");
	const char *localedir = secure_getenv("SITEMARK_LOCALEDIR");
	bindtextdomain("sitemark", localedir && *localedir ? localedir : LOCALEDIR);
	textdomain("sitemark");
	while ((opt = getopt_long(argc, argv, "c:ehV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'e':
			to_stderr = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sitemark-node %s (dqlite %d)\n", PACKAGE_VERSION, dqlite_version_number());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	openlog("sitemark-node", LOG_PID | (to_stderr ? LOG_PERROR : 0), LOG_DAEMON);
	/* a peer that dies mid-write must not kill this node */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	/* blocked before dqlite's thread starts, so that it inherits the mask
	 * and the signals wait here */
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	if (sm_config_load(config, &cfg, warn, err) != SM_OK) {
		for (size_t i = 0; i < sm_err_count(err); i++)
			syslog(LOG_ERR, "%s", sm_err_msg(err, i));
		return 1;
	}
	for (size_t i = 0; i < sm_err_count(warn); i++)
		syslog(LOG_WARNING, "%s", sm_err_msg(warn, i));
	if (cfg->node_id <= 0 || cfg->node_address == NULL || cfg->node_data_dir == NULL) {
		syslog(LOG_ERR, _("the configuration (%s) must set node.id, node.address and node.data_dir"),
		    cfg->path ? cfg->path : "-");
		sm_config_free(&cfg);
		return 1;
	}
	if (mkdir(cfg->node_data_dir, 0700) != 0 && errno != EEXIST) {
		syslog(LOG_ERR, _("cannot make the node's directory %s: %s"), cfg->node_data_dir,
		    strerror(errno));
		sm_config_free(&cfg);
		return 1;
	}
	bool write = false;
	const char *bind = cfg->node_bind != NULL ? cfg->node_bind : cfg->node_address;
	if (!check_member(cfg, &write) || !can_listen(bind)) {
		sm_config_free(&cfg);
		return 1;
	}
	uint64_t id = (uint64_t)cfg->node_id;
	bool fresh = !has_raft_data(cfg->node_data_dir);
	sm_db_in_tx_everywhere(); /* the leader's connections run sitemark's writes */
	sm_db_wrote_everywhere();  /* and its writes and COMMIT in one request */
	int rv = dqlite_node_create(id, cfg->node_address, cfg->node_data_dir, &node);
	if (rv == 0)
		rv = dqlite_node_set_bind_address(node, bind);
	if (rv == 0)
		rv = dqlite_node_set_connect_func(node, peer_connect, NULL);
	if (rv == 0)
		rv = dqlite_node_set_network_latency_ms(node,
		    cfg->node_latency_ms > 0 ? (unsigned)cfg->node_latency_ms : 5);
	if (rv == 0)
		rv = dqlite_node_start(node);
	if (rv != 0) {
		const char *why = node ? dqlite_node_errmsg(node) : strerror(ENOMEM);
		syslog(LOG_ERR, _("cannot start node %llu at %s: %s"), (unsigned long long)id,
		    cfg->node_address, why && *why ? why : _("dqlite gave no reason"));
		dqlite_node_destroy(node);
		sm_config_free(&cfg);
		return 1;
	}
	if (write && !record_member(cfg)) {
		dqlite_node_stop(node);
		dqlite_node_destroy(node);
		sm_config_free(&cfg);
		return 1;
	}
	if (bind != cfg->node_address)
		syslog(LOG_NOTICE, _("node %llu listens at %s, known to the cluster as %s (data in %s)"),
		    (unsigned long long)id, bind, cfg->node_address, cfg->node_data_dir);
	else
		syslog(LOG_NOTICE, _("node %llu listens at %s (data in %s)"), (unsigned long long)id,
		    cfg->node_address, cfg->node_data_dir);
	if (fresh && id != 1 && cfg->node_join == NULL)
		/* dqlite makes a cluster of its own only of node 1: this one waits */
		syslog(LOG_WARNING, _("node %llu has no data and no node.join: it is in no cluster, and waits until a member adds it; set node.join to the addresses of the cluster's members for it to join by itself (sitemark-node(8))"),
		    (unsigned long long)id);
	if (cfg->node_join != NULL && !join_cluster(id, cfg->node_address, cfg->node_join, &stopped) &&
	    !stopped)
		syslog(LOG_ERR, _("node %llu could not join the cluster through %s: it runs, but outside it"),
		    (unsigned long long)id, cfg->node_join);
	while (!stopped) {
		int sig = sigwaitinfo(&stop_signals, NULL);
		if (sig > 0)
			stopped = 1;
	}
	syslog(LOG_NOTICE, _("node %llu stopping"), (unsigned long long)id);
	hand_over(id, bind);
	dqlite_node_stop(node);
	dqlite_node_destroy(node);
	syslog(LOG_NOTICE, _("node %llu stopped"), (unsigned long long)id);
	sm_config_free(&cfg);
	sm_err_free(&warn);
	sm_err_free(&err);
	closelog();
	return 0;
}
