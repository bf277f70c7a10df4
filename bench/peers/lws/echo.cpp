// libwebsockets echo server for the peer comparison, in the style of lws's
// own minimal-ws-server-echo: one protocol callback, a per-session queue of
// received fragments (lws may deliver a message in pieces), written back one
// lws_write() per LWS_CALLBACK_SERVER_WRITEABLE with the same first/final
// flags, and rx flow control when the queue grows. One context, one service
// thread (count_threads = 1). No extensions, so no compression.
// Text is echoed as text, binary as binary.
//
//   lws-echo PORT
#include <libwebsockets.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

namespace {

constexpr size_t kQueueHigh = 64;  // fragments queued before reading pauses
constexpr size_t kQueueLow = 8;    // ... and resumes

struct Fragment {
    std::vector<unsigned char> bytes;  // LWS_PRE bytes of headroom, then the payload
    int flags;                         // lws_write_ws_flags(): opcode, first, final
};

struct Session {
    std::deque<Fragment> queue;
    bool paused = false;
};

// lws keeps per_session_data_size bytes per connection; ours is a pointer.
struct SessionSlot {
    Session* session;
};

volatile std::sig_atomic_t interrupted = 0;

int callback_echo(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* slot = static_cast<SessionSlot*>(user);
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        slot->session = new Session;
        break;

    case LWS_CALLBACK_CLOSED:
        delete slot->session;
        slot->session = nullptr;
        break;

    case LWS_CALLBACK_RECEIVE: {
        Session* s = slot->session;
        Fragment f;
        f.bytes.resize(LWS_PRE + len);
        if (len) std::memcpy(f.bytes.data() + LWS_PRE, in, len);
        f.flags = lws_write_ws_flags(lws_frame_is_binary(wsi) ? LWS_WRITE_BINARY : LWS_WRITE_TEXT,
                                     lws_is_first_fragment(wsi), lws_is_final_fragment(wsi));
        s->queue.push_back(std::move(f));
        if (s->queue.size() >= kQueueHigh && !s->paused) {
            s->paused = true;
            lws_rx_flow_control(wsi, 0);
        }
        lws_callback_on_writable(wsi);
        break;
    }

    case LWS_CALLBACK_SERVER_WRITEABLE: {
        Session* s = slot->session;
        if (!s || s->queue.empty()) break;
        Fragment& f = s->queue.front();
        const size_t n = f.bytes.size() - LWS_PRE;
        if (lws_write(wsi, f.bytes.data() + LWS_PRE, n, static_cast<lws_write_protocol>(f.flags)) <
            static_cast<int>(n))
            return -1;  // the connection is closed
        s->queue.pop_front();
        if (s->paused && s->queue.size() <= kQueueLow) {
            s->paused = false;
            lws_rx_flow_control(wsi, 1);
        }
        if (!s->queue.empty()) lws_callback_on_writable(wsi);
        break;
    }

    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

// The first protocol is the one a client that names none is bound to.
const lws_protocols protocols[] = {
    {"echo", callback_echo, sizeof(SessionSlot), 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

int main(int argc, char** argv) {
    const int port = argc > 1 ? std::atoi(argv[1]) : 9001;
    std::signal(SIGINT, [](int) { interrupted = 1; });
    std::signal(SIGTERM, [](int) { interrupted = 1; });
    lws_set_log_level(LLL_ERR, nullptr);

    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.count_threads = 1;
    info.options = 0;

    lws_context* context = lws_create_context(&info);
    if (!context) {
        std::fprintf(stderr, "lws: lws_create_context failed\n");
        return 1;
    }
    std::printf("lws: listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);
    while (!interrupted && lws_service(context, 0) >= 0) {
    }
    lws_context_destroy(context);
    return 0;
}
