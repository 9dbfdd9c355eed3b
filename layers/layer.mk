# Included by every layer's Makefile. `sam build` runs `make build-<Layer>` with ARTIFACTS_DIR set to the
# layer's build folder; Lambda puts each layer at /opt and /opt/python on sys.path, so everything goes to
# $(ARTIFACTS_DIR)/python. build_layer.py does the work (wheels for Lambda, pruning, .pyc).
#
# Why BuildMethod makefile and not python3.12: SAM's python builder copies the whole ContentUri into the
# artifact's python/ folder, so layers/common/python/describe_it would land at
# /opt/python/python/describe_it (not importable), and it cannot leave out what another layer carries.
LAYERS := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
PYTHON ?= python3
PYTHON312 ?= python3.12

# $(call build-layer,<arguments of build_layer.py>)
define build-layer
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: run this through `sam build` (make build)))
	$(PYTHON) "$(LAYERS)build_layer.py" "$(ARTIFACTS_DIR)/python" --python312 "$(PYTHON312)" $(1)
endef
