/*
 * Plain BSD sockets for the tool. Sockets are non-blocking once connected
 * or accepted: the send/recv callbacks map "would block" and EINTR to
 * CLASP_ERR_WANT_WRITE / CLASP_ERR_WANT_READ, and the caller waits with
 * cli_sock_wait(), which gives up after the socket's timeout so that the
 * tool never hangs on a silent peer.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

double cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return CLASP_ERR_IO;
    }
    return 0;
}

/* "host:port", "[v6]:port"; host and port point into buf. */
static int split_hostport(const char *in, char *buf, size_t buf_len,
                          const char **host, const char **port)
{
    if (strlen(in) >= buf_len) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    strcpy(buf, in);
    char *colon;
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close == NULL || close[1] != ':') {
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        *close = '\0';
        *host = buf + 1;
        colon = close + 1;
    } else {
        colon = strrchr(buf, ':');
        if (colon == NULL || strchr(buf, ':') != colon) {
            return CLASP_ERR_BAD_INPUT_DATA;
        }
        *colon = '\0';
        *host = buf;
    }
    *port = colon + 1;
    if (**host == '\0' || **port == '\0') {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    return 0;
}

int cli_net_host_of(const char *hostport, char *out, size_t out_len)
{
    char buf[512];
    const char *host, *port;
    if (split_hostport(hostport, buf, sizeof(buf), &host, &port) != 0 ||
        strlen(host) >= out_len) {
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    strcpy(out, host);
    return 0;
}

/* Wait for a non-blocking connect() to finish. */
static int finish_connect(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n;
    do {
        n = poll(&p, 1, timeout_ms > 0 ? timeout_ms : -1);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        errno = ETIMEDOUT;
        return CLASP_ERR_IO;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        return CLASP_ERR_IO;
    }
    if (err != 0) {
        errno = err;
        return CLASP_ERR_IO;
    }
    return 0;
}

int cli_net_connect(const char *hostport, int timeout_ms, cli_sock *s)
{
    char buf[512];
    const char *host, *port;
    if (split_hostport(hostport, buf, sizeof(buf), &host, &port) != 0) {
        fprintf(stderr, "clasp: -connect wants host:port, not \"%s\"\n",
                hostport);
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "clasp: cannot resolve %s: %s\n", hostport,
                gai_strerror(gai));
        return CLASP_ERR_IO;
    }
    int fd = -1;
    int saved = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (set_nonblocking(fd) == 0 &&
            (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
             (errno == EINPROGRESS && finish_connect(fd, timeout_ms) == 0))) {
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "clasp: cannot connect to %s: %s\n", hostport,
                strerror(saved));
        return CLASP_ERR_IO;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(s, 0, sizeof(*s));
    s->fd = fd;
    s->timeout_ms = timeout_ms;
    return 0;
}

