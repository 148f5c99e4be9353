// sip_answer.c - a minimal, fast SIP OPTIONS responder for measuring the scanner alone.
//
// Kamailio tops out around 120,000 requests/s on 2 cores and then drops; to measure what the
// scanner itself costs per probe, this answers every request datagram on 0.0.0.0:<port> with a
// 200 OK that echoes Via, From, To (plus a To-tag), Call-ID and CSeq, as a real proxy would, in
// batches (recvmmsg/sendmmsg). Bound to the wildcard address it answers for every 127/8 address.
// Run it only inside a network namespace (bench/sip_sweep.sh does).
//
//   gcc -O2 -o sip_answer sip_answer.c && ./sip_answer 5060 <seconds>
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SIZE 2048

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

// Copies the request's header line `name` (case-insensitive, full name) into out; returns bytes.
static int copy_header(const char *req, int len, const char *name, char *out, int room,
                       const char *suffix) {
    size_t n = strlen(name);
    const char *p = req, *end = req + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', end - p);
        if (!eol) return 0;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            int line = (int)(eol - p);
            if (line > 0 && p[line - 1] == '\r') line--;
            return snprintf(out, room, "%.*s%s\r\n", line, p, suffix);
        }
        p = eol + 1;
    }
    return 0;
}

static int answer(const char *req, int len, char *out) {
    if (len < 8 || memcmp(req, "SIP/2.0", 7) == 0) return 0;  // never answer a response
    int w = snprintf(out, SIZE, "SIP/2.0 200 OK\r\n");
    w += copy_header(req, len, "Via", out + w, SIZE - w, ";received=127.0.0.1");
    w += copy_header(req, len, "From", out + w, SIZE - w, "");
    w += copy_header(req, len, "To", out + w, SIZE - w, ";tag=b27e1a1d33761e85846fc98f5f3a7e58.2c8f");
    w += copy_header(req, len, "Call-ID", out + w, SIZE - w, "");
    w += copy_header(req, len, "CSeq", out + w, SIZE - w, "");
    w += snprintf(out + w, SIZE - w,
                  "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n"
                  "Server: kamailio (5.6.3 (x86_64/linux))\r\n"
                  "Content-Length: 0\r\n\r\n");
    return w < SIZE ? w : 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT SECONDS\n", argv[0]);
        return 1;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 8 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    double secs = atof(argv[2]), t0 = now();
    static char in[BATCH][SIZE], out[BATCH][SIZE];
    struct sockaddr_in src[BATCH];
    struct mmsghdr rx[BATCH], tx[BATCH];
    struct iovec riov[BATCH], tiov[BATCH];
    struct timespec wait = {0, 100 * 1000 * 1000};
    long answered = 0;
    while (now() - t0 < secs) {
        for (int i = 0; i < BATCH; i++) {
            riov[i] = (struct iovec){in[i], SIZE};
            memset(&rx[i], 0, sizeof rx[i]);
            rx[i].msg_hdr.msg_iov = &riov[i];
            rx[i].msg_hdr.msg_iovlen = 1;
            rx[i].msg_hdr.msg_name = &src[i];
            rx[i].msg_hdr.msg_namelen = sizeof src[i];
        }
        int r = recvmmsg(s, rx, BATCH, MSG_WAITFORONE, &wait);
        if (r <= 0) continue;
        int n = 0;
        for (int i = 0; i < r; i++) {
            int len = answer(in[i], (int)rx[i].msg_len, out[n]);
            if (!len) continue;
            tiov[n] = (struct iovec){out[n], (size_t)len};
            memset(&tx[n], 0, sizeof tx[n]);
            tx[n].msg_hdr.msg_iov = &tiov[n];
            tx[n].msg_hdr.msg_iovlen = 1;
            tx[n].msg_hdr.msg_name = &src[i];
            tx[n].msg_hdr.msg_namelen = sizeof src[i];
            n++;
        }
        int sent = n ? sendmmsg(s, tx, n, 0) : 0;
        if (sent > 0) answered += sent;
    }
    fprintf(stderr, "sip_answer: answered %ld\n", answered);
    return 0;
}
