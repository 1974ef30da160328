# Two commands do everything, installing included:
#   make train   train the reference model (IMDB_DIR=... for local files, else the Hugging Face hub)
#   make test    run the project's test suite
# Both create .venv on first use. constraints.txt pins the torch version, not its build:
# without a GPU, install the CPU build into .venv first (README.md, "Set-up").

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: train test exercises clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[course,bench,test,cluster]"
	touch $@

train: $(VENV)/.installed
	$(PY) -m solutions.train $(ARGS)

test: $(VENV)/.installed
	$(PY) -m pytest tests
	$(PY) -m pytest exercises --impl solutions

exercises: $(VENV)/.installed
	$(PY) -m pytest exercises

clean:
	rm -rf $(VENV)
