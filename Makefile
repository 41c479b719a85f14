# Serviceportal Emscher-Lippe - build, site, tests, benchmarks.
# `make site` and `make test` install missing Debian/npm packages first
# (through `make deps`, which only installs what `dpkg -s` says is missing).

CC      ?= cc
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
PKGS     = libcmark yaml-0.1 libcurl libgit2 sqlite3 libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Shared by generator and relay: the catalogue loader and model.
COMMON_SRC = $(sort $(wildcard generator/util/*.c generator/load/*.c generator/model/*.c))
# The generator without its main(), so tests can link it.
GEN_SRC    = $(sort $(wildcard generator/render/*.c generator/write/*.c generator/git/*.c generator/serve/*.c))
RELAY_SRC  = $(sort $(wildcard relay/*/*.c))
UNIT_SRC   = $(sort $(wildcard tests/unit/*.c))

# One object tree per flavour: build/rel (bin/) and build/asan (bin/asan/).
objs = $(patsubst %.c,build/$(1)/%.o,$(2))

BINS      = bin/sitegen bin/relayd bin/relayctl
ASAN_BINS = $(patsubst bin/%,bin/asan/%,$(BINS))
UNIT_BINS = $(patsubst tests/unit/%.c,bin/asan/tests/%,$(UNIT_SRC))

.PHONY: all deps site test test-asan check-deps bench bench-relay clean
all: $(BINS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<
build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

bin/sitegen: $(call objs,rel,generator/sitegen.c $(GEN_SRC) $(COMMON_SRC))
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
bin/relayd: $(call objs,rel,relay/relayd.c $(RELAY_SRC) $(COMMON_SRC) $(GEN_SRC))
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
bin/relayctl: $(call objs,rel,relay/relayctl.c $(RELAY_SRC) $(COMMON_SRC) $(GEN_SRC))
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bin/asan/sitegen: $(call objs,asan,generator/sitegen.c $(GEN_SRC) $(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
bin/asan/relayd: $(call objs,asan,relay/relayd.c $(RELAY_SRC) $(COMMON_SRC) $(GEN_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
bin/asan/relayctl: $(call objs,asan,relay/relayctl.c $(RELAY_SRC) $(COMMON_SRC) $(GEN_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
bin/asan/tests/%: $(call objs,asan,tests/unit/%.c $(GEN_SRC) $(RELAY_SRC) $(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# Driver for bench/history.sh: times the git history walk.
bin/history-bench: $(call objs,rel,bench/history_bench.c $(GEN_SRC) $(COMMON_SRC))
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Installs only what is missing; a no-op on a prepared machine.
deps:
	@sh tests/deps.sh install

check-deps:
	@sh tests/deps.sh check >/dev/null 2>&1 || sh tests/deps.sh install

# The main job: all 14 portals from content/ into site/ (atomic swap).
site: check-deps
	@$(MAKE) --no-print-directory bin/sitegen
	./bin/sitegen build --content content --themes themes --out site

# The whole suite runs against the ASan/UBSan build.
test: check-deps
	@$(MAKE) --no-print-directory $(BINS) $(ASAN_BINS) $(UNIT_BINS)
	@sh tests/run

bench: check-deps
	@$(MAKE) --no-print-directory $(BINS)
	@sh bench/run

bench-relay: check-deps
	@$(MAKE) --no-print-directory $(BINS)
	@sh bench/relay.sh

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
