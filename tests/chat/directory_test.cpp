// tests/chat/directory_test.cpp: the shared directory of nicks and rooms
// (tools/chat/directory.hpp): a nick has one holder at a time and is free
// again when its claim ends; rooms list their members and vanish empty;
// claims from many threads at once never give one nick twice.
#include "tools/chat/directory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace {

TEST(ChatDirectory, ANickHasOneHolderUntilItsClaimEnds) {
  chat::ChatDirectory directory;
  {
    auto alice = directory.claim("alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->nick(), "alice");
    EXPECT_FALSE(directory.claim("alice"));
    EXPECT_TRUE(directory.is_online("alice"));
    EXPECT_FALSE(directory.claim("ALICE")) << "unique regardless of case";
    EXPECT_EQ(directory.online_name("aLiCe"), "alice") << "shown as its holder wrote it";
    auto moved = std::move(*alice);
    EXPECT_EQ(directory.online_count(), 1u) << "moving a claim does not release it";
  }
  EXPECT_FALSE(directory.is_online("alice"));
  EXPECT_TRUE(directory.claim("Alice"));
}

TEST(ChatDirectory, ReleaseFreesTheNickEarlyAndOnce) {
  chat::ChatDirectory directory;
  auto alice = directory.claim("alice");
  alice->release();
  EXPECT_EQ(alice->nick(), "alice");
  auto again = directory.claim("alice");
  EXPECT_TRUE(again);
  alice.reset();  // the old claim's destructor must not free the new holder's nick
  EXPECT_TRUE(directory.is_online("alice"));
}

TEST(ChatDirectory, RoomsListMembersSortedAndVanishWhenEmpty) {
  chat::ChatDirectory directory;
  EXPECT_TRUE(directory.join("dev", "bob"));
  EXPECT_TRUE(directory.join("dev", "alice"));
  EXPECT_FALSE(directory.join("dev", "alice"));
  EXPECT_EQ(directory.members("dev"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(directory.members("ops").empty());
  directory.leave("dev", "alice");
  directory.leave("dev", "carol");  // not a member: nothing happens
  EXPECT_EQ(directory.members("dev"), (std::vector<std::string>{"bob"}));
  directory.leave("dev", "bob");
  EXPECT_EQ(directory.room_count(), 0u);
}

TEST(ChatDirectory, RacingClaimsGiveEachNickOnce) {
  chat::ChatDirectory directory;
  constexpr int nicks = 1000;
  std::vector<std::vector<chat::NickClaim>> held(8);  // what each thread won, kept
  std::vector<std::thread> threads;
  for (auto& mine : held)
    threads.emplace_back([&directory, &mine] {
      for (int i = 0; i < nicks; ++i)
        if (auto claim = directory.claim("nick" + std::to_string(i)))
          mine.push_back(std::move(*claim));
    });
  for (auto& thread : threads) thread.join();
  std::size_t won = 0;
  for (const auto& mine : held) won += mine.size();
  EXPECT_EQ(won, std::size_t{nicks}) << "a nick went to two threads, or to none";
  EXPECT_EQ(directory.online_count(), std::size_t{nicks});
  held.clear();
  EXPECT_EQ(directory.online_count(), 0u);
}

}  // namespace
