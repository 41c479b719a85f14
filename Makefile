# Serviceportal Emscher-Lippe - build, site, tests, benchmarks.
# `make site` and `make test` install missing Debian/npm packages first
# (through `make deps`, which only installs what `dpkg -s` says is missing).

CC      ?= cc
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
PKGS     = libcmark yaml-0.1 libcurl libgit2 zlib sqlite3 libmicrohttpd libpq libsodium cjose jansson
# libpq's .pc is in libpq-dev; without pkg-config's answer, Debian's paths
PKG_CFLAGS := $(or $(shell pkg-config --cflags $(PKGS) 2>/dev/null),-I/usr/include/postgresql)
PKG_LIBS   := $(or $(shell pkg-config --libs $(PKGS) 2>/dev/null),-lcmark -lyaml -lcurl -lgit2 -lz -lsqlite3 -lmicrohttpd -lpq -lsodium -lcjose -lcrypto -ljansson)
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread -lm
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Include paths: "util/buf.h", "model/catalog.h", "render/render_form.h"
# (generator/), "store/store.h", "deliver/mail.h" (relay/).
CFLAGS  += -Igenerator -Irelay

# The code is linked from four static archives, so each binary holds only
# what it uses (tests/t-link-deps checks it with nm):
#   libcatalog.a  util, load, model: the catalogue and every domain fact
#                 (sitegen, relayd, relayctl)
#   librender.a   Mustache, Markdown, page data, forms, the pages relayd
#                 renders itself (sitegen, relayd)
#   libsite.a     building the whole site: site plan, cache keys, feeds,
#                 output writer, git source and history, preview server
#                 (sitegen only)
#   librelay.a    receive, validate, store, deliver, admin, config
#                 (relayd, relayctl)
CATALOG_SRC = $(sort $(wildcard generator/util/*.c generator/load/*.c generator/model/*.c))
SITE_ONLY   = generator/render/site.c generator/render/cachekey.c generator/render/feed.c
RENDER_SRC  = $(filter-out $(SITE_ONLY),$(sort $(wildcard generator/render/*.c)))
SITE_SRC    = $(SITE_ONLY) $(sort $(wildcard generator/write/*.c generator/git/*.c generator/serve/*.c))
RELAY_SRC   = $(sort $(wildcard relay/*/*.c))
UNIT_SRC    = $(sort $(wildcard tests/unit/*.c))

# One object tree per flavour: build/rel (bin/) and build/asan (bin/asan/).
objs = $(patsubst %.c,build/$(1)/%.o,$(2))
# Archives in link order: a library before the ones it uses.
libs = $(patsubst %,build/$(1)/lib%.a,$(2))

BINS      = bin/sitegen bin/relayd bin/relayctl
ASAN_BINS = $(patsubst bin/%,bin/asan/%,$(BINS))
UNIT_BINS = $(patsubst tests/unit/%.c,bin/asan/tests/%,$(UNIT_SRC))

.PHONY: all deps site test test-asan check-deps bench bench-relay fuzz fuzz-bins clean
all: $(BINS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<
build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

# The fuzz flavour (build/fuzz/, bin/fuzz/): clang with libFuzzer's
# coverage instrumentation and ASan/UBSan; see tests/fuzz/README.md.
FUZZ_CC      = clang
FUZZ_SAN     = -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = http http_store serve fingerprint stage yaml_catalog mustache markdown config admin mail search payment formbody oidc packread yamlcache sitecache statcache refquick gitobj
FUZZ_BINS    = $(patsubst %,bin/fuzz/fuzz_%,$(FUZZ_TARGETS))
# Harnesses find tests/fixtures and themes/ here unless $$FUZZ_ROOT is set.
build/fuzz/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-DFUZZ_ROOT='"$(CURDIR)"' -MMD -MP -c -o $@ $<
build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

# $(1): flavour (rel, asan, fuzz)
define archives
build/$(1)/libcatalog.a: $(call objs,$(1),$(CATALOG_SRC))
build/$(1)/librender.a: $(call objs,$(1),$(RENDER_SRC))
build/$(1)/libsite.a: $(call objs,$(1),$(SITE_SRC))
build/$(1)/librelay.a: $(call objs,$(1),$(RELAY_SRC))
endef
$(eval $(call archives,rel))
$(eval $(call archives,asan))
$(eval $(call archives,fuzz))
build/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

SITEGEN_LIBS  = site render catalog
RELAYD_LIBS   = relay render catalog
RELAYCTL_LIBS = relay catalog
TEST_LIBS     = site relay render catalog

# sitegen takes the four libraries every build uses (cmark, libyaml,
# libsodium, zlib) from their static archives, which the same Debian -dev
# packages hold: mapping and relocating them at each start was a
# millisecond of every build, a tenth of a no-change rebuild. A security
# update of one of them reaches sitegen with the next `make`; relayd, a
# daemon facing the network, keeps them shared.
SITEGEN_STATIC = -Wl,-Bstatic -lcmark -lyaml -lsodium -lz -Wl,-Bdynamic
# libgit2's parse of the system's CA certificates at its init bound to
# sitegen's own function of that name, which reads none (generator/git/gitutil.c)
SITEGEN_EXPORT = -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file

bin/sitegen: build/rel/generator/sitegen.o $(call libs,rel,$(SITEGEN_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(SITEGEN_STATIC) $(SITEGEN_EXPORT) $(LDLIBS)
bin/relayd: build/rel/relay/relayd.o $(call libs,rel,$(RELAYD_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
bin/relayctl: build/rel/relay/relayctl.o $(call libs,rel,$(RELAYCTL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bin/asan/sitegen: build/asan/generator/sitegen.o $(call libs,asan,$(SITEGEN_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(SITEGEN_EXPORT) $(LDLIBS)
bin/asan/relayd: build/asan/relay/relayd.o $(call libs,asan,$(RELAYD_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
bin/asan/relayctl: build/asan/relay/relayctl.o $(call libs,asan,$(RELAYCTL_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)
.SECONDARY: $(call objs,asan,$(UNIT_SRC))
bin/asan/tests/%: build/asan/tests/unit/%.o $(call libs,asan,$(TEST_LIBS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# One harness per input format, linked with only the archives it needs.
FUZZ_LIBS_http         = relay render catalog
FUZZ_LIBS_http_store   = relay render catalog
FUZZ_LIBS_serve        = site render catalog
FUZZ_LIBS_fingerprint  = site render catalog
FUZZ_LIBS_stage        = site render catalog
FUZZ_LIBS_yaml_catalog = catalog
FUZZ_LIBS_mustache     = render catalog
FUZZ_LIBS_markdown     = render catalog
FUZZ_LIBS_config       = relay catalog
FUZZ_LIBS_admin        = relay catalog
FUZZ_LIBS_mail         = relay catalog
FUZZ_LIBS_search       = render catalog
FUZZ_LIBS_payment      = relay catalog
FUZZ_LIBS_formbody     = relay catalog
FUZZ_LIBS_oidc         = relay catalog
FUZZ_LIBS_packread     = site catalog
FUZZ_LIBS_yamlcache    = catalog
FUZZ_LIBS_sitecache    = site render catalog
FUZZ_LIBS_statcache    = catalog
FUZZ_LIBS_refquick     = site catalog
FUZZ_LIBS_gitobj       = site catalog
.SECONDARY: $(patsubst %,build/fuzz/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS))
.SECONDEXPANSION:
bin/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o $$(call libs,fuzz,$$(FUZZ_LIBS_$$*))
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# Driver for bench/history.sh: times the git history walk.
bin/history-bench: build/rel/bench/history_bench.o $(call libs,rel,site render catalog)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Driver for bench/run: writes a built site's files from memory (the floor).
bin/write-floor: build/rel/bench/write_floor.o
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ -lpthread

# Driver for bench/run: times one build (wall, cpu, peak memory).
bin/bench-timeit: build/rel/bench/timeit.o
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^

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
# The fuzz harnesses are built when clang is there (tests/t-fuzz.sh says
# "not ok" when it is not).
HAVE_CLANG := $(shell command -v $(FUZZ_CC) 2>/dev/null)
test: check-deps
	@$(MAKE) --no-print-directory $(BINS) $(ASAN_BINS) $(UNIT_BINS) \
		$(if $(HAVE_CLANG),$(FUZZ_BINS))
	@sh tests/run

# Every harness for FUZZ_SECONDS (default 60) each, one after the other:
# executions, coverage and crashes per target; non-zero on any finding.
fuzz-bins: $(FUZZ_BINS)
fuzz: check-deps
	@$(MAKE) --no-print-directory fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

bench: check-deps
	@$(MAKE) --no-print-directory $(BINS) bin/write-floor bin/bench-timeit
	@sh bench/run

bench-relay: check-deps
	@$(MAKE) --no-print-directory $(BINS)
	@sh bench/relay.sh

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
