#include "tools/wsload_tls.hpp"

namespace wsload {

std::shared_ptr<const tls::Context> make_client_context(const LoadOptions& options,
                                                        std::string& error) {
  tls::ClientOptions client;
  client.ca_file = options.ca_file;
  client.verify = !options.insecure;
  return tls::Context::client(client, error);
}

std::string TimedSession::failure() const {
  if (session_->handshake_done()) return {};
  if (!session_->last_error().empty())
    return "TLS handshake failed: " + std::string(session_->last_error());
  if (wire_received_ > 0) return "connection ended during the TLS handshake";
  return {};
}

}  // namespace wsload
