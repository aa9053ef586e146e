#################################################################################
# GLOBALS                                                                       #
#################################################################################

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installe
# Année publiée : par défaut, le fichier de paramètres le plus récent de params/.
ANNEE ?= $(shell ls params/*.yaml 2>/dev/null | sed 's|.*/||; s|\.yaml||' | sort | tail -n 1)
# Minutes d'attente si une autre exécution est en cours dans le projet (0 : s'arrêter aussitôt).
ATTENTE ?= 0

export GX_ANALYTICS_ENABLED := False
export PYTHONDONTWRITEBYTECODE := 1
export MPLBACKEND := Agg

.DEFAULT_GOAL := help
.PHONY: help env lab reports profil demo donnees valider test test-rapide lint nettoie-notebooks bench doc \
	clean

#################################################################################
# COMMANDES                                                                     #
#################################################################################

$(STAMP): pyproject.toml
	@echo ">> Préparation de l'environnement Python ($(VENV))…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" ; test $${PIPESTATUS[0]} -eq 0
	@$(PY) -m qpv_analytics noyau >/dev/null
	@$(PY) -m qpv_analytics filtre-git >/dev/null
	@touch $(STAMP)
	@echo ">> Environnement prêt."

## Prépare l'environnement (venv, installation, noyau Jupyter « qpv-analytics », filtre git)
env: $(STAMP)

## Ouvre JupyterLab sur le noyau du projet, données de l'année prêtes (ANNEE=…, PORT=…)
lab: $(STAMP)
	@$(PY) -m qpv_analytics lab --annee $(ANNEE) --attendre $(ATTENTE) $(if $(PORT),--port $(PORT))

## Publie les rapports de l'année, en ne refaisant que ce qui a changé (ANNEE=…, TOUT=1, PROCESSUS=N)
reports: $(STAMP)
	@$(PY) -m qpv_analytics publier --annee $(ANNEE) --attendre $(ATTENTE) \
		$(if $(TOUT),--tout) $(if $(PROCESSUS),--processus $(PROCESSUS))

## Construit un seul profil pour une réunion : make profil EPCI=<siren> ou BAILLEUR="<nom>"
profil: $(STAMP)
	@$(PY) -m qpv_analytics profil --annee $(ANNEE) --attendre $(ATTENTE) \
		$(if $(EPCI),--epci "$(EPCI)") $(if $(BAILLEUR),--bailleur "$(BAILLEUR)")

## Écrit les données de démonstration dans data/raw/ (si le dossier est vide)
demo: $(STAMP)
	@$(PY) -m qpv_analytics demo

## Charge data/raw/ vers data/processed/ (Parquet typé)
donnees: $(STAMP)
	@$(PY) -m qpv_analytics charger

## Contrôle la qualité des données de l'année (Great Expectations), sans publier
valider: $(STAMP)
	@$(PY) -m qpv_analytics valider --annee $(ANNEE) --attendre $(ATTENTE)

## Lance la suite de tests complète (publication de démonstration comprise)
test: $(STAMP)
	@$(PY) -m pytest

## Lance les tests rapides seulement (sans Papermill, nbconvert ni Great Expectations)
test-rapide: $(STAMP)
	@$(PY) -m pytest -m "not integration"

## Vérifie le style du code (ruff)
lint: $(STAMP)
	@$(PY) -m ruff check src tests notebooks
	@$(PY) -m ruff format --check src tests

## Retire des notebooks sorties et métadonnées volatiles (nbstripout), avant un commit
nettoie-notebooks: $(STAMP)
	@$(PY) -m qpv_analytics nettoyer-notebooks

## Mesure la vitesse (benchmarks/) : publication contre la façon naïve, taille nationale, contrôle qualité
bench: $(STAMP)
	@status=0; \
	$(PY) benchmarks/bench_publication.py || status=1; \
	$(PY) benchmarks/bench_national.py || status=1; \
	$(PY) benchmarks/bench_validation.py --repeat 3 || status=1; \
	exit $$status

## Régénère la documentation du contrat de données (data/README.md) et les modèles de fichiers
doc: $(STAMP)
	@$(PY) -m qpv_analytics contrat

## Supprime l'environnement et les fichiers produits (jamais data/raw/)
clean:
	rm -rf $(VENV) data/processed/*.parquet .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

#################################################################################
# AIDE                                                                          #
#################################################################################

## Affiche cette aide
help:
	@echo "qpv_analytics — commandes disponibles :"
	@echo
	@awk '/^## /{desc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(desc){split($$1,t,":"); printf "  make %-18s %s\n", t[1], desc}; desc=""} !/^## /{if(!/^[a-zA-Z_-]+:/)desc=""}' $(MAKEFILE_LIST)
