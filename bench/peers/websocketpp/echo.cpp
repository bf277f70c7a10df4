// websocketpp echo server for the peer comparison, as in websocketpp's own
// examples/echo_server: the asio_no_tls config (Boost.Asio), a message
// handler that sends the payload back with the same opcode, and run() on the
// one thread. No compression (the config has no permessage-deflate), logging
// off.
//
//   websocketpp-echo PORT
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>

using Server = websocketpp::server<websocketpp::config::asio>;

int main(int argc, char** argv) {
    const auto port = static_cast<uint16_t>(argc > 1 ? std::atoi(argv[1]) : 9001);
    Server server;
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio();
    server.set_reuse_addr(true);
    server.set_listen_backlog(4096);
    server.set_max_message_size(16 * 1024 * 1024);
    // TCP_NODELAY once the socket is accepted (Go, Node and Beast set it too).
    server.set_tcp_post_init_handler([&server](websocketpp::connection_hdl hdl) {
        boost::system::error_code ec;
        server.get_con_from_hdl(hdl)->get_socket().set_option(boost::asio::ip::tcp::no_delay(true), ec);
    });
    server.set_message_handler([&server](websocketpp::connection_hdl hdl, Server::message_ptr msg) {
        websocketpp::lib::error_code ec;
        server.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
    });

    boost::asio::signal_set signals(server.get_io_service(), SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { server.stop(); });

    server.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    server.start_accept();
    std::printf("websocketpp: listening on 127.0.0.1:%u\n", port);
    std::fflush(stdout);
    server.run();
    return 0;
}
