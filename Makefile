# pg_learn: PGXS build
MODULE_big = pg_learn
OBJS = \
	src/pg_learn.o \
	src/linear.o \
	src/catalog.o \
	src/keys.o \
	src/train.o \
	src/predict.o \
	src/numeric/linalg.o \
	src/numeric/distributions.o

EXTENSION = pg_learn
DATA = pg_learn--0.1.sql pg_learn--0.1--0.2.sql
PGFILEDESC = "pg_learn - machine learning inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=pg_learn
TAP_TESTS = 1
PROVE_TESTS = tests/t/*.pl

PG_CPPFLAGS = -I$(srcdir)/src -std=gnu11 -Wall -Werror
# distributions.c keeps extra precision with explicit fma(); no implicit contraction
PG_CFLAGS = -ffp-contract=off
SHLIB_LINK = -llapacke -lopenblas -lm

# rebuild objects when a header they include changes
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# the numeric layer alone, against R's values
.PHONY: unitcheck
unitcheck:
	$(CC) -std=c11 -O2 -Wall -Werror -Isrc/numeric -o tests/unit/test_distributions \
		tests/unit/test_distributions.c src/numeric/distributions.c -lm
	tests/unit/test_distributions tests/unit/distributions_ref.csv

EXTRA_CLEAN = tests/unit/test_distributions results regression.diffs regression.out tmp_check
