# Shared settings
REGISTRY = registry.internal:5000
GO_VERSION := 1.22
include versions.mk
