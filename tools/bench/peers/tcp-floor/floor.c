/*
 * tcp-floor: the kernel's floor for a request/response server on this machine.
 *
 * The server is the least a sleeping event-loop server can do per call: one
 * epoll_wait, one read, one write, and no parsing at all. It echoes bytes on
 * every accepted TCP connection, single-threaded, with TCP_NODELAY, the way
 * sharewired --threads 1 runs (docs/PERFORMANCE.md, "The kernel's floor").
 * Whatever CPU it spends per call is what any such server pays on this kernel
 * and VM before its own code runs: wake-ups, loopback TCP, system calls.
 *
 * The client keeps `concurrency` fixed-size messages in flight over
 * `connections` TCP connections (closed loop; a message is one call), and
 * prints calls/s and latency percentiles as one JSON line.
 *
 *   floor server PORT                      prints "listening on 127.0.0.1:PORT"
 *   floor client PORT CONNS CONC SECONDS WARMUP_SECONDS MESSAGE_BYTES
 *
 * Loopback only. Every run is bounded by SECONDS (at most 3600).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define BUF_BYTES 65536

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nodelay(int fd) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
}

/* Writes all of buf, waiting with poll if the socket buffer is full (rare: the
 * echo never has more outstanding than the client sent). */
static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 1000);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return -1;
        }
    }
    return 0;
}

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) {
    (void)sig;
    stopping = 1;
}

static int run_server(int port) {
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (ls < 0) die("socket");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* No SO_REUSEPORT: a leftover server must make this bind fail, not share the port. */
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
    if (listen(ls, 128) != 0) die("listen");
    socklen_t alen = sizeof addr;
    getsockname(ls, (struct sockaddr *)&addr, &alen);
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev) != 0) die("epoll_ctl");
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    static char buf[BUF_BYTES];
    struct epoll_event events[MAX_EVENTS];
    while (!stopping) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    nodelay(c);
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) != 0) die("epoll_ctl");
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) {
                if (write_all(fd, buf, (size_t)r) != 0) close(fd);
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(fd);
            }
        }
    }
    return 0;
}

typedef struct {
    int fd;
    size_t pending_bytes; /* bytes of the current partial reply */
    uint64_t *sent;       /* ring of send times, one per call in flight */
    int head, count, cap;
} conn_t;

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int run_client(int port, int conns, int conc, double seconds, double warmup, int msg) {
    if (conns < 1 || conc < 1 || conns > 1024 || conc > 65536 || msg < 1 || msg > 4096 || seconds <= 0 ||
        seconds > 3600 || warmup < 0 || warmup > 600) {
        fprintf(stderr, "out of range\n");
        return 2;
    }
    if (conns > conc) conns = conc;
    conn_t *cs = calloc((size_t)conns, sizeof *cs);
    char *out = malloc((size_t)msg * (size_t)conc);
    memset(out, 0x5A, (size_t)msg * (size_t)conc);
    int ep = epoll_create1(0);
    for (int i = 0; i < conns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
        nodelay(fd);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        cs[i].fd = fd;
        cs[i].cap = conc / conns + 1;
        cs[i].sent = calloc((size_t)cs[i].cap, sizeof(uint64_t));
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    size_t lat_cap = 1 << 20, lat_n = 0;
    uint64_t *lat = malloc(lat_cap * sizeof(uint64_t));
    uint64_t t0 = now_ns();
    uint64_t measure_from = t0 + (uint64_t)(warmup * 1e9), end = measure_from + (uint64_t)(seconds * 1e9);
    uint64_t calls = 0;
    /* Start: spread the calls in flight over the connections. */
    for (int i = 0; i < conns; i++) {
        int k = conc / conns + (i < conc % conns);
        uint64_t t = now_ns();
        for (int j = 0; j < k; j++) cs[i].sent[(cs[i].head + cs[i].count++) % cs[i].cap] = t;
        if (write_all(cs[i].fd, out, (size_t)msg * (size_t)k) != 0) die("write");
    }
    static char buf[BUF_BYTES];
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) break;
        int n = epoll_wait(ep, events, MAX_EVENTS, (int)((end - now) / 1000000 + 1));
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int e = 0; e < n; e++) {
            conn_t *c = &cs[events[e].data.u32];
            ssize_t r = read(c->fd, buf, sizeof buf);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                fprintf(stderr, "server closed the connection\n");
                return 1;
            }
            size_t bytes = c->pending_bytes + (size_t)r;
            int done = (int)(bytes / (size_t)msg);
            c->pending_bytes = bytes % (size_t)msg;
            uint64_t t = now_ns();
            for (int j = 0; j < done; j++) {
                uint64_t s = c->sent[c->head];
                c->head = (c->head + 1) % c->cap;
                c->count--;
                if (s >= measure_from && t <= end) {
                    calls++;
                    if (lat_n == lat_cap) {
                        lat_cap *= 2;
                        lat = realloc(lat, lat_cap * sizeof(uint64_t));
                    }
                    lat[lat_n++] = t - s;
                }
                c->sent[(c->head + c->count++) % c->cap] = t;
            }
            if (done > 0 && write_all(c->fd, out, (size_t)msg * (size_t)done) != 0) die("write");
        }
    }
    double measured = (double)(end - measure_from) / 1e9;
    qsort(lat, lat_n, sizeof(uint64_t), cmp_u64);
    double p50 = lat_n ? (double)lat[(size_t)(0.50 * (double)(lat_n - 1))] / 1000.0 : 0;
    double p99 = lat_n ? (double)lat[(size_t)(0.99 * (double)(lat_n - 1))] / 1000.0 : 0;
    printf("{\"calls\": %llu, \"calls_per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}\n",
           (unsigned long long)calls, (double)calls / measured, p50, p99);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return run_server(atoi(argv[2]));
    if (argc == 8 && strcmp(argv[1], "client") == 0)
        return run_client(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atof(argv[5]), atof(argv[6]),
                          atoi(argv[7]));
    fprintf(stderr,
            "usage: %s server PORT\n       %s client PORT CONNS CONC SECONDS WARMUP_SECONDS MESSAGE_BYTES\n",
            argv[0], argv[0]);
    return 2;
}
