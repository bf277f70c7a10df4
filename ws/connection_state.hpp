// ConnectionState: one object of the application's own type, attached to a
// connection by its route's upgrade hook and reached from every handler
// through WebSocket::state<T>() — no map from connections to their data, and
// no lookup beyond one pointer comparison that checks the type.
//
// Storage: an object of up to inline_capacity bytes (and no stricter
// alignment than max_align_t) lives inside the WebSocket itself, allocated
// with it; a larger one takes one allocation at the upgrade. It is destroyed
// with the connection (or by reset()), whichever way the connection ends,
// so a destructor is the place to release what it holds (a nick, a lease).
// It runs when the socket is closed (WebSocket::on_disconnect), after
// on_close; it must not use the WebSocket.
//
// emplace gives the basic guarantee: what was held is destroyed first, so
// if T's constructor throws, nothing is held. (An upgrade hook must not
// throw: the loop treats an escaping exception as fatal.)
//
// Thread safety: none; it is the connection's, on the connection's loop.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace ws {

class ConnectionState {
 public:
  static constexpr std::size_t inline_capacity = 96;

  ConnectionState() = default;
  ConnectionState(const ConnectionState&) = delete;
  ConnectionState& operator=(const ConnectionState&) = delete;
  ~ConnectionState() { reset(); }

  // Replaces what is held by a T built from `args`.
  template <class T, class... Args>
  T& emplace(Args&&... args) {
    static_assert(std::is_same_v<T, std::decay_t<T>>, "attach a plain object type");
    reset();
    T* object;
    if constexpr (fits_inline<T>()) {
      object = ::new (static_cast<void*>(inline_)) T(std::forward<Args>(args)...);
      destroy_ = [](void* p) noexcept { static_cast<T*>(p)->~T(); };
    } else {
      object = new T(std::forward<Args>(args)...);
      destroy_ = [](void* p) noexcept { delete static_cast<T*>(p); };
    }
    object_ = object;
    type_ = &type_tag<T>;
    return *object;
  }

  // The object if it is a T, else nullptr (nothing attached, or another type).
  template <class T>
  T* get() noexcept {
    return type_ == &type_tag<T> ? static_cast<T*>(object_) : nullptr;
  }
  template <class T>
  const T* get() const noexcept {
    return type_ == &type_tag<T> ? static_cast<const T*>(object_) : nullptr;
  }

  bool empty() const noexcept { return object_ == nullptr; }

  void reset() noexcept {
    if (!object_) return;
    void* object = std::exchange(object_, nullptr);
    type_ = nullptr;
    destroy_(object);  // inline or heap: destroy_ knows which
  }

 private:
  // One address per type, the same in every translation unit (an inline
  // variable has one definition): the type check without RTTI. Not const,
  // so that no linker folds two types' tags into one.
  template <class T>
  static inline char type_tag = 0;

  template <class T>
  static constexpr bool fits_inline() {
    return sizeof(T) <= inline_capacity && alignof(T) <= alignof(std::max_align_t);
  }

  // The owner of object_ is this class: destroy_ ends it, in place or on the heap.
  alignas(std::max_align_t) std::byte inline_[inline_capacity];
  void* object_ = nullptr;
  const char* type_ = nullptr;  // &type_tag<T> of what is held
  void (*destroy_)(void*) noexcept = nullptr;
};

}  // namespace ws
