# Tiaojie: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
SHELL := bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Written after a successful install; newer than requirements.txt means nothing to do.
STAMP := $(VENV)/.requirements.stamp
HOST ?= 127.0.0.1
PORT ?= 8000

# The production stack used by `make test-stack` (and the database `make bench` fills).
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tiaojie_bench

# WeasyPrint (pango, harfbuzz), fonts for Chinese, gettext for translations, SoftHSM2 (the token holding the signing keys).
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-hanazono gettext softhsm2 coturn
# Browser tests drive Debian's chromium; PDF tests use pdfsig/pdffonts, qpdf --check and certutil.
TEST_DEBS := $(RUNTIME_DEBS) chromium poppler-utils qpdf libnss3-tools clamav

# The embedded default: no server URLs leak in from the caller's environment.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL

.PHONY: help install run worker test test-unit test-e2e test-stack test-faults lint fmt bench bench-assignment bench-chat bench-chat-flood bench-calls bench-settlement bench-signatures bench-stats bench-related bench-outbox bench-pdf-words bench-queue bench-crypto bench-audit bench-places bench-voice debs-runtime debs-test

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install the pinned requirements (skipped when unchanged)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

debs-runtime:
	@scripts/ensure-debs $(RUNTIME_DEBS)

debs-test:
	@scripts/ensure-debs $(TEST_DEBS)

run: debs-runtime install ## migrate, load the demo data and serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py init_pki
	BIN=$(BIN) scripts/with-trust $(PY) manage.py seed_demo
	@echo "API docs: http://$(HOST):$(PORT)/api/v1/docs/"
	@# daphne -b $(HOST) -p $(PORT) config.asgi:application, with a Celery worker and beat beside it
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) scripts/serve

worker: install ## only the Celery worker with beat (make run starts one already)
	@mkdir -p "$${TIAOJIE_VAR_DIR:-var}"
	$(BIN)/celery -A config worker -B -l info --schedule "$${TIAOJIE_VAR_DIR:-var}/celerybeat-schedule"

test: debs-test install ## the whole suite on the embedded default: unit tests, then browser tests
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-e2e

test-unit: install ## every test but the browser ones, on the embedded default
	$(EMBEDDED) $(BIN)/pytest -m "not e2e"

# Browser tests need their own pytest process (docs/decisions.md: sharing a run with the async tests
# breaks the event loop) and DJANGO_ALLOW_ASYNC_UNSAFE for the live server's database.
# Exit code 5 (no tests collected) passes only while tests/e2e holds no test files.
test-e2e: install ## the browser tests (chromium), in their own pytest run
	@rc=0; $(EMBEDDED) DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest tests/e2e -m e2e || rc=$$?; \
	if [ $$rc -eq 5 ] && [ -z "$$(find tests/e2e -name 'test_*.py' -o -name '*_test.py')" ]; then \
		echo "tests/e2e has no browser tests yet"; rc=0; \
	fi; exit $$rc

test-stack: install ## the non-browser suite on PostgreSQL and Redis (PG_URL, REDIS_URL), faults aside
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_URL) $(BIN)/pytest -m "not e2e and not faults"

# Real daphne and Celery processes, a redis-server of its own on a free port (PG_URL's server holds
# the suite's database); TIAOJIE_FAULTS_OUTAGE_SECONDS shortens the 60 s Redis outage.
test-faults: install ## the fault suite and its ledger: kills, Redis outages, nothing lost (PG_URL, REDIS_URL)
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_URL) $(BIN)/pytest tests/faults -m faults

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install ## fix what ruff can and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## list and queue latency on 100,000 disputes in PostgreSQL (BENCH_DATABASE_URL)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/lists.py

bench-stats: install ## cockpit figures (stats API and page) on 1,000,000 disputes (PostgreSQL)
	DATABASE_URL=$${STATS_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiaojie_stats_bench} $(PY) bench/stats.py

bench-related: install ## related-disputes list (service and API) on 1,000,000 disputes (PostgreSQL)
	DATABASE_URL=$${RELATED_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiaojie_related_bench} $(PY) bench/related.py

bench-assignment: install ## mediator ranking with 5,000 mediators and 200,000 disputes (PostgreSQL)
	$(PY) bench/assignment.py --layout city
	$(PY) bench/assignment.py --layout worst

bench-chat: install ## chat cost and loss: bare websockets beside daphne + Redis + PostgreSQL
	$(PY) bench/chat.py

bench-chat-flood: install ## other rooms' ack p99 while one user floods 1,000 frames/s (daphne + Redis + PostgreSQL)
	$(PY) bench/chat_flood.py

bench-calls: install ## call signalling: ICE relay latency and CPU, an ICE flood, call setup (daphne + Redis + PostgreSQL)
	$(PY) bench/calls.py

bench-settlement: install ## settlement render + four signatures, and verification
	$(PY) bench/settlement.py

bench-signatures: install ## signer-held keys (interrupted signing) against event keys: four signatures, verification, ratio
	$(PY) bench/signatures.py

bench-voice: install ## chat sync with voice-note attachments, a voice note stored (PostgreSQL)
	$(PY) bench/voice.py

bench-places: install ## place search p95 on 10,000 grids and 500,000 addresses (PostgreSQL)
	DATABASE_URL=$${PLACES_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiaojie_places_bench} $(PY) bench/places.py

bench-pdf-words: install ## CPU of a PDF with long unbroken words against ordinary prose
	$(PY) bench/pdf_words.py

bench-outbox: install ## notifications delivered per second by one worker on Redis, commit→delivery lag
	$(PY) bench/outbox.py

bench-crypto: install ## queue API and page p95 with personal data encrypted, decryption's share (PostgreSQL)
	DATABASE_URL=$${CRYPTO_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiaojie_crypto_bench} $(PY) bench/crypto.py

bench-audit: install ## audit log appends/s with 8 writers, verify_audit seconds per million (PostgreSQL)
	BENCH_DATABASE_URL=$${AUDIT_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tiaojie_audit_bench} $(PY) bench/audit.py

bench-queue: install ## Celery tasks/s, enqueue→start latency, notices: embedded default beside Redis (db 9)
	env -u DATABASE_URL $(PY) bench/celery_queue.py --redis-url $${QUEUE_REDIS_URL:-redis://127.0.0.1:6379/9}
