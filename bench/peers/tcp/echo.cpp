// The ceiling of the peer comparison: a plain TCP echo server on one
// edge-triggered epoll loop, no WebSocket at all. What it achieves is what
// the kernel's loopback and one core allow; a WebSocket server can only
// come close. Bytes read are written straight back from the loop's one
// receive buffer; what the socket will not take waits in a per-connection
// buffer, and reading pauses until it drains.
//
//   tcp-echo PORT
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Connection {
    std::vector<char> pending;  // bytes the socket did not take yet
    bool open = false;
};

volatile std::sig_atomic_t interrupted = 0;
std::vector<Connection> connections;  // indexed by fd
char buffer[256 * 1024];              // the one receive buffer of the loop

void close_connection(int epfd, int fd) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    connections[fd] = Connection{};
}

// Writes what is pending; true when nothing is left.
bool flush(int fd, Connection& c, bool& dead) {
    size_t off = 0;
    while (off < c.pending.size()) {
        ssize_t n = send(fd, c.pending.data() + off, c.pending.size() - off, MSG_NOSIGNAL);
        if (n > 0) { off += static_cast<size_t>(n); continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        dead = true;
        return false;
    }
    c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<long>(off));
    return c.pending.empty();
}

// Reads until EAGAIN, echoing as it goes; stops reading while output is stuck.
void service(int epfd, int fd) {
    Connection& c = connections[fd];
    bool dead = false;
    if (!c.pending.empty() && !flush(fd, c, dead)) {
        if (dead) close_connection(epfd, fd);
        return;  // still blocked: EPOLLOUT will bring us back
    }
    for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n == 0) { close_connection(epfd, fd); return; }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            close_connection(epfd, fd);
            return;
        }
        // Straight from the receive buffer; only what the socket refuses is kept.
        ssize_t sent = 0;
        while (sent < n) {
            ssize_t w = send(fd, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
            if (w > 0) { sent += w; continue; }
            if (w < 0 && errno == EINTR) continue;
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            close_connection(epfd, fd);
            return;
        }
        if (sent < n) {
            c.pending.assign(buffer + sent, buffer + n);
            return;  // the rest goes out on EPOLLOUT; unread input waits in the kernel
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const int port = argc > 1 ? std::atoi(argv[1]) : 9001;
    std::signal(SIGINT, [](int) { interrupted = 1; });
    std::signal(SIGTERM, [](int) { interrupted = 1; });

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, 4096) < 0) {
        std::perror("tcp-echo: bind/listen");
        return 1;
    }
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    std::printf("tcp-echo: listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);

    epoll_event events[512];
    while (!interrupted) {
        int n = epoll_wait(epfd, events, 512, 200);
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd != lfd) { service(epfd, fd); continue; }
            for (;;) {
                int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) break;  // EAGAIN, or out of fds: try on the next wake-up
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                if (static_cast<size_t>(cfd) >= connections.size()) connections.resize(cfd * 2 + 1);
                connections[cfd].open = true;
                epoll_event cev{};
                cev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
                cev.data.fd = cfd;
                epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
            }
        }
    }
    for (size_t fd = 0; fd < connections.size(); ++fd)
        if (connections[fd].open) close(static_cast<int>(fd));
    close(lfd);
    close(epfd);
    return 0;
}
