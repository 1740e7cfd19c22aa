--
-- The fuzzer's direct calls (tests/fuzz/targeted.sql) under valgrind: odd
-- arguments to every learn.* function, crafted and mutated states.  Slow,
-- so not among the default scenarios:
--
--   scripts/valgrind.sh --no-suite tests/valgrind/slow/fuzz_targeted.sql
--
\i tests/fuzz/setup.sql
\set seed 5
\set iterations 400
\i tests/fuzz/targeted.sql