static int listen_one(const char *addr, int port, int *fd_out)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port_str[16];
    snprintf(port_str, sizeof(port_str), "%d", port);
    int gai = getaddrinfo(addr, port_str, &hints, &res);
    if (gai != 0) {
        fprintf(stderr, "clasp: bad bind address %s: %s\n", addr,
                gai_strerror(gai));
        errno = EADDRNOTAVAIL;
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0) {
        freeaddrinfo(res);
        return CLASP_ERR_IO;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (res->ai_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    int rc = bind(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (rc < 0 || listen(fd, 16) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return CLASP_ERR_IO;
    }
    *fd_out = fd;
    return 0;
}

static int bound_port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        return -1;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

int cli_net_listen(const char *bind_addr, const char *port, int *fds,
                   size_t *fd_count, int *bound_port)
{
    char *end;
    long p = strtol(port, &end, 10);
    if (*port == '\0' || *end != '\0' || p < 0 || p > 65535) {
        fprintf(stderr, "clasp: -accept wants a port number, not \"%s\"\n",
                port);
        return CLASP_ERR_BAD_INPUT_DATA;
    }
    *fd_count = 0;
    const char *first = bind_addr != NULL ? bind_addr : "127.0.0.1";
    if (listen_one(first, (int)p, &fds[0]) != 0) {
        fprintf(stderr, "clasp: cannot listen on %s port %ld: %s\n", first, p,
                strerror(errno));
        return CLASP_ERR_IO;
    }
    *fd_count = 1;
    *bound_port = bound_port_of(fds[0]);
    if (bind_addr == NULL) {
        /* Loopback only, both families, same port: "localhost" may
         * resolve to either. A host without IPv6 keeps the IPv4 socket;
         * a port taken on ::1 is an error (another server would answer
         * half of the clients). */
        if (listen_one("::1", *bound_port, &fds[1]) == 0) {
            *fd_count = 2;
        } else if (errno == EADDRINUSE) {
            fprintf(stderr, "clasp: cannot listen on ::1 port %d: %s\n",
                    *bound_port, strerror(errno));
            close(fds[0]);
            *fd_count = 0;
            return CLASP_ERR_IO;
        }
    }
    return 0;
}

int cli_net_accept(const int *fds, size_t fd_count, cli_sock *s, char *peer,
                   size_t peer_len)
{
    struct pollfd p[2];
    for (size_t i = 0; i < fd_count && i < 2; i++) {
        p[i].fd = fds[i];
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    for (;;) {
        int n = poll(p, (nfds_t)fd_count, -1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "clasp: poll: %s\n", strerror(errno));
            return CLASP_ERR_IO;
        }
        for (size_t i = 0; i < fd_count; i++) {
            if (!(p[i].revents & POLLIN)) {
                continue;
            }
            struct sockaddr_storage ss;
            socklen_t len = sizeof(ss);
            int fd = accept(fds[i], (struct sockaddr *)&ss, &len);
            if (fd < 0) {
                continue;
            }
            if (set_nonblocking(fd) != 0) {
                close(fd);
                continue;
            }
            int one = 1;
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            char host[INET6_ADDRSTRLEN] = "?";
            int port = 0;
            if (ss.ss_family == AF_INET) {
                struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
                inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
                port = ntohs(sin->sin_port);
            } else if (ss.ss_family == AF_INET6) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
                inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
                port = ntohs(sin6->sin6_port);
            }
            snprintf(peer, peer_len,
                     ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
                     port);
            int timeout_ms = s->timeout_ms;
            memset(s, 0, sizeof(*s));
            s->fd = fd;
            s->timeout_ms = timeout_ms;
            return 0;
        }
    }
}

void cli_sock_close(cli_sock *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

void cli_sock_close_linger(cli_sock *s, int max_ms)
{
    if (s->fd < 0) {
        return;
    }
    /* Closing with unread input makes the kernel send a reset, which can
     * destroy our last records (an alert, the end of a page) before the
     * peer reads them: send FIN, then drain until the peer closes too. */
    (void)shutdown(s->fd, SHUT_WR);
    double end = cli_now_ms() + max_ms;
    unsigned char buf[4096];
    for (;;) {
        int left = (int)(end - cli_now_ms());
        if (left <= 0) {
            break;
        }
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int n = poll(&p, 1, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        ssize_t r = recv(s->fd, buf, sizeof(buf), 0);
        if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN &&
                       errno != EWOULDBLOCK)) {
            break;
        }
    }
    cli_sock_close(s);
}

int cli_sock_send(void *ctx, const unsigned char *buf, size_t len)
{
    cli_sock *s = ctx;
    if (len > 1u << 30) {
        len = 1u << 30;
    }
    ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return CLASP_ERR_WANT_WRITE;
        }
        s->last_errno = errno;
        return CLASP_ERR_IO;
    }
    s->bytes_out += (uint64_t)n;
    return (int)n;
}

int cli_sock_recv(void *ctx, unsigned char *buf, size_t len)
{
    cli_sock *s = ctx;
    if (len > 1u << 30) {
        len = 1u << 30;
    }
    ssize_t n = recv(s->fd, buf, len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return CLASP_ERR_WANT_READ;
        }
        s->last_errno = errno;
        return CLASP_ERR_IO;
    }
    s->bytes_in += (uint64_t)n;
    return (int)n;
}

int cli_sock_wait(cli_sock *s, int want)
{
    struct pollfd p = {
        .fd = s->fd, .events = want == CLASP_ERR_WANT_WRITE ? POLLOUT : POLLIN};
    double deadline = cli_now_ms() + s->timeout_ms;
    for (;;) {
        int left = -1;
        if (s->timeout_ms > 0) {
            left = (int)(deadline - cli_now_ms());
            if (left < 0) {
                left = 0;
            }
        }
        int n = poll(&p, 1, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            s->last_errno = errno;
            fprintf(stderr, "clasp: poll: %s\n", strerror(errno));
            return CLASP_ERR_IO;
        }
        if (n == 0) {
            fprintf(stderr, "clasp: timed out after %d ms waiting to %s\n",
                    s->timeout_ms,
                    want == CLASP_ERR_WANT_WRITE ? "send" : "receive");
            return CLASP_ERR_IO;
        }
        /* POLLHUP / POLLERR: let the next recv/send report it. */
        return 0;
    }
}
