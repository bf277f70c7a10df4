# wsserver: every entry point of the project.
#
#   make / make all     build the library, the server and the test binaries
#   make run            install missing packages, build, start the server
#   make test           install missing packages, build, run the whole suite
#   make deps           install missing Debian packages (and npm test deps)
#   make bench          install missing packages, build, run the microbenchmarks
#   make fuzz           install missing packages, build, run every libFuzzer harness
#                       for FUZZ_SECONDS (60) each
#   make clean          remove build/
#
#   SANITIZE=1          AddressSanitizer + UBSan, in build/sanitize/
#   SANITIZE=thread     ThreadSanitizer, in build/tsan/
#   NATIVE=1            -march=native (the default build is portable x86-64)
#   BUILD=dir           build somewhere else (parallel builds in one tree)

CXX      ?= g++
# Every build is parallel (2 cores here); `make -j1` still overrides.
MAKEFLAGS += -j$(shell nproc)
SANITIZE ?= 0
NATIVE   ?= 0

ifeq ($(SANITIZE),1)
  BUILD    ?= build/sanitize
  OPTFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
  LDSAN    := -fsanitize=address,undefined
else ifeq ($(SANITIZE),thread)
  BUILD    ?= build/tsan
  OPTFLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
  LDSAN    := -fsanitize=thread
else
  BUILD    ?= build
  OPTFLAGS := -O2 -g
  LDSAN    :=
endif
ifeq ($(NATIVE),1)
  OPTFLAGS += -march=native
endif

CXXFLAGS := -std=c++20 $(OPTFLAGS) -Wall -Wextra -Werror -pthread -I. -MMD -MP
LDFLAGS  := $(LDSAN) -pthread
LIBS     := -lssl -lcrypto -luring

