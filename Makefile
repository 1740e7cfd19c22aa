# pg_learn: PGXS build
MODULE_big = pg_learn
OBJS = \
	src/pg_learn.o \
	src/args.o \
	src/family.o \
	src/models/linear.o \
	src/models/glm.o \
	src/models/linpred.o \
	src/state/irls.o \
	src/state/lsq.o \
	src/state/trans.o \
	src/state/groups.o \
	src/state/rolling.o \
	src/catalog.o \
	src/keys.o \
	src/levels.o \
	src/exprs.o \
	src/passparam.o \
	src/train.o \
	src/predict.o \
	src/evaluate.o \
	src/shards.o \
	src/transfer.o \
	src/metrics.o \
	src/numeric/linalg.o \
	src/numeric/lapack.o \
	src/numeric/distributions.o \
	src/numeric/radix.o

EXTENSION = pg_learn
DATA = pg_learn--0.1.sql pg_learn--0.1--0.2.sql pg_learn--0.2--0.3.sql \
	pg_learn--0.3--0.4.sql pg_learn--0.4--0.5.sql pg_learn--0.5--0.6.sql \
	pg_learn--0.6--0.7.sql pg_learn--0.7--0.8.sql pg_learn--0.8--0.9.sql
PGFILEDESC = "pg_learn - machine learning inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=pg_learn
TAP_TESTS = 1
PROVE_TESTS = tests/t/*.pl

# Warnings are errors in CI and development builds (make WERROR=1), not in
# a user's plain "make", which a newer compiler's new warning must not break.
WERROR_FLAG = $(if $(filter 1 yes,$(WERROR)),-Werror)
PG_CPPFLAGS = -I$(srcdir)/src -std=gnu11 -Wall $(WERROR_FLAG)
# distributions.c keeps extra precision with explicit fma(); no implicit contraction
PG_CFLAGS = -ffp-contract=off

# Serial OpenBLAS: the threaded one starts its threads when it is loaded,
# before _PG_init could stop them, and parallelism comes from PostgreSQL's
# workers.  Debian installs each OpenBLAS flavour in a directory of its own;
# LAPACKE's own libblas.so.3 and liblapack.so.3 come from the same directory
# through an RPATH (not RUNPATH: only RPATH also serves the dependencies of
# dependencies), whatever update-alternatives chose for the system.  The
# library opens LAPACKE and OpenBLAS itself on first use (src/numeric/lapack.c:
# loading them costs a process 10-30 ms): --as-needed leaves them out of its
# dependencies, while linking against them still fails the build early when
# they are missing.
SHLIB_LINK = $(if $(BLAS_DIR),-L$(BLAS_DIR) -Wl$(comma)--disable-new-dtags$(comma)-rpath$(comma)$(BLAS_DIR)) \
	-Wl,--as-needed -llapacke -lopenblas -Wl,--no-as-needed -lm

# Only the C functions the SQL scripts name, their info records and the
# module's magic and init functions leave the library: PostgreSQL loads it
# with RTLD_GLOBAL, where any other exported name could capture another
# library's symbol.
EXPORTS_MAP = pg_learn.map
SHLIB_LINK += -Wl,--version-script=$(EXPORTS_MAP)

# rebuild objects when a header they include changes
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BLAS_DIR ?= $(firstword $(wildcard /usr/lib/$(MULTIARCH)/openblas-serial))

comma := ,

# every PG_FUNCTION_INFO_V1(name) exports name and pg_finfo_name
exported_functions = $(shell sed -n 's/^PG_FUNCTION_INFO_V1(\([A-Za-z0-9_]*\));.*/\1/p' $(OBJS:.o=.c) | sort -u)
exported_symbols = Pg_magic_func _PG_init $(exported_functions) $(addprefix pg_finfo_,$(exported_functions))

$(EXPORTS_MAP): $(OBJS:.o=.c) Makefile
	{ echo '{'; echo '  global:'; \
	  for s in $(sort $(exported_symbols)); do echo "    $$s;"; done; \
	  echo '  local: *;'; echo '};'; } >$@

$(shlib): $(EXPORTS_MAP)

# Objects are rebuilt when what they were built with changes: WERROR (so a
# strict build really compiles strictly), the PostgreSQL major version and
# the BLAS.
BUILD_FLAGS = .build-flags
$(OBJS): $(BUILD_FLAGS)
.PHONY: force
$(BUILD_FLAGS): force
	@echo '$(MAJORVERSION) $(WERROR_FLAG) $(BLAS_DIR)' | cmp -s - $@ || \
		echo '$(MAJORVERSION) $(WERROR_FLAG) $(BLAS_DIR)' >$@

# the numeric layer alone, against R's values
.PHONY: unitcheck
unitcheck:
	$(CC) -std=c11 -O2 -Wall $(WERROR_FLAG) -Isrc/numeric -o tests/unit/test_distributions \
		tests/unit/test_distributions.c src/numeric/distributions.c -lm
	tests/unit/test_distributions tests/unit/distributions_ref.csv

# The library exports exactly the symbols of the map, and every C function
# the install scripts name is among them.
.PHONY: exportcheck
exportcheck: $(shlib)
	nm -D --defined-only $(shlib) | awk '{ print $$NF }' | sort -u >exports.actual
	printf '%s\n' $(exported_symbols) | sort -u >exports.expected
	diff -u exports.expected exports.actual
	sed -n "s/.*'MODULE_PATHNAME', *'\([A-Za-z0-9_]*\)'.*/\1/p" $(DATA) | sort -u | \
		comm -23 - exports.actual >exports.missing
	@if [ -s exports.missing ]; then \
		echo "exportcheck: C functions named in the install scripts but not exported:"; \
		cat exports.missing; exit 1; fi
	@echo "exportcheck: $(shlib) exports $$(wc -l <exports.actual) symbols, as expected"
	rm -f exports.actual exports.expected exports.missing

EXTRA_CLEAN = tests/unit/test_distributions results regression.diffs regression.out tmp_check \
	$(EXPORTS_MAP) $(BUILD_FLAGS) exports.actual exports.expected exports.missing
