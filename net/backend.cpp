#include "net/backend.hpp"

#include <sys/socket.h>

#include "net/syscalls.hpp"

namespace net {

ssize_t send_now(int fd, std::span<const iovec> pieces) noexcept {
  if (pieces.size() == 1)  // the common case: a plain send, as cheap as ever
    return sys::send(fd, pieces[0].iov_base, pieces[0].iov_len, MSG_NOSIGNAL);
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(pieces.data());  // msghdr is not const
  message.msg_iovlen = pieces.size();
  return sys::sendmsg(fd, &message, MSG_NOSIGNAL);
}

}  // namespace net