LIB_SRCS         := $(wildcard core/*.cpp net/*.cpp ws/*.cpp tls/*.cpp)
# The chat room (/chat): an application on the library, linked into the server.
CHAT_SRCS        := $(wildcard tools/chat/*.cpp)
UNIT_TEST_SRCS   := $(wildcard tests/core/*.cpp tests/net/*.cpp tests/ws/*.cpp tests/chat/*.cpp tests/tls/*.cpp)
SUPPORT_SRCS     := $(wildcard tests/support/*.cpp)
CONFORMANCE_SRCS := $(wildcard tests/conformance/*.cpp)

obj = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(1))

LIB         := $(BUILD)/libwsserver.a
SERVER      := $(BUILD)/wsserver
UNIT_TESTS  := $(BUILD)/unit_tests
CONFORMANCE := $(BUILD)/conformance_tests
WSLOAD      := $(BUILD)/wsload
WSCAT       := $(BUILD)/wscat
# The client's conformance suite: ws::Client against crafted servers.
CLIENT_CONFORMANCE_SRCS := $(wildcard tests/client_conformance/*.cpp)
CLIENT_CONFORMANCE      := $(BUILD)/client_conformance_tests
# Interop driver: ws::BlockingClient against servers written elsewhere.
CLIENT_INTEROP := $(BUILD)/client_interop

.PHONY: all run test deps clean unit conformance interop
.DEFAULT_GOAL := all

all: $(SERVER) $(UNIT_TESTS) $(CONFORMANCE) $(WSLOAD) $(WSCAT) $(CLIENT_CONFORMANCE) \
     $(CLIENT_INTEROP)

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(SERVER): $(call obj,tools/wsserver.cpp $(CHAT_SRCS)) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -o $@

# The load generator: tools/wsload.cpp (main) and its tools/wsload_*.cpp parts.
$(WSLOAD): $(call obj,$(wildcard tools/wsload*.cpp)) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -o $@

# The interactive client: tools/wscat.cpp (main) and its tools/wscat_*.cpp parts.
$(WSCAT): $(call obj,$(wildcard tools/wscat*.cpp)) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -o $@

$(CLIENT_CONFORMANCE): $(call obj,$(CLIENT_CONFORMANCE_SRCS) $(SUPPORT_SRCS)) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -lgtest -lgtest_main -o $@

$(CLIENT_INTEROP): $(call obj,tests/interop/client_interop.cpp) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -o $@

$(UNIT_TESTS): $(call obj,$(UNIT_TEST_SRCS) $(SUPPORT_SRCS) $(CHAT_SRCS)) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -lgtest -lgtest_main -o $@

$(CONFORMANCE): $(call obj,$(CONFORMANCE_SRCS) $(SUPPORT_SRCS)) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -lgtest -lgtest_main -o $@

deps:
	@bash tools/install_deps.sh

# A throwaway CA and a localhost certificate (SAN localhost, 127.0.0.1) signed
# by it, in $(BUILD)/cert/ (ca.pem, ca.key, cert.pem, key.pem), for wss://
# by hand; kept when already there (tools/make_cert.sh).
.PHONY: cert
cert:
	@bash tools/make_cert.sh $(BUILD)/cert

run: deps
	@$(MAKE) --no-print-directory $(SERVER)
	$(SERVER) $(ARGS)

# The whole suite: unit tests, the raw-byte conformance suite against the real
# server, then interop with clients written elsewhere (python3-websockets, ws).
test: deps
	@$(MAKE) --no-print-directory all fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) bash tests/run_all.sh $(BUILD)

unit: $(UNIT_TESTS)
	$(UNIT_TESTS)

conformance: $(SERVER) $(CONFORMANCE) $(WSLOAD)
	WSSERVER=$(SERVER) $(CONFORMANCE)

interop: $(SERVER)
	@bash tests/interop/run.sh $(SERVER)

# Microbenchmarks (bench/*.cpp, Google Benchmark): pinned to CPU 1 when taskset
# and a second CPU exist, each benchmark repeated 5 times and reported as
# mean/median/stddev/cv; Google Benchmark's JSON goes to $(BENCH_JSON), then
# bench/summarize.py prints the medians and the target ratios (docs/BENCHMARKS.md).
# BENCH_ARGS=... adds flags, e.g. BENCH_ARGS=--benchmark_filter=Utf8.
BENCH_SRCS  := $(wildcard bench/*.cpp)
BENCH       := $(BUILD)/bench/micro_bench
BENCH_JSON  := $(BUILD)/bench/micro.json
BENCH_PIN   := $(shell [ "$$(nproc)" -gt 1 ] && command -v taskset >/dev/null && echo taskset -c 1)
BENCH_FLAGS := --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
               --benchmark_min_time=0.1
.PHONY: bench

$(BENCH): $(call obj,$(BENCH_SRCS)) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ $(LIBS) -lbenchmark -lpthread -o $@

bench: deps
	@$(MAKE) --no-print-directory $(BENCH)
	$(BENCH_PIN) $(BENCH) $(BENCH_FLAGS) $(BENCH_ARGS) \
	  --benchmark_out=$(BENCH_JSON) --benchmark_out_format=json
	@/usr/bin/python3 bench/summarize.py $(BENCH_JSON)

# Fuzzing (libFuzzer, clang): one harness per tests/fuzz/<name>.cpp, each
# linked with core/ and ws/ built again with the fuzzing flags in a tree of
# their own, $(FUZZ_BUILD)/obj (an archive: a harness pulls in only what it
# calls, so ws/websocket.o and ws/server.o, and with them net/, stay out).
# `make fuzz` runs each for FUZZ_SECONDS on a copy of its seeds
# (tests/fuzz/run.sh); `make test` runs each for 3 s (its stage `fuzz`).
# The library is built without -Werror here: g++ -Werror judges it already,
# and a clang-only warning in it should not stop the fuzzing.
FUZZ_CXX      ?= clang++
FUZZ_BUILD    := build/fuzz
FUZZ_SECONDS  ?= 60
FUZZ_FLAGS    := -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined \
                 -fno-sanitize-recover=undefined -Wall -Wextra -pthread -I. -MMD -MP
FUZZ_SRCS     := $(wildcard tests/fuzz/*.cpp)
FUZZ_LIB_SRCS := $(wildcard core/*.cpp ws/*.cpp tls/*.cpp) tools/chat/protocol.cpp
FUZZ_LIB      := $(FUZZ_BUILD)/libwsserver_fuzz.a
FUZZ_TARGETS  := $(patsubst tests/fuzz/%.cpp,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
fuzz_obj       = $(patsubst %.cpp,$(FUZZ_BUILD)/obj/%.o,$(1))
.PHONY: fuzz fuzz-build

$(FUZZ_BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -c $< -o $@

$(call fuzz_obj,$(FUZZ_SRCS)): FUZZ_FLAGS += -Werror

$(FUZZ_LIB): $(call fuzz_obj,$(FUZZ_LIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_TARGETS): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $^ $(LIBS) -o $@

fuzz-build: $(FUZZ_TARGETS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The peer comparison (bench/compare.py): our server, five peer echo servers
# (bench/peers/, built from Debian packages by bench/peers/build.sh) and a
# plain-TCP ceiling, each under wsload with the server on core 0 and wsload on
# core 1; table, CSV and chart in $(BUILD)/compare/. bench/peers/install.sh
# installs the peers' packages. COMPARE_ARGS=... adds flags (--help lists them).
.PHONY: compare peers

peers:
	@bash bench/peers/install.sh
	@bash bench/peers/build.sh $(BUILD)/peers

compare: deps
	@$(MAKE) --no-print-directory peers $(SERVER) $(WSLOAD)
	@/usr/bin/python3 bench/compare.py --build $(BUILD) $(COMPARE_ARGS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
